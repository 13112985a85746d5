"""How a notice names and links what it talks about: records, rules and users of the org."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from engine.model import FindingRecord

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def one_line(text: object) -> str:
    """Text from the org made safe for one line: control characters (CR, LF, TAB…) become
    spaces and runs of spaces collapse, so a name can never start a new header or line."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def record_url(instance_url: str, object_name: str, record_id: str) -> str:
    """The Lightning page of a record: ``{instance}/lightning/r/{Object}/{Id}/view``."""
    return (f"{instance_url.rstrip('/')}/lightning/r/{quote(object_name, safe='')}"
            f"/{quote(record_id, safe='')}/view")


@dataclass(frozen=True, slots=True)
class RecordLink:
    object: str
    record_id: str
    name: str
    url: str


class Names:
    """Display names for records, rules and users, with a fallback to the bare id."""

    def __init__(self, instance_url: str, users: Mapping[str, str],
                 records: Mapping[str, str], rules: Mapping[str, str]) -> None:
        self.instance_url = instance_url.rstrip("/")
        self._users = users
        self._records = records
        self._rules = rules

    def link(self, object_name: str, record_id: str,
             evidence: Mapping[str, Any] | None = None) -> RecordLink:
        evidence = evidence or {}
        # The flow's names first (fresh from the org), then what the rule wrote into evidence.
        name = (self._records.get(record_id) or evidence.get("record_name")
                or evidence.get("Name") or evidence.get("name") or record_id)
        return RecordLink(object=object_name, record_id=record_id, name=one_line(name),
                          url=record_url(self.instance_url, object_name, record_id))

    def link_finding(self, finding: FindingRecord) -> RecordLink:
        return self.link(finding.object, finding.record_id, finding.evidence)

    def rule(self, rule_id: str) -> str:
        return one_line(self._rules.get(rule_id) or rule_id)

    def user(self, user_id: Any) -> str | None:
        return self._users.get(str(user_id)) if user_id else None
