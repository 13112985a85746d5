"""The central shapes every room shares: records in; findings, fixes and review tasks out.

Everything here is plain data. The engine produces these values, the connectors apply or store
them, and the flows move them between the two; nothing in this module does I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

#: A Salesforce record as a query returns it, `attributes` removed. Parent relationships are
#: nested mappings (``record["Owner"]["ManagerId"]``), child subqueries are lists of records.
Record = Mapping[str, Any]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Action(StrEnum):
    """What a rule allows a run to do about what it finds."""

    REPORT = "report"  # record the finding, nothing more
    TASK = "task"  # open a review task for a person
    FIX = "fix"  # write a corrected value
    REVERT = "revert"  # write the previous value back


def fingerprint_of(rule_id: str, record_id: str, field_name: str | None) -> str:
    """A stable identity for a finding, so runs can tell new, persisting and resolved apart."""
    key = f"{rule_id}\x1f{record_id}\x1f{field_name or ''}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with one record (or one field of it, or one group of records)."""

    rule_id: str
    severity: Severity
    object: str
    record_id: str
    field: str | None
    message: str
    evidence: Mapping[str, Any] = dataclass_field(default_factory=dict)
    owner_id: str | None = None
    action: Action = Action.REPORT
    #: Overrides the default fingerprint when identity is not one record's field, e.g. a
    #: duplicate cluster is identified by all its members.
    identity: str | None = None

    @property
    def fingerprint(self) -> str:
        if self.identity is not None:
            return fingerprint_of(self.rule_id, self.identity, self.field)
        return fingerprint_of(self.rule_id, self.record_id, self.field)


@dataclass(frozen=True, slots=True)
class FieldChange:
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Fix:
    """A correction as data: the engine proposes it, a connector applies it.

    ``read_stamp`` is the record's SystemModstamp when it was read; the write is conditional on
    it so that a record edited in between is left alone.
    """

    rule_id: str
    object: str
    record_id: str
    changes: Mapping[str, FieldChange]
    safe: bool = True
    read_stamp: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """A review task to open in Salesforce for a person to act on."""

    rule_id: str
    fingerprint: str
    what_id: str | None  # the record the task is about (WhatId); None for people (WhoId)
    who_id: str | None
    owner_id: str  # the assignee
    subject: str
    description: str
    due_date: date
    priority: str = "Normal"


@dataclass(frozen=True, slots=True)
class Stage:
    """One opportunity stage, as OpportunityStage describes it."""

    name: str
    sort_order: int
    is_closed: bool = False
    is_won: bool = False
    is_active: bool = True
    default_probability: float | None = None


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What the engine needs to know of one field from describe."""

    name: str
    type: str
    label: str = ""
    updateable: bool = True
    nillable: bool = True
    picklist_values: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a rule may consult besides the record. Never a client, never a clock."""

    today: date
    stages: tuple[Stage, ...] = ()
    #: object name -> field name (as describe spells it) -> field info
    fields: Mapping[str, Mapping[str, FieldInfo]] = dataclass_field(default_factory=dict)
    #: user id -> {"Name", "ManagerId", "ProfileId", "Profile.Name", "IsActive", "Email"}
    users: Mapping[str, Mapping[str, Any]] = dataclass_field(default_factory=dict)
    #: user id -> Names of the permission sets assigned to that user (besides the profile's own)
    user_permission_sets: Mapping[str, frozenset[str]] = dataclass_field(default_factory=dict)
    _stage_by_name: Mapping[str, Stage] = dataclass_field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # Rules look a stage up for every deal; a dict keeps that O(1).
        object.__setattr__(self, "_stage_by_name", {stage.name: stage for stage in self.stages})

    def stage(self, name: str | None) -> Stage | None:
        if name is None:
            return None
        return self._stage_by_name.get(name)


class FindingStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A finding as the ledger remembers it across runs: its lifecycle, not just one sighting."""

    fingerprint: str
    rule_id: str
    severity: Severity
    object: str
    record_id: str
    field: str | None
    message: str
    evidence: Mapping[str, Any]
    owner_id: str | None
    status: FindingStatus
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None = None
    action: Action = Action.REPORT


class JournalKind(StrEnum):
    FIX = "fix"  # a field written by a fix rule
    REVERT = "revert"  # a field written back by a field-permission revert rule
    TASK_CREATE = "task_create"
    TASK_CLOSE = "task_close"
    UNDO = "undo"  # a field restored by `weeder revert RUN_ID`


class JournalStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet sent (or the process died while sending)
    OK = "ok"
    CONFLICT = "conflict"  # the record changed since it was read; left alone
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One write Weeder made (or meant to make) to the org, recorded before it was sent."""

    id: int
    run_id: str
    kind: JournalKind
    object: str
    record_id: str | None  # None for a task not yet created
    field: str | None
    old: Any
    new: Any
    status: JournalStatus
    created_at: datetime
    rule_id: str | None = None
    fingerprint: str | None = None
    error: str | None = None
