"""The write plan of an audit: which fixes to write, which review tasks to open and close.

Pure: it takes what the rules produced and what the ledger remembers (open tasks, resolved
findings) and decides. ``--plan`` prints it; ``--apply`` hands it to the connector.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.model import FieldChange, Fix, TaskRequest


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """All the fixes of one record merged into one conditional update."""

    object: str
    record_id: str
    changes: Mapping[str, FieldChange]
    read_stamp: str | None
    #: field -> (rule id, finding fingerprint) that asked for the change
    reasons: Mapping[str, tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class FixClash:
    """Two rules want different values in the same field; neither is written."""

    object: str
    record_id: str
    field: str
    rules: tuple[str, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TaskClose:
    fingerprint: str
    task_id: str


@dataclass(slots=True)
class WritePlan:
    writes: list[RecordWrite] = field(default_factory=list)
    clashes: list[FixClash] = field(default_factory=list)
    create_tasks: list[TaskRequest] = field(default_factory=list)
    close_tasks: list[TaskClose] = field(default_factory=list)
    #: fixes judged unsafe by their rule: shown in the plan, never written automatically
    unsafe: list[Fix] = field(default_factory=list)

    @property
    def field_changes(self) -> int:
        return sum(len(write.changes) for write in self.writes)

    @property
    def empty(self) -> bool:
        return not (self.writes or self.create_tasks or self.close_tasks)


def build_write_plan(
    fixes: Iterable[Fix],
    tasks: Iterable[TaskRequest],
    *,
    open_tasks: Mapping[str, str],
    resolved_with_open_task: Iterable[tuple[str, str]],
) -> WritePlan:
    """Decide the writes of one run.

    - Fixes of one record are merged into one write; two rules asking different new values for
      one field is a clash, written by neither (and reported).
    - A fix whose new value equals its old value is no write at all.
    - A task is opened only for a finding with no open task (``open_tasks``: fingerprint ->
      task id), and only once per fingerprint within the run.
    - Tasks whose finding is resolved are closed.
    """
    plan = WritePlan()
    merged: dict[tuple[str, str], dict[str, tuple[FieldChange, str, str | None]]] = {}
    stamps: dict[tuple[str, str], str | None] = {}
    clashing: dict[tuple[str, str, str], set[tuple[str, object]]] = {}
    for fix in fixes:
        if not fix.safe:
            plan.unsafe.append(fix)
            continue
        key = (fix.object, fix.record_id)
        stamps.setdefault(key, fix.read_stamp)
        fields = merged.setdefault(key, {})
        for name, change in fix.changes.items():
            if change.old == change.new:
                continue
            if name in fields and fields[name][0].new != change.new:
                clash = clashing.setdefault((*key, name), {(fields[name][1], fields[name][0].new)})
                clash.add((fix.rule_id, change.new))
                continue
            fields.setdefault(name, (change, fix.rule_id, fix.fingerprint))
    for (obj, record_id, name), entries in sorted(clashing.items()):
        ordered = sorted(entries, key=lambda entry: entry[0])
        plan.clashes.append(FixClash(obj, record_id, name, tuple(e[0] for e in ordered),
                                     tuple(e[1] for e in ordered)))
        merged[(obj, record_id)].pop(name, None)
    for (obj, record_id), fields in merged.items():
        if not fields:
            continue
        plan.writes.append(RecordWrite(
            obj, record_id,
            {name: entry[0] for name, entry in fields.items()},
            stamps[(obj, record_id)],
            {name: (entry[1], entry[2]) for name, entry in fields.items()},
        ))
    seen: set[str] = set()
    for task in tasks:
        if task.fingerprint in open_tasks or task.fingerprint in seen:
            continue
        seen.add(task.fingerprint)
        plan.create_tasks.append(task)
    plan.close_tasks = [TaskClose(fp, task_id) for fp, task_id in resolved_with_open_task]
    return plan
