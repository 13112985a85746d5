"""The write journal: every write to the org, recorded before it is sent, then its outcome.

An entry is written as ``pending`` before the request leaves; the outcome follows. An entry
still pending when the next run starts means the process died mid-write: that run asks the org
what happened and records the outcome then. `weeder revert` reads the old values back from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, bindparam, func, insert, select, update

from connectors.ledger_db import chunked
from connectors.ledger_schema import from_json, journal, to_json
from connectors.ledger_types import JournalIntent
from engine.model import JournalEntry, JournalKind, JournalStatus

Outcome = tuple[int, JournalStatus, str | None, str | None]  # id, status, error, record id


def add_intents(
    conn: Connection, run_id: str, now: datetime, intents: Sequence[JournalIntent]
) -> list[int]:
    """Insert pending entries; returns their ids in the order given."""
    if not intents:
        return []
    rows = [
        {
            "run_id": run_id,
            "kind": JournalKind(i.kind).value,
            "object": i.object,
            "record_id": i.record_id,
            "field": i.field,
            "old": to_json(i.old),
            "new": to_json(i.new),
            "rule_id": i.rule_id,
            "fingerprint": i.fingerprint,
            "status": JournalStatus.PENDING.value,
            "created_at": now,
        }
        for i in intents
    ]
    result = conn.execute(
        insert(journal).returning(journal.c.id, sort_by_parameter_order=True), rows
    )
    return list(result.scalars())


def set_outcomes(conn: Connection, now: datetime, outcomes: Sequence[Outcome]) -> None:
    """Record what became of entries; refuses unknown ids and a 'pending' outcome."""
    params: list[dict[str, Any]] = []
    for entry_id, status, error, record_id in outcomes:
        if JournalStatus(status) is JournalStatus.PENDING:
            raise ValueError(f"journal entry {entry_id}: an outcome cannot be 'pending'")
        params.append(
            {
                "b_id": entry_id,
                "b_status": JournalStatus(status).value,
                "b_error": error,
                "b_record_id": record_id,
            }
        )
    if not params:
        return
    wanted = sorted({p["b_id"] for p in params})
    known: set[int] = set()
    for chunk in chunked(wanted):
        known.update(conn.execute(select(journal.c.id).where(journal.c.id.in_(chunk))).scalars())
    if missing := [entry_id for entry_id in wanted if entry_id not in known]:
        raise ValueError(f"no journal entries with ids {missing}")
    conn.execute(
        update(journal)
        .where(journal.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            error=bindparam("b_error"),
            # Keep the stored record id unless the outcome brings one (a task just created).
            record_id=func.coalesce(
                bindparam("b_record_id", type_=journal.c.record_id.type), journal.c.record_id
            ),
            finished_at=now,
        ),
        params,
    )


def entries(conn: Connection, where: ColumnElement[bool]) -> list[JournalEntry]:
    rows = conn.execute(select(journal).where(where).order_by(journal.c.id))
    return [_entry(row) for row in rows]


def _entry(row: Row[Any]) -> JournalEntry:
    return JournalEntry(
        id=row.id,
        run_id=row.run_id,
        kind=JournalKind(row.kind),
        object=row.object,
        record_id=row.record_id,
        field=row.field,
        old=from_json(row.old),
        new=from_json(row.new),
        status=JournalStatus(row.status),
        created_at=row.created_at,
        rule_id=row.rule_id,
        fingerprint=row.fingerprint,
        error=row.error,
    )
