"""Reading a record's past from its history rows: who changed what, when, and how it looked before.

Two sources, as Salesforce keeps them: field history (``Histories``: Field, OldValue, NewValue,
CreatedById, CreatedDate) for tracked fields of any object, and, for opportunities,
``OpportunityHistories`` (a snapshot of StageName, Amount, CloseDate, ... after every change).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.model import Record
from engine.values import children, timestamp

FIELD_HISTORY = "Histories"
OPPORTUNITY_HISTORY = "OpportunityHistories"
FIELD_HISTORY_FIELDS = frozenset({"Field", "OldValue", "NewValue", "CreatedById", "CreatedDate"})
OPPORTUNITY_HISTORY_FIELDS = frozenset({"StageName", "Amount", "CreatedById", "CreatedDate"})


@dataclass(frozen=True, slots=True)
class Change:
    """One field change from field history."""

    field: str
    old: Any
    new: Any
    by: str | None
    at: datetime
    when: str  # CreatedDate as Salesforce wrote it


@dataclass(frozen=True, slots=True)
class StageChange:
    """A deal moving from one stage to another."""

    from_stage: str
    to_stage: str
    by: str | None
    at: datetime
    when: str
    amount: Any


def _dated(rows: Iterable[Record]) -> list[tuple[datetime, Record]]:
    dated = []
    for row in rows:
        at = timestamp(row.get("CreatedDate"))
        if at is not None:
            dated.append((at, row))
    dated.sort(key=lambda pair: pair[0])  # stable: rows of one save keep their order
    return dated


def field_changes(record: Record, fields: Iterable[str] | None = None) -> list[Change]:
    """Field-history changes, oldest first, optionally only of some fields."""
    wanted = frozenset(fields) if fields is not None else None
    out = []
    for at, row in _dated(children(record, FIELD_HISTORY)):
        name = row.get("Field")
        if not isinstance(name, str) or (wanted is not None and name not in wanted):
            continue
        out.append(Change(name, row.get("OldValue"), row.get("NewValue"), row.get("CreatedById"),
                          at, str(row.get("CreatedDate"))))
    return out


def stage_changes(record: Record) -> list[StageChange]:
    """Stage moves, oldest first: from OpportunityHistories, else from StageName field history."""
    snapshots = _dated(children(record, OPPORTUNITY_HISTORY))
    out: list[StageChange] = []
    if snapshots:
        previous: str | None = None
        for at, row in snapshots:
            stage = row.get("StageName")
            if isinstance(stage, str) and previous is not None and stage != previous:
                out.append(StageChange(previous, stage, row.get("CreatedById"), at,
                                       str(row.get("CreatedDate")), row.get("Amount")))
            if isinstance(stage, str):
                previous = stage
        return out
    for change in field_changes(record, ("StageName",)):
        if isinstance(change.old, str) and isinstance(change.new, str) and change.old != change.new:
            out.append(StageChange(change.old, change.new, change.by, change.at, change.when,
                                   record.get("Amount")))
    return out


def stages_visited_before(record: Record, at: datetime) -> set[str]:
    """Every stage the deal was in before ``at`` (its starting stage included)."""
    visited: set[str] = set()
    snapshots = _dated(children(record, OPPORTUNITY_HISTORY))
    if snapshots:
        for moment, row in snapshots:
            if moment < at and isinstance(row.get("StageName"), str):
                visited.add(row["StageName"])
        return visited
    for change in field_changes(record, ("StageName",)):
        if change.at < at:
            visited.update(value for value in (change.old, change.new) if isinstance(value, str))
    return visited


def value_before(record: Record, field: str, at: datetime,
                 changes: Sequence[Change] | None = None) -> Any:
    """The field's value just before ``at`` (changes saved at ``at`` itself not yet applied)."""
    if field == "StageName":
        earlier = [row for moment, row in _dated(children(record, OPPORTUNITY_HISTORY))
                   if moment < at]
        if earlier:
            return earlier[-1].get("StageName")
    known = changes if changes is not None else field_changes(record, (field,))
    later = [change for change in known if change.field == field and change.at >= at]
    if later:
        return later[0].old
    return record.get(field)


def as_of(record: Record, fields: Iterable[str], at: datetime) -> Mapping[str, Any]:
    """The record as it was just before ``at``, for the fields that history can restore."""
    changes = field_changes(record)
    restored = {name: value_before(record, name, at, changes)
                for name in fields if "." not in name}
    return ChainMap(restored, dict(record))
