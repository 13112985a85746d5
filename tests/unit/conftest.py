"""Fixtures shared by the ledger's tests: one ledger per backend (SQLite always, PostgreSQL
when WEEDER_TEST_PG_URL is set), on a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.ledger import Ledger
from tests.unit.ledger_support import BACKENDS, Clock, open_ledger


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(backend: str, tmp_path: Path, clock: Clock) -> Iterator[Ledger]:
    yield from open_ledger(backend, tmp_path, clock)
