"""What the ledger tests share: a clock to move by hand, findings to record, ledgers to open.

Every test runs against a SQLite file in its tmp_path. Set ``WEEDER_TEST_PG_URL`` to a
PostgreSQL URL (an empty database, e.g. ``postgresql+psycopg://weeder@127.0.0.1:5433/weeder``)
to run the same tests against PostgreSQL as well; its tables are emptied before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.ledger import Ledger
from engine.model import Action, Finding, Severity

START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # a Monday morning

PG_URL = os.environ.get("WEEDER_TEST_PG_URL", "")
#: Backends every ledger test runs on (a fixture parameter); PostgreSQL only when configured.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


class Clock:
    """The ledger's notion of now, moved by the test."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def ledger_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger' / 'weeder.db'}"
    _empty_postgres(PG_URL)
    return PG_URL


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    from connectors.ledger_schema import metadata

    engine = create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()


def open_ledger(backend: str, tmp_path: Path, clock: Clock) -> Iterator[Ledger]:
    ledger = Ledger.open(ledger_url(backend, tmp_path), clock=clock)
    try:
        yield ledger
    finally:
        ledger.close()


def finding(
    rule_id: str = "contact-email-missing",
    record_id: str = "003000000000001",
    *,
    object: str = "Contact",
    field: str | None = "Email",
    message: str | None = None,
    severity: Severity = Severity.WARNING,
    evidence: dict[str, Any] | None = None,
    owner_id: str | None = "005000000000001",
    action: Action = Action.TASK,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        object=object,
        record_id=record_id,
        field=field,
        message=message or f"{object} {record_id} breaks {rule_id}",
        evidence=evidence if evidence is not None else {"value": None},
        owner_id=owner_id,
        action=action,
    )
