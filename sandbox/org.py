"""One running org: its database, store, sessions, counters, cursors and jobs.

Built once per server process by :func:`open_org`; request handlers reach it through
``Call.org``. All of it is used from the event loop's single thread, which is what serialises
access to the one SQLite connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox.auth import AuthConfig, Authenticator, Sessions
from sandbox.bootstrap import ensure_org
from sandbox.cursors import Cursors
from sandbox.db import connect
from sandbox.faults import FaultInjector
from sandbox.limits import ApiUsage
from sandbox.security import Actor, load_actor
from sandbox.store import Store

if TYPE_CHECKING:
    from sandbox.bulk import BulkJobs
    from sandbox.rest import Router


@dataclass(frozen=True, slots=True)
class OrgSettings:
    auth: AuthConfig = field(default_factory=AuthConfig)
    fault_rate: float = 0.0
    fault_seed: int = 0
    #: None: from the database's _meta, else Salesforce's Enterprise allowance
    daily_api_max: int | None = None


@dataclass
class Org:
    conn: sqlite3.Connection
    settings: OrgSettings
    store: Store
    sessions: Sessions
    auth: Authenticator
    usage: ApiUsage
    faults: FaultInjector
    cursors: Cursors
    jobs: BulkJobs
    router: Router
    describe_cache: dict[tuple[str, str], bytes] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def actor(self, user_id: str) -> Actor:
        return load_actor(self.conn, user_id) or Actor(user_id)

    def today(self) -> date:
        return datetime.now(UTC).date()

    def close(self) -> None:
        self.conn.close()


def open_org(db_path: str | Path, settings: OrgSettings) -> Org:
    """Open (creating if needed) the database, make sure the org's basics exist, wire it up."""
    from sandbox.bulk import BulkJobs
    from sandbox.rest import Router
    from sandbox.routes import all_routes

    conn = connect(db_path)
    ensure_org(conn, admin_username=settings.auth.admin_username)
    sessions = Sessions()
    return Org(
        conn=conn,
        settings=settings,
        store=Store(conn),
        sessions=sessions,
        auth=Authenticator(conn, settings.auth, sessions),
        usage=ApiUsage(conn, daily_max=settings.daily_api_max),
        faults=FaultInjector(settings.fault_rate, settings.fault_seed),
        cursors=Cursors(max_records=1_000_000),
        jobs=BulkJobs(),
        router=Router(all_routes()),
    )
