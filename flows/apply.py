"""Carry out a write plan: journal every write first, send it, record its outcome.

The order matters for trust: the ledger knows what Weeder *meant* to write before Salesforce
hears of it, so a crash mid-send leaves a pending entry the next run reconciles, and
``weeder revert`` can always find the old values.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import structlog

from connectors.ledger import JournalIntent, Ledger
from connectors.salesforce import SalesforceClient, WriteResult, soql_in, soql_quote
from engine.model import Action, JournalEntry, JournalKind, JournalStatus, TaskRequest
from engine.plan import RecordWrite, WritePlan
from flows.revert import same_value

log = structlog.get_logger(__name__)

TASK_REFERENCE = "Weeder reference: "
_REFERENCE = re.compile(re.escape(TASK_REFERENCE) + r"([0-9a-f]{20})")
CLOSE_COMMENT = "Closed by Weeder: the finding is resolved."
#: a journal entry's outcome: (entry id, status, error, record id of a created task)
Outcome = tuple[int, JournalStatus, str | None, str | None]
#: errors worth another try on the next run (the record is pulled again)
TRANSIENT = frozenset({"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE",
                       "UNKNOWN_EXCEPTION", "HTTP_503"})


@dataclass(slots=True)
class ApplyOutcome:
    fixes_applied: int = 0
    fixes_conflicted: int = 0
    fixes_failed: int = 0
    tasks_created: int = 0
    tasks_failed: int = 0
    tasks_closed: int = 0
    tasks_close_failed: int = 0
    #: objects whose watermark must not advance: something for them is still to be written
    retry_objects: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    stopped: str | None = None

    @property
    def failed(self) -> int:
        return self.fixes_failed + self.tasks_failed + self.tasks_close_failed


class Budget:
    """Stops writing before the org's daily API requests fall below the floor."""

    def __init__(self, client: SalesforceClient, *, remaining: int, maximum: int,
                 floor_share: float) -> None:
        self._client = client
        self._start_calls = client.api_calls
        self.floor = int(maximum * floor_share)
        self._allowance = remaining - self.floor

    def allows(self, calls: int) -> bool:
        used = self._client.api_calls - self._start_calls
        return used + calls <= self._allowance

    def reason(self) -> str:
        return (f"stopped writing: the org's remaining daily API requests would fall below the "
                f"floor of {self.floor}; the rest is written on a later run")


def _calls_for(count: int, per_call: int = 200, reads: int = 1) -> int:
    batches = -(-count // per_call)
    return batches * (1 + reads)


def _error_text(result: WriteResult) -> str:
    return "; ".join(f"{e.code}: {e.message}" for e in result.errors) or result.status


def _transient(result: WriteResult) -> bool:
    return any(error.code in TRANSIENT for error in result.errors)


def with_reference(task: TaskRequest) -> TaskRequest:
    """The task's description carries its finding's fingerprint, so a task created by a run
    that died before recording it can be found and linked instead of created twice."""
    if TASK_REFERENCE in task.description:
        return task
    return replace(task, description=f"{task.description}\n\n{TASK_REFERENCE}{task.fingerprint}")


def apply_fixes(client: SalesforceClient, ledger: Ledger, run_id: str, plan: WritePlan,
                actions: Mapping[str, Action], outcome: ApplyOutcome, budget: Budget) -> None:
    by_object: dict[str, list[RecordWrite]] = defaultdict(list)
    for write in plan.writes:
        by_object[write.object].append(write)
    for obj, writes in by_object.items():
        if not budget.allows(_calls_for(len(writes))):
            outcome.stopped = budget.reason()
            outcome.retry_objects.update(name for name in by_object)
            return
        intents = [
            JournalIntent(
                kind=JournalKind.REVERT if actions.get(write.reasons[name][0]) is Action.REVERT
                else JournalKind.FIX,
                object=obj, record_id=write.record_id, field=name,
                old=change.old, new=change.new,
                rule_id=write.reasons[name][0], fingerprint=write.reasons[name][1])
            for write in writes for name, change in write.changes.items()
        ]
        entry_ids = iter(ledger.journal_intents(run_id, intents))
        results = client.update_if_unchanged(obj, [
            (write.record_id, {name: change.new for name, change in write.changes.items()},
             write.read_stamp) for write in writes])
        outcomes: list[Outcome] = []
        for write, result in zip(writes, results, strict=True):
            status = {"ok": JournalStatus.OK, "conflict": JournalStatus.CONFLICT}.get(
                result.status, JournalStatus.FAILED)
            error = None if result.ok else _error_text(result)
            for _ in write.changes:
                outcomes.append((next(entry_ids), status, error, None))
            if result.ok:
                outcome.fixes_applied += 1
            elif result.status == "conflict":
                outcome.fixes_conflicted += 1
                outcome.problems.append(f"conflict: {obj} {write.record_id} changed since it was "
                                        f"read; left alone ({error})")
            else:
                outcome.fixes_failed += 1
                outcome.problems.append(f"failed: {obj} {write.record_id}: {error}")
                if _transient(result):
                    outcome.retry_objects.add(obj)
        ledger.journal_outcomes(outcomes)


def create_tasks(client: SalesforceClient, ledger: Ledger, run_id: str,
                 tasks: Sequence[TaskRequest], finding_objects: Mapping[str, str],
                 outcome: ApplyOutcome, budget: Budget) -> None:
    if not tasks:
        return
    if not budget.allows(_calls_for(len(tasks), reads=0)):
        outcome.stopped = budget.reason()
        outcome.retry_objects.update(finding_objects.get(t.fingerprint, "Task") for t in tasks)
        return
    tasks = [with_reference(task) for task in tasks]
    entry_ids = ledger.journal_intents(run_id, [
        JournalIntent(kind=JournalKind.TASK_CREATE, object="Task", record_id=None, field=None,
                      old=None, new={"Subject": task.subject, "OwnerId": task.owner_id,
                                     "WhatId": task.what_id, "WhoId": task.who_id},
                      rule_id=task.rule_id, fingerprint=task.fingerprint)
        for task in tasks])
    results = client.create_tasks(tasks)
    outcomes: list[Outcome] = []
    for entry_id, task, result in zip(entry_ids, tasks, results, strict=True):
        if result.ok and result.record_id:
            ledger.link_task(task.fingerprint, result.record_id, run_id)
            outcomes.append((entry_id, JournalStatus.OK, None, result.record_id))
            outcome.tasks_created += 1
        else:
            outcomes.append((entry_id, JournalStatus.FAILED, _error_text(result), None))
            outcome.tasks_failed += 1
            outcome.problems.append(f"task not created for {task.rule_id} "
                                    f"({task.what_id or task.who_id}): {_error_text(result)}")
            # the finding is only seen again when its record is pulled again
            outcome.retry_objects.add(finding_objects.get(task.fingerprint, "Task"))
    ledger.journal_outcomes(outcomes)


def close_tasks(client: SalesforceClient, ledger: Ledger, run_id: str, plan: WritePlan,
                outcome: ApplyOutcome, budget: Budget) -> None:
    if not plan.close_tasks:
        return
    if not budget.allows(_calls_for(len(plan.close_tasks))):
        outcome.stopped = budget.reason()
        return
    entry_ids = ledger.journal_intents(run_id, [
        JournalIntent(kind=JournalKind.TASK_CLOSE, object="Task", record_id=close.task_id,
                      field="Status", old="Not Started", new="Completed",
                      fingerprint=close.fingerprint)
        for close in plan.close_tasks])
    results = client.close_tasks([close.task_id for close in plan.close_tasks], CLOSE_COMMENT)
    outcomes: list[Outcome] = []
    for entry_id, close, result in zip(entry_ids, plan.close_tasks, results, strict=True):
        if result.ok:
            ledger.mark_task_closed(close.fingerprint, run_id)
            outcome.tasks_closed += 1
            outcomes.append((entry_id, JournalStatus.OK, None, None))
        elif any(e.code in ("NOT_FOUND", "ENTITY_IS_DELETED") for e in result.errors):
            # someone deleted the task: nothing left to close
            ledger.mark_task_closed(close.fingerprint, run_id, reason="task deleted in the org")
            outcomes.append((entry_id, JournalStatus.SKIPPED, _error_text(result), None))
        else:
            outcome.tasks_close_failed += 1
            outcome.problems.append(f"task {close.task_id} not closed: {_error_text(result)}")
            outcomes.append((entry_id, JournalStatus.FAILED, _error_text(result), None))
    ledger.journal_outcomes(outcomes)


_FIELD_KINDS = (JournalKind.FIX, JournalKind.REVERT, JournalKind.UNDO)


def _current_rows(client: SalesforceClient, obj: str, ids: Sequence[str],
                  fields: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The records' current values of ``fields``, by 15-character id."""
    rows: dict[str, dict[str, Any]] = {}
    unique = sorted({record_id[:15] for record_id in ids})
    for start in range(0, len(unique), 200):
        soql = (f"SELECT Id, {', '.join(sorted(set(fields)))} FROM {obj} "
                f"WHERE {soql_in('Id', unique[start:start + 200])}")
        rows.update({row["Id"][:15]: row for row in client.query(soql)})
    return rows


def _landed(client: SalesforceClient, pending: Sequence[JournalEntry]) -> set[int]:
    """Ids of pending field writes and task closings the org shows were carried out: the
    field holds the new value, the task is Completed."""
    by_object: dict[str, list[JournalEntry]] = defaultdict(list)
    for entry in pending:
        if entry.record_id and entry.field and (
                entry.kind in _FIELD_KINDS or entry.kind is JournalKind.TASK_CLOSE):
            by_object[entry.object].append(entry)
    landed: set[int] = set()
    for obj, entries in by_object.items():
        rows = _current_rows(client, obj, [e.record_id or "" for e in entries],
                             [e.field or "" for e in entries])
        for entry in entries:
            row = rows.get((entry.record_id or "")[:15])
            if row is not None and same_value(row.get(entry.field or ""), entry.new):
                landed.add(entry.id)
    return landed


def reconcile_pending(client: SalesforceClient, ledger: Ledger) -> int:
    """Settle writes a crashed run journaled but never recorded the outcome of.

    The org is asked what became of each: a pending task creation is looked for by its
    reference line and linked if it exists; a pending field write (or task closing) whose new
    value is what the org holds now landed, and is recorded as written, so `weeder revert` of
    that run restores it. Anything else is marked failed (the run that follows re-reads
    everything, so a fix that did not land is proposed again). Returns how many entries were
    settled.
    """
    pending = ledger.pending_entries()
    if not pending:
        return 0
    tasks = [entry for entry in pending if entry.kind is JournalKind.TASK_CREATE]
    found: dict[str, str] = {}
    if tasks:
        since = min(entry.created_at for entry in tasks) - timedelta(minutes=5)
        soql = ("SELECT Id, Description FROM Task WHERE Subject LIKE '[Weeder]%' "
                f"AND CreatedDate >= {soql_quote(since)}")
        for row in client.query(soql):
            match = _REFERENCE.search(row.get("Description") or "")
            if match:
                found.setdefault(match.group(1), row["Id"])
    landed = _landed(client, pending)
    outcomes: list[Outcome] = []
    for entry in pending:
        task_id = (found.get(entry.fingerprint or "")
                   if entry.kind is JournalKind.TASK_CREATE else None)
        if task_id and entry.fingerprint:
            if ledger.open_task_for(entry.fingerprint) is None:
                ledger.link_task(entry.fingerprint, task_id, entry.run_id)
            outcomes.append((entry.id, JournalStatus.OK, "found in the org after an interruption",
                             task_id))
        elif entry.id in landed:
            if entry.kind is JournalKind.TASK_CLOSE and entry.fingerprint:
                ledger.mark_task_closed(entry.fingerprint, entry.run_id)
            outcomes.append((entry.id, JournalStatus.OK,
                             "found written in the org after an interruption", None))
        else:
            outcomes.append((entry.id, JournalStatus.FAILED,
                             "interrupted before its outcome was recorded; re-checked next run",
                             None))
    ledger.journal_outcomes(outcomes)
    log.warning("reconciled interrupted writes", entries=len(outcomes),
                found_done=sum(1 for o in outcomes if o[1] is JournalStatus.OK))
    return len(outcomes)


def apply_plan(client: SalesforceClient, ledger: Ledger, run_id: str, plan: WritePlan, *,
               actions: Mapping[str, Action], finding_objects: Mapping[str, str],
               budget: Budget) -> ApplyOutcome:
    outcome = ApplyOutcome()
    apply_fixes(client, ledger, run_id, plan, actions, outcome, budget)
    if outcome.stopped is None:
        create_tasks(client, ledger, run_id, plan.create_tasks, finding_objects, outcome, budget)
    if outcome.stopped is None:
        close_tasks(client, ledger, run_id, plan, outcome, budget)
    if outcome.stopped:
        log.warning("api budget", message=outcome.stopped)
    return outcome
