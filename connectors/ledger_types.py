"""The ledger's own vocabulary: its errors, run modes and statuses, and the records it returns.

The finding and journal shapes are shared with the engine and live in :mod:`engine.model`;
these are the ones only the ledger and the flows that read it need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from engine.errors import WeederError
from engine.model import JournalKind


class LedgerError(WeederError):
    """The ledger cannot be opened or used as asked."""


class RunInProgress(LedgerError):
    """Another process holds the run lock."""

    exit_code = 3


class UnknownRun(LedgerError):
    """A run id that the ledger has never seen."""


class RunMode(StrEnum):
    PLAN = "plan"
    APPLY = "apply"
    REVERT = "revert"  # `weeder revert RUN_ID`


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # finished, but some writes failed or conflicted (see the journal)
    FAILED = "failed"
    ABORTED = "aborted"


#: Runs that read the org completely: only these advance watermarks or count as "applied".
SUCCESSFUL = (RunStatus.OK.value, RunStatus.PARTIAL.value)


class DigestStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to report and the all-clear is switched off


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    started_at: datetime
    finished_at: datetime | None
    mode: str
    status: str
    full: bool
    api_calls: int
    api_remaining: int | None
    summary: Mapping[str, Any]
    rules_hash: str


@dataclass(frozen=True, slots=True)
class FindingEvent:
    """One step in a finding's life: ``opened``, ``resolved`` or ``reopened``."""

    kind: str
    at: datetime
    run_id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class JournalIntent:
    """One write about to be sent, for :meth:`connectors.ledger.Ledger.journal_intents`."""

    kind: JournalKind
    object: str
    record_id: str | None
    field: str | None
    old: Any
    new: Any
    rule_id: str | None = None
    fingerprint: str | None = None


_WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def iso_week(day: date) -> str:
    """The ISO week a day belongs to, as digests and scores name it: ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def check_week(week: str) -> str:
    """``week`` itself if it is an ISO week like ``2026-W07`` (zero-padded, so weeks sort)."""
    if not _WEEK.match(week):
        raise ValueError(f"week {week!r} is not an ISO week like '2026-W07'")
    return week
