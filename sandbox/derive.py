"""Fields the org fills itself when a record is written (pure: rows in, rows out).

Rows here are in stored form (see :mod:`sandbox.schema`) keyed by the fields' canonical names.
``given`` names the fields the caller wrote, so that a value the caller chose is never
overwritten by a default (Probability set explicitly stays; Probability not given follows the
stage).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sandbox.db import format_datetime, parse_datetime

Row = dict[str, Any]

TEXT_PREVIEW_LENGTH = 255
CLOSED_TASK_STATUSES = frozenset({"completed"})


@dataclass(frozen=True, slots=True)
class Stage:
    """One OpportunityStage row: what a deal in this stage is."""

    name: str
    sort_order: int
    is_active: bool
    is_closed: bool
    is_won: bool
    probability: float | None
    forecast_category: str | None


@dataclass(frozen=True, slots=True)
class DeriveContext:
    now: str  # the write's timestamp, stored form
    stages: Mapping[str, Stage]  # lower-cased stage name -> stage


def derive(object_name: str, before: Mapping[str, Any] | None, row: Row, given: set[str],
           ctx: DeriveContext) -> None:
    """Fill ``row``'s derived fields in place (``before`` is None on create)."""
    deriver = _DERIVERS.get(object_name)
    if deriver is not None:
        deriver(before, row, given, ctx)


def _person_name(before: Mapping[str, Any] | None, row: Row, given: set[str],
                 ctx: DeriveContext) -> None:
    parts = [row.get("FirstName"), row.get("LastName")]
    row["Name"] = " ".join(str(p).strip() for p in parts if p and str(p).strip()) or None


def _opportunity(before: Mapping[str, Any] | None, row: Row, given: set[str],
                 ctx: DeriveContext) -> None:
    name = row.get("StageName")
    stage = ctx.stages.get(name.lower()) if isinstance(name, str) else None
    if stage is None:
        return
    row["StageName"] = stage.name
    row["IsClosed"] = int(stage.is_closed)
    row["IsWon"] = int(stage.is_won)
    changed = before is None or before.get("StageName") != stage.name
    if not changed:
        return
    if "Probability" not in given:
        row["Probability"] = stage.probability
    if "ForecastCategoryName" not in given:
        row["ForecastCategoryName"] = stage.forecast_category
    if before is not None:
        row["LastStageChangeDate"] = ctx.now


def _task(before: Mapping[str, Any] | None, row: Row, given: set[str],
          ctx: DeriveContext) -> None:
    status = row.get("Status")
    closed = isinstance(status, str) and status.lower() in CLOSED_TASK_STATUSES
    was_closed = bool(before and before.get("IsClosed"))
    row["IsClosed"] = int(closed)
    if closed and not was_closed:
        row["CompletedDateTime"] = ctx.now
    elif not closed:
        row["CompletedDateTime"] = None


def _event(before: Mapping[str, Any] | None, row: Row, given: set[str],
           ctx: DeriveContext) -> None:
    # Salesforce keeps ActivityDateTime and StartDateTime in step, and ActivityDate is its day.
    if row.get("StartDateTime") is None and row.get("ActivityDateTime") is not None:
        row["StartDateTime"] = row["ActivityDateTime"]
    if row.get("ActivityDateTime") is None and row.get("StartDateTime") is not None:
        row["ActivityDateTime"] = row["StartDateTime"]
    if row.get("ActivityDateTime") is not None and "ActivityDate" not in given:
        row["ActivityDate"] = str(row["ActivityDateTime"])[:10]
    start, end, minutes = row.get("StartDateTime"), row.get("EndDateTime"), \
        row.get("DurationInMinutes")
    if start is not None and end is None and minutes is not None:
        row["EndDateTime"] = format_datetime(parse_datetime(start) + timedelta(minutes=minutes))
    elif start is not None and end is not None and "DurationInMinutes" not in given:
        delta = parse_datetime(end) - parse_datetime(start)
        row["DurationInMinutes"] = int(delta.total_seconds() // 60)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def text_preview(content: str | None) -> str | None:
    """The plain-text start of a note's HTML body, as ContentNote.TextPreview shows it."""
    if not content:
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", content))).strip()
    return text[:TEXT_PREVIEW_LENGTH] or None


def _content_note(before: Mapping[str, Any] | None, row: Row, given: set[str],
                  ctx: DeriveContext) -> None:
    row["TextPreview"] = text_preview(row.get("Content"))


_DERIVERS: dict[str, Callable[[Mapping[str, Any] | None, Row, set[str], DeriveContext], None]] = {
    "User": _person_name,
    "Contact": _person_name,
    "Lead": _person_name,
    "Opportunity": _opportunity,
    "Task": _task,
    "Event": _event,
    "ContentNote": _content_note,
}
