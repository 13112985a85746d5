"""Shared set-up for the sandbox's integration tests: an org with a small sales team, a sandbox
subprocess per test module, and simple-salesforce clients routed to it over loopback HTTP.

The team: the admin (System Administrator), a rep and a manager. FieldPermissions restrict
Opportunity.Amount (editable by Sales Rep and Sales Manager) and Opportunity.Probability
(editable by Sales Manager only); every other field has no FieldPermissions rows, so it is
unrestricted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.bootstrap import ensure_org
from sandbox.db import allocate_ids, connect, format_datetime, insert_rows
from sandbox.loopback import loopback_session
from sandbox.schema import STANDARD
from sandbox.server import RunningSandbox, start_sandbox

PASSWORD = "weeder"
ADMIN = "admin@weeder.sandbox"
REP = "rita.rep@weeder.sandbox"
MANAGER = "mo.manager@weeder.sandbox"


@dataclass(frozen=True)
class Team:
    admin_id: str
    rep_id: str
    manager_id: str
    rep_profile_id: str
    manager_profile_id: str


def _system(user_id: str) -> dict[str, object]:
    now = format_datetime(datetime.now(UTC))
    return {"IsDeleted": 0, "CreatedDate": now, "CreatedById": user_id,
            "LastModifiedDate": now, "LastModifiedById": user_id, "SystemModstamp": now}


def insert(conn: object, object_name: str, rows: list[dict[str, object]]) -> list[str]:
    """Insert rows straight into the database (as the seed does); returns their new ids."""
    sobject = STANDARD.object(object_name)
    assert sobject is not None
    ids = allocate_ids(conn, sobject.key_prefix, len(rows))  # type: ignore[arg-type]
    insert_rows(conn, sobject, [{"Id": i, **row} for i, row in zip(ids, rows, strict=True)])  # type: ignore[arg-type]
    return ids


def build_team(db_path: Path) -> Team:
    conn = connect(db_path)
    admin_id = ensure_org(conn)
    system = _system(admin_id)
    rep_profile, manager_profile = insert(conn, "Profile", [
        {"Name": "Sales Rep", **system}, {"Name": "Sales Manager", **system}])
    rep_set, manager_set = insert(conn, "PermissionSet", [
        {"Name": "X00e_Sales_Rep", "Label": "Sales Rep", "IsOwnedByProfile": 1,
         "ProfileId": rep_profile, **system},
        {"Name": "X00e_Sales_Manager", "Label": "Sales Manager", "IsOwnedByProfile": 1,
         "ProfileId": manager_profile, **system}])
    insert(conn, "FieldPermissions", [
        {"ParentId": rep_set, "SobjectType": "Opportunity", "Field": "Opportunity.Amount",
         "PermissionsRead": 1, "PermissionsEdit": 1, **system},
        {"ParentId": manager_set, "SobjectType": "Opportunity", "Field": "Opportunity.Amount",
         "PermissionsRead": 1, "PermissionsEdit": 1, **system},
        {"ParentId": rep_set, "SobjectType": "Opportunity",
         "Field": "Opportunity.Probability", "PermissionsRead": 1, "PermissionsEdit": 0,
         **system},
        {"ParentId": manager_set, "SobjectType": "Opportunity",
         "Field": "Opportunity.Probability", "PermissionsRead": 1, "PermissionsEdit": 1,
         **system}])
    manager_id, rep_id = insert(conn, "User", [
        {"Username": MANAGER, "FirstName": "Mo", "LastName": "Manager", "Name": "Mo Manager",
         "Email": MANAGER, "IsActive": 1, "ProfileId": manager_profile, **system},
        {"Username": REP, "FirstName": "Rita", "LastName": "Rep", "Name": "Rita Rep",
         "Email": REP, "IsActive": 1, "ProfileId": rep_profile, **system}])
    conn.execute('UPDATE "User" SET ManagerId = ? WHERE Id = ?', (manager_id, rep_id))
    conn.close()
    return Team(admin_id, rep_id, manager_id, rep_profile, manager_profile)


def login(sandbox: RunningSandbox, username: str = ADMIN, password: str = PASSWORD,
          **options: object) -> Salesforce:
    """A simple-salesforce client logged in over SOAP (empty security token)."""
    return Salesforce(username=username, password=password, security_token="",
                      session=loopback_session(sandbox.url), **options)  # type: ignore[arg-type]


def raw_session(sf: Salesforce) -> requests.Session:
    """The client's own HTTP session (for requests simple-salesforce has no helper for)."""
    return sf.session


@pytest.fixture(scope="module")
def team_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Team]:
    db_path = tmp_path_factory.mktemp("org") / "org.db"
    return db_path, build_team(db_path)


@pytest.fixture(scope="module")
def sandbox(team_db: tuple[Path, Team]) -> Iterator[RunningSandbox]:
    with start_sandbox(team_db[0]) as running:
        yield running


@pytest.fixture(scope="module")
def team(team_db: tuple[Path, Team]) -> Team:
    return team_db[1]


@pytest.fixture(scope="module")
def admin(sandbox: RunningSandbox) -> Salesforce:
    return login(sandbox)
