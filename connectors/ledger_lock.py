"""Named locks kept as rows of the ledger, so that two audits never overlap.

A row rather than a file lock or PostgreSQL's advisory locks: it works the same on every
backend, across processes and machines that share the database, and it says who holds it and
since when. A holder that crashed leaves its row behind; once older than ``stale_after`` it is
taken over. Acquiring is a compare-and-swap on the row's ``token`` (one atomic UPDATE), so of
two processes racing for a free or stale lock exactly one wins.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from connectors.ledger_db import shown
from connectors.ledger_schema import locks
from connectors.ledger_types import RunInProgress

log = structlog.get_logger(__name__)

_POLL_SECONDS = 0.5


@contextmanager
def hold(
    engine: Engine,
    clock: Callable[[], datetime],
    name: str,
    *,
    wait_seconds: float,
    stale_after: timedelta,
) -> Iterator[None]:
    token = uuid.uuid4().hex
    holder = f"{socket.gethostname()} pid {os.getpid()}"
    deadline = time.monotonic() + max(wait_seconds, 0)
    while (blocker := _try_take(engine, clock(), name, token, holder, stale_after)) is not None:
        if time.monotonic() >= deadline:
            held_by, since = blocker
            raise RunInProgress(
                f"another {name} is running: held by {held_by} since "
                f"{since:%Y-%m-%d %H:%M:%S} UTC ({_span(clock() - since)} ago) in the ledger at "
                f"{shown(engine.url)}. Wait for it to finish; a lock older than "
                f"{_span(stale_after)} is presumed to be a crashed run and is taken over."
            )
        time.sleep(min(_POLL_SECONDS, max(deadline - time.monotonic(), 0.01)))
    log.info("lock acquired", lock=name, holder=holder)
    try:
        yield
    finally:
        with engine.begin() as conn:
            released = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.token == token)
                .values(holder=None, acquired_at=None)
            ).rowcount
        if released:
            log.info("lock released", lock=name)
        else:
            log.warning("lock was taken over by another process while held", lock=name)


def _try_take(
    engine: Engine,
    now: datetime,
    name: str,
    token: str,
    holder: str,
    stale_after: timedelta,
) -> tuple[str, datetime] | None:
    """Take the lock if it is free or stale; otherwise say who holds it and since when."""
    row = _row(engine, name)
    if row is None:
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(locks).values(name=name, token=token, holder=holder, acquired_at=now)
                )
            return None
        except IntegrityError:
            row = _row(engine, name)  # another process created it a moment ago
            if row is None:
                return "another process", now
    stale = row.holder is not None and now - row.acquired_at >= stale_after
    if row.holder is not None and not stale:
        return row.holder, row.acquired_at
    with engine.begin() as conn:
        won = conn.execute(
            update(locks)
            .where(locks.c.name == name, locks.c.token == row.token)
            .values(token=token, holder=holder, acquired_at=now)
        ).rowcount
    if not won:
        current = _row(engine, name)
        if current is None or current.holder is None:
            return "another process", now
        return current.holder, current.acquired_at
    if stale:
        log.warning(
            "took over a stale lock: the run holding it presumably crashed",
            lock=name,
            previous_holder=row.holder,
            held_since=row.acquired_at.isoformat(),
        )
    return None


def _row(engine: Engine, name: str) -> Row[Any] | None:
    with engine.connect() as conn:
        return conn.execute(select(locks).where(locks.c.name == name)).first()


def _span(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
