"""The admin alert: after an audit, the new error findings nobody has been told about yet.

"On change only": a finding is announced once. The flow keeps the announced fingerprints in the
ledger and passes them back in; what an alert announces is in `Alert.fingerprints`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from engine.links import Names, RecordLink, one_line
from engine.model import FindingRecord, FindingStatus, Severity


@dataclass(frozen=True, slots=True)
class AlertItem:
    record: RecordLink
    rule_id: str
    title: str
    message: str


@dataclass(frozen=True, slots=True)
class Alert:
    items: tuple[AlertItem, ...]  # the first `limit`, ordered by rule then record
    total: int
    #: Everything this alert announces, shown or not, for the ledger to remember.
    fingerprints: tuple[str, ...]

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    @property
    def subject(self) -> str:
        return f"Weeder: {self.total} new error finding{'' if self.total == 1 else 's'}"


def build_alert(findings: Iterable[FindingRecord], announced: Collection[str], *,
                instance_url: str, record_names: Mapping[str, str] | None = None,
                rule_titles: Mapping[str, str] | None = None, limit: int = 20) -> Alert | None:
    """Open error findings not announced before, or None when there is nothing new to say."""
    fresh = sorted((f for f in findings if f.status == FindingStatus.OPEN
                    and f.severity == Severity.ERROR and f.fingerprint not in announced),
                   key=lambda f: (f.rule_id, f.object, f.record_id))
    if not fresh:
        return None
    names = Names(instance_url, {}, record_names or {}, rule_titles or {})
    items = tuple(AlertItem(record=names.link_finding(f), rule_id=f.rule_id,
                            title=names.rule(f.rule_id), message=one_line(f.message))
                  for f in fresh[:limit])
    return Alert(items=items, total=len(fresh), fingerprints=tuple(f.fingerprint for f in fresh))
