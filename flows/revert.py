"""`weeder revert RUN_ID`: put back every field a run changed, and close the tasks it opened.

A field someone changed again after that run is left alone and reported: reverting must never
overwrite a person's newer work. The revert is itself a run, journaled like any other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog
from prefect import flow

from connectors.ledger import JournalIntent, Ledger
from connectors.salesforce import SalesforceClient, soql_in
from engine.errors import WeederError
from engine.model import JournalEntry, JournalKind, JournalStatus
from flows.log import bind_run, configure_logging, unbind_run

log = structlog.get_logger(__name__)

REVERT_COMMENT = "Closed by Weeder: the run that opened this task was reverted ({run_id})."
_FIELD_WRITES = (JournalKind.FIX, JournalKind.REVERT)


@dataclass(slots=True)
class RevertSummary:
    run_id: str
    reverted_run: str
    fields_restored: int = 0
    fields_skipped: int = 0
    fields_failed: int = 0
    tasks_closed: int = 0
    tasks_failed: int = 0
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    api_calls: int = 0
    status: str = "running"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def same_value(current: Any, recorded: Any) -> bool:
    """Values compared as Salesforce means them: 100 and 100.0 are the same amount."""
    if isinstance(current, bool) or isinstance(recorded, bool):
        return current == recorded
    if isinstance(current, (int, float)) and isinstance(recorded, (int, float)):
        return float(current) == float(recorded)
    if current in (None, "") and recorded in (None, ""):
        return True
    return bool(current == recorded)


def _field_entries(journal: list[JournalEntry]) -> dict[tuple[str, str], list[JournalEntry]]:
    by_record: dict[tuple[str, str], list[JournalEntry]] = defaultdict(list)
    for entry in journal:
        if entry.kind in _FIELD_WRITES and entry.status is JournalStatus.OK and entry.record_id:
            by_record[(entry.object, entry.record_id)].append(entry)
    return by_record


def restore_fields(client: SalesforceClient, ledger: Ledger, run_id: str,
                   journal: list[JournalEntry], summary: RevertSummary) -> None:
    by_object: dict[str, dict[str, list[JournalEntry]]] = defaultdict(dict)
    for (obj, record_id), entries in _field_entries(journal).items():
        by_object[obj][record_id] = entries
    for obj, records in by_object.items():
        names = sorted({entry.field for entries in records.values() for entry in entries
                        if entry.field})
        current: dict[str, dict[str, Any]] = {}
        ids = list(records)
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            soql = (f"SELECT Id, SystemModstamp, {', '.join(names)} FROM {obj} "
                    f"WHERE {soql_in('Id', chunk)}")
            current.update({row["Id"]: row for row in client.query(soql)})
        changes: list[tuple[str, dict[str, Any], str | None]] = []
        intents: list[JournalIntent] = []
        for record_id, entries in records.items():
            row = current.get(record_id)
            values: dict[str, Any] = {}
            for entry in entries:
                assert entry.field is not None
                if row is None:
                    summary.fields_skipped += 1
                    summary.skipped.append(f"{obj} {record_id}.{entry.field}: record deleted")
                elif not same_value(row.get(entry.field), entry.new):
                    summary.fields_skipped += 1
                    summary.skipped.append(
                        f"{obj} {record_id}.{entry.field}: changed since the run "
                        f"(now {row.get(entry.field)!r}); left alone")
                else:
                    values[entry.field] = entry.old
                    intents.append(JournalIntent(
                        kind=JournalKind.UNDO, object=obj, record_id=record_id,
                        field=entry.field, old=entry.new, new=entry.old, rule_id=entry.rule_id,
                        fingerprint=entry.fingerprint))
            if values and row is not None:
                changes.append((record_id, values, row.get("SystemModstamp")))
        if not changes:
            continue
        entry_ids = iter(ledger.journal_intents(run_id, intents))
        outcomes = []
        for (record_id, values, _), result in zip(
                changes, client.update_if_unchanged(obj, changes), strict=True):
            status = JournalStatus.OK if result.ok else (
                JournalStatus.CONFLICT if result.status == "conflict" else JournalStatus.FAILED)
            error = "; ".join(f"{e.code}: {e.message}" for e in result.errors) or None
            for _ in values:
                outcomes.append((next(entry_ids), status, error, None))
            if result.ok:
                summary.fields_restored += len(values)
            else:
                summary.fields_failed += len(values)
                summary.problems.append(f"{obj} {record_id}: {error}")
        ledger.journal_outcomes(outcomes)


def close_run_tasks(client: SalesforceClient, ledger: Ledger, run_id: str, reverted: str,
                    journal: list[JournalEntry], summary: RevertSummary) -> None:
    created = [entry for entry in journal if entry.kind is JournalKind.TASK_CREATE
               and entry.status is JournalStatus.OK and entry.record_id]
    if not created:
        return
    entry_ids = ledger.journal_intents(run_id, [
        JournalIntent(kind=JournalKind.TASK_CLOSE, object="Task", record_id=entry.record_id,
                      field="Status", old="Not Started", new="Completed",
                      fingerprint=entry.fingerprint)
        for entry in created])
    results = client.close_tasks([entry.record_id for entry in created if entry.record_id],
                                 REVERT_COMMENT.format(run_id=reverted))
    outcomes: list[tuple[int, JournalStatus, str | None, str | None]] = []
    for entry_id, entry, result in zip(entry_ids, created, results, strict=True):
        if result.ok:
            summary.tasks_closed += 1
            if entry.fingerprint:
                ledger.mark_task_closed(entry.fingerprint, run_id, reason=f"revert of {reverted}")
            outcomes.append((entry_id, JournalStatus.OK, None, None))
        else:
            summary.tasks_failed += 1
            error = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
            summary.problems.append(f"task {entry.record_id}: {error}")
            outcomes.append((entry_id, JournalStatus.FAILED, error, None))
    ledger.journal_outcomes(outcomes)


@flow(name="revert-run", log_prints=False)
def revert_flow(run_id: str) -> dict[str, Any]:
    """Restore the old values of every field the run ``run_id`` wrote; close its tasks."""
    configure_logging()
    ledger = Ledger.open()
    try:
        target = ledger.run(run_id)
        if target.mode != "apply":
            raise WeederError(f"run {run_id} was a {target.mode} run: it wrote nothing to "
                              "revert", exit_code=1)
        with ledger.run_lock("audit"):
            journal = ledger.journal(run_id)
            own_id = ledger.start_run(mode="revert", rules_hash=target.rules_hash, full=False)
            bind_run(own_id)
            summary = RevertSummary(run_id=own_id, reverted_run=run_id)
            client: SalesforceClient | None = None
            try:
                client = SalesforceClient.from_env()
                restore_fields(client, ledger, own_id, journal, summary)
                close_run_tasks(client, ledger, own_id, run_id, journal, summary)
                summary.status = "partial" if summary.problems else "ok"
            except BaseException:
                summary.status = "failed"
                raise
            finally:
                if client is not None:
                    summary.api_calls = client.api_calls
                    client.close()
                ledger.finish_run(own_id, status=summary.status, summary=summary.as_dict(),
                                  api_calls=summary.api_calls, api_remaining=None)
                unbind_run()
            return summary.as_dict()
    finally:
        ledger.close()
