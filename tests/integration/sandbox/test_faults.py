"""Faults mode: a seeded share of REST requests answered 503, REQUEST_LIMIT_EXCEEDED or
INVALID_SESSION_ID (the session really dies), and UNABLE_TO_LOCK_ROW for some items of
collection writes — in the order the seed dictates, and never half-applying a write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce.exceptions import SalesforceError

from sandbox.faults import FaultInjector, FaultKind
from sandbox.server import RunningSandbox, start_sandbox

from .conftest import Team, login

RATE, SEED = 0.5, 11
FAULT_STATUS = {FaultKind.UNAVAILABLE: 503, FaultKind.LIMIT: 403, FaultKind.SESSION: 401}


@pytest.fixture(scope="module")
def sandbox(team_db: tuple[Path, Team]) -> Iterator[RunningSandbox]:
    with start_sandbox(team_db[0], fault_rate=RATE, fault_seed=SEED) as running:
        yield running


class Client:
    """Raw HTTP against the sandbox, logging in again whenever a session fault kills the token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token = ""
        self.login()

    def login(self) -> None:
        answer = requests.post(f"{self.url}/services/oauth2/token", data={
            "grant_type": "password", "client_id": "weeder-sandbox", "client_secret": "weeder",
            "username": "admin@weeder.sandbox", "password": "weeder"}, timeout=5)
        self.token = answer.json()["access_token"]

    def call(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(method, f"{self.url}/services/data/v59.0{path}",
                                headers={"Authorization": f"Bearer {self.token}"},
                                timeout=5, **kwargs)  # type: ignore[arg-type]


def _names_in_db(db_path: Path, pattern: str) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute(
            'SELECT Name FROM "Account" WHERE Name LIKE ?', (pattern,))}


def test_faults_follow_the_seed_and_never_half_apply_a_write(
        sandbox: RunningSandbox, team_db: tuple[Path, Team]) -> None:
    expected = FaultInjector(RATE, SEED)
    client = Client(sandbox.url)
    seen: set[FaultKind | None] = set()
    step = -1
    while seen != {None, *FaultKind} and step < 200:
        step += 1
        collection = step % 2 == 1
        decision = expected.decide(collection_write=collection)
        kind = decision.fault.kind if decision.fault else None
        seen.add(kind)
        names = [f"Fault {step} {i}" for i in range(6)]
        if collection:
            answer = client.call("POST", "/composite/sobjects", json={"records": [
                {"attributes": {"type": "Account"}, "Name": name} for name in names]})
        else:
            answer = client.call("POST", "/sobjects/Account", json={"Name": names[0]})
            names = names[:1]
        success = 200 if collection else 201
        assert answer.status_code == FAULT_STATUS.get(kind, success), f"{step}: {answer.text}"
        written = _names_in_db(team_db[0], f"Fault {step} %")
        if kind is FaultKind.LOCK_ROWS:
            results = answer.json()
            locked = {names[i] for i, r in enumerate(results) if not r["success"]}
            assert locked and {r["errors"][0]["statusCode"] for r in results
                               if not r["success"]} == {"UNABLE_TO_LOCK_ROW"}
            assert written == set(names) - locked
        elif kind is None:
            assert written == set(names)
        else:
            assert written == set()
            assert answer.json()[0]["errorCode"] in (
                "SERVER_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "INVALID_SESSION_ID")
        if kind is FaultKind.SESSION:
            dead = client.call("GET", "/limits")  # no draw: the token is refused before
            assert dead.status_code == 401
            client.login()
    assert seen == {None, *FaultKind}


def test_simple_salesforce_logs_in_again_after_a_session_fault(sandbox: RunningSandbox) -> None:
    sf = login(sandbox)
    tokens = {sf.session_id}
    outcomes = []
    for _ in range(30):
        try:
            sf.limits()
            outcomes.append(200)
        except SalesforceError as fault:
            outcomes.append(fault.status)
        tokens.add(sf.session_id)
    assert len(tokens) > 1  # a session fault happened and the client logged in again
    assert 200 in outcomes and set(outcomes) <= {200, 401, 403, 503}
