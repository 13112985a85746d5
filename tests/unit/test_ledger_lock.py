"""No two audits at once: the run lock across connections, processes, and crashed holders."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import structlog

from connectors.ledger import Ledger, RunInProgress
from engine.errors import WeederError
from tests.unit.ledger_support import BACKENDS, START, Clock, ledger_url

REPO = Path(__file__).resolve().parents[2]

# A second process that takes the lock, says so, and holds it until its stdin closes.
HOLDER = """
import sys
import structlog
from connectors.ledger import Ledger

structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))

with Ledger.open(sys.argv[1]) as ledger, ledger.run_lock():
    print("held", flush=True)
    sys.stdin.read()
"""


def take(ledger: Ledger, name: str = "audit") -> None:
    """Take the lock and let it go at once."""
    with ledger.run_lock(name):
        pass


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return ledger_url(request.param, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def first(url: str, clock: Clock) -> Iterator[Ledger]:
    with Ledger.open(url, clock=clock) as ledger:
        yield ledger


@pytest.fixture
def second(url: str, clock: Clock) -> Iterator[Ledger]:
    """Another connection pool on the same database, as another process would have."""
    with Ledger.open(url, clock=clock) as ledger:
        yield ledger


def test_a_second_holder_is_refused_with_who_holds_it_since_when(
    first: Ledger, second: Ledger, clock: Clock
) -> None:
    with first.run_lock():
        clock.advance(minutes=12)
        with pytest.raises(RunInProgress) as caught:
            take(second)
    message = str(caught.value)
    assert "another audit is running" in message
    assert "since 2026-11-16 07:00:00 UTC (12 min ago)" in message
    assert " pid " in message
    assert isinstance(caught.value, WeederError)

    take(second)  # released when the first one's block ended


def test_the_lock_is_released_when_the_block_fails(first: Ledger, second: Ledger) -> None:
    with pytest.raises(KeyError), first.run_lock():
        raise KeyError("the run failed")
    take(second)


def test_locks_are_named(first: Ledger, second: Ledger) -> None:
    with (
        first.run_lock("audit"),
        second.run_lock("digest"),
        pytest.raises(RunInProgress, match="another digest is running"),
    ):
        take(first, "digest")


def test_a_waiting_run_gets_the_lock_when_the_holder_finishes(
    first: Ledger, second: Ledger
) -> None:
    held = threading.Event()

    def hold_briefly() -> None:
        with first.run_lock():
            held.set()
            time.sleep(0.4)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    held.wait(5)
    started = time.monotonic()
    with second.run_lock(wait_seconds=10):
        waited = time.monotonic() - started
    holder.join()

    assert 0.2 < waited < 5


def test_a_stale_lock_of_a_crashed_run_is_taken_over_and_logged(
    first: Ledger, second: Ledger, clock: Clock
) -> None:
    crashed = first.run_lock()
    crashed.__enter__()  # and never exits: the process died
    clock.advance(hours=2, minutes=1)

    with (
        structlog.testing.capture_logs() as logs,
        second.run_lock(),
        pytest.raises(RunInProgress),  # the new holder's lock is not stale
    ):
        take(first)
    takeover = [entry for entry in logs if entry["log_level"] == "warning"]
    assert takeover and "stale lock" in takeover[0]["event"]
    assert takeover[0]["held_since"] == START.isoformat()
    crashed.__exit__(None, None, None)  # let the test's generator end; it releases nothing


def test_a_holder_that_was_taken_over_does_not_release_the_new_holders_lock(
    first: Ledger, second: Ledger, clock: Clock
) -> None:
    slow = first.run_lock(stale_after=timedelta(minutes=30))
    slow.__enter__()
    clock.advance(minutes=31)
    with second.run_lock(stale_after=timedelta(minutes=30)):
        slow.__exit__(None, None, None)  # the slow run finally ends
        with pytest.raises(RunInProgress):
            take(first)


def test_the_lock_holds_across_processes(url: str, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        with Ledger.open(url) as ledger:
            with pytest.raises(RunInProgress, match=f"pid {holder.pid} since"):
                take(ledger)
            holder.stdin.close()
            assert holder.wait(timeout=30) == 0
            take(ledger)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
