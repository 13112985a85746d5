"""The end-to-end tests' view of an org: its SQLite file read directly, copies of it, a second
person's API session, and the environment that points Weeder at a sandbox and a ledger."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import RunningSandbox

ADMIN = "admin@weeder.sandbox"
PASSWORD = "weeder"
#: the small org most tests audit: ~2,000 records, 84 planted defects, seeded in under a second
SIZE = 2000
SEED = 7
#: the objects the default rule pack audits and writes to, plus the review tasks it opens
AUDITED = ("Account", "Contact", "Lead", "Opportunity")
#: fields the org itself maintains on every write; two orgs given the same fixes differ here
SYSTEM_FIELDS = frozenset({"LastModifiedDate", "LastModifiedById", "SystemModstamp",
                           "CreatedDate", "CreatedById"})

Rows = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class SeededOrg:
    """A seeded sandbox database that is never served itself: tests serve copies of it."""

    db_path: Path
    manifest: dict[str, Any]

    def defects(self, *kinds: str) -> list[dict[str, Any]]:
        return [d for d in self.manifest["defects"] if d["kind"] in kinds]

    def database(self) -> OrgDatabase:
        """The seeded data itself, to read (as it was before any audit)."""
        return OrgDatabase(self.db_path, self.manifest)

    def copy_to(self, target: Path) -> OrgDatabase:
        copy_database(self.db_path, target)
        return OrgDatabase(target, self.manifest)


@dataclass(frozen=True)
class OrgDatabase:
    """A sandbox's SQLite file, read directly (not through the API) to see what really is
    stored: what the audit wrote, and that a plan wrote nothing."""

    path: Path
    manifest: dict[str, Any]

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    def rows(self, object_name: str, where: str = "", params: tuple[Any, ...] = ()) -> Rows:
        conn = self._connect()
        try:
            found = conn.execute(f'SELECT * FROM "{object_name}" {where}', params).fetchall()
        finally:
            conn.close()
        return {row["Id"]: dict(row) for row in found}

    def record(self, object_name: str, record_id: str) -> dict[str, Any]:
        return self.rows(object_name, "WHERE Id = ?", (record_id,))[record_id]

    def snapshot(self, objects: tuple[str, ...] = (*AUDITED, "Task")) -> dict[str, Rows]:
        return {name: self.rows(name) for name in objects}

    def weeder_tasks(self) -> Rows:
        return self.rows("Task", "WHERE Subject LIKE '[Weeder]%' AND coalesce(IsDeleted, 0) = 0")

    def api_requests_used(self) -> int:
        """Today's API requests as the sandbox counts them (its /limits reads the same row)."""
        conn = self._connect()
        try:
            found = conn.execute("SELECT value FROM _meta WHERE key = "
                                 "'api_usage:' || date('now')").fetchone()
        finally:
            conn.close()
        return int(found[0]) if found else 0


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a (WAL-mode) SQLite database, whatever is still in its WAL."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def without_system_fields(row: dict[str, Any], *also: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in SYSTEM_FIELDS and k not in also}


class AuditEnvironment:
    """Points Weeder at a sandbox and a ledger through the environment, as the README says."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
        self._env = monkeypatch
        self.folder = folder
        for name in ("SF_SESSION_ID", "SF_SECURITY_TOKEN", "SF_DOMAIN", "SF_CONSUMER_KEY",
                     "SF_CONSUMER_SECRET", "SF_PRIVATE_KEY_FILE", "WEEDER_RULES_DIR",
                     "WEEDER_BULK_THRESHOLD", "WEEDER_API_FLOOR", "WEEDER_FULL_EVERY_HOURS"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("SF_USERNAME", ADMIN)
        monkeypatch.setenv("SF_PASSWORD", PASSWORD)

    def use(self, sandbox: RunningSandbox, ledger: str = "weeder.db") -> Path:
        """Audit ``sandbox`` from now on, remembering in the ledger file ``ledger``."""
        ledger_path = self.folder / ledger
        self._env.setenv("SF_INSTANCE_URL", sandbox.url)
        self._env.setenv("WEEDER_DB_URL", f"sqlite:///{ledger_path}")
        return ledger_path


@dataclass
class ServedOrg:
    db: OrgDatabase
    sandbox: RunningSandbox
    seeded: SeededOrg

    @property
    def url(self) -> str:
        return self.sandbox.url


def login_as(sandbox_url: str, username: str) -> Any:
    """A second, independent API session (simple-salesforce) as one of the org's people."""
    from simple_salesforce import Salesforce

    from sandbox.loopback import loopback_session

    return Salesforce(username=username, password=PASSWORD, security_token="",
                      session=loopback_session(sandbox_url))
