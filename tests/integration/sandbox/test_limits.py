"""Daily API requests, really counted: /limits, the Sforce-Limit-Info header, persistence in
the database, and REQUEST_LIMIT_EXCEEDED once the allowance is spent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceRefusedRequest

from sandbox.db import connect, meta_set
from sandbox.limits import MAX_KEY
from sandbox.server import RunningSandbox, start_sandbox

from .conftest import Team, login

ALLOWANCE = 15


@pytest.fixture(scope="module")
def sandbox(team_db: tuple[Path, Team]) -> Iterator[RunningSandbox]:
    conn = connect(team_db[0])
    meta_set(conn, MAX_KEY, str(ALLOWANCE))
    conn.close()
    with start_sandbox(team_db[0]) as running:
        yield running


def _stored_usage(db_path: Path) -> int:
    day = datetime.now(UTC).date().isoformat()
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT value FROM _meta WHERE key = ?", (f"api_usage:{day}",)
                           ).fetchone()
    return int(row[0]) if row else 0


def test_every_rest_call_counts_once(admin: Salesforce, team_db: tuple[Path, Team]) -> None:
    before = admin.limits()["DailyApiRequests"]
    assert before["Max"] == ALLOWANCE
    admin.query("SELECT Id FROM Account")
    admin.describe()
    after = admin.limits()["DailyApiRequests"]
    assert before["Remaining"] - after["Remaining"] == 3  # two calls and the limits call
    used, total = admin.api_usage["api-usage"]
    assert (used, total) == (ALLOWANCE - after["Remaining"], ALLOWANCE)
    assert _stored_usage(team_db[0]) == used


def test_spent_allowance_refuses_rest_calls_but_not_logins(
        sandbox: RunningSandbox, admin: Salesforce, team_db: tuple[Path, Team]) -> None:
    while admin.limits()["DailyApiRequests"]["Remaining"] > 0:
        pass
    with pytest.raises(SalesforceRefusedRequest) as refused:
        admin.query("SELECT Id FROM Account")
    assert refused.value.status == 403
    assert refused.value.content == [{"message": "TotalRequests Limit exceeded.",
                                      "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    fresh = login(sandbox)  # logging in is not an API request
    with pytest.raises(SalesforceRefusedRequest):
        fresh.limits()
    assert _stored_usage(team_db[0]) == ALLOWANCE


def test_the_count_survives_a_restart(team_db: tuple[Path, Team], sandbox: RunningSandbox
                                      ) -> None:
    sandbox.stop()
    with start_sandbox(team_db[0]) as restarted, pytest.raises(SalesforceRefusedRequest):
        login(restarted).query("SELECT Id FROM Account")
