"""Runs, watermarks, and where the ledger lives."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from connectors.ledger import Ledger, LedgerError, RunStatus, UnknownRun
from connectors.ledger_schema import SCHEMA_VERSION, meta
from engine.errors import WeederError
from tests.unit.ledger_support import START, Clock


def finished(ledger: Ledger, *, mode: str = "apply", status: str = "ok") -> str:
    run_id = ledger.start_run(mode=mode, rules_hash="rules-v1", full=False)
    ledger.finish_run(run_id, status=status, summary={}, api_calls=1, api_remaining=None)
    return run_id


# -- runs ---------------------------------------------------------------------------------


def test_a_run_is_recorded_from_start_to_finish(ledger: Ledger, clock: Clock) -> None:
    run_id = ledger.start_run(mode="plan", rules_hash="abc123", full=True)
    started = ledger.run(run_id)
    assert (started.status, started.finished_at, started.api_calls) == ("running", None, 0)

    end = clock.advance(minutes=4)
    summary = {"pulled": {"Contact": 1200}, "findings": {"new": 3, "resolved": 1}}
    ledger.finish_run(run_id, status="partial", summary=summary, api_calls=17, api_remaining=14983)

    run = ledger.run(run_id)
    assert run.id == run_id and run.id.startswith("20261116T070000-")
    assert (run.mode, run.full, run.rules_hash) == ("plan", True, "abc123")
    assert (run.started_at, run.finished_at) == (START, end)
    assert (run.status, run.api_calls, run.api_remaining) == ("partial", 17, 14983)
    assert run.summary == summary


def test_runs_lists_the_most_recent_first(ledger: Ledger, clock: Clock) -> None:
    ids = []
    for _ in range(4):
        ids.append(finished(ledger))
        clock.advance(hours=1)

    assert [r.id for r in ledger.runs()] == ids[::-1]
    assert [r.id for r in ledger.runs(limit=2)] == ids[:1:-1]
    assert sorted(ids) == ids  # run ids sort by start time


def test_an_unknown_run_is_a_plain_error_naming_it(ledger: Ledger) -> None:
    with pytest.raises(UnknownRun, match=r"no run '20250101T000000-beef'.*weeder runs") as caught:
        ledger.run("20250101T000000-beef")
    assert isinstance(caught.value, WeederError)
    with pytest.raises(UnknownRun):
        ledger.finish_run("nope", status="ok", summary={}, api_calls=0, api_remaining=None)


def test_run_modes_and_statuses_are_checked(ledger: Ledger) -> None:
    with pytest.raises(ValueError):
        ledger.start_run(mode="yolo", rules_hash="x", full=False)
    run_id = ledger.start_run(mode="apply", rules_hash="x", full=False)
    with pytest.raises(ValueError):
        ledger.finish_run(run_id, status="success", summary={}, api_calls=0, api_remaining=None)
    with pytest.raises(ValueError):
        ledger.finish_run(run_id, status="running", summary={}, api_calls=0, api_remaining=None)


def test_a_first_audit_has_never_applied_until_an_apply_run_succeeds(
    ledger: Ledger, clock: Clock
) -> None:
    assert not ledger.ever_applied()
    finished(ledger, mode="plan")
    clock.advance(hours=1)
    finished(ledger, mode="apply", status=RunStatus.FAILED)
    clock.advance(hours=1)
    ledger.start_run(mode="apply", rules_hash="x", full=False)  # still running
    assert not ledger.ever_applied()

    clock.advance(hours=1)
    applied = finished(ledger, mode="apply", status="ok")

    assert ledger.ever_applied()
    assert ledger.last_successful_run().id == applied  # type: ignore[union-attr]
    assert ledger.last_successful_run("plan").mode == "plan"  # type: ignore[union-attr]


# -- watermarks ---------------------------------------------------------------------------


def test_watermarks_move_only_with_successful_runs(ledger: Ledger, clock: Clock) -> None:
    assert ledger.watermark("Contact") is None

    first = ledger.start_run(mode="apply", rules_hash="x", full=True)
    ledger.set_watermarks(first, {"Contact": START, "Account": START - timedelta(minutes=5)})
    assert ledger.watermark("Contact") is None  # not until the run succeeds
    ledger.finish_run(first, status="ok", summary={}, api_calls=1, api_remaining=None)
    assert ledger.watermark("Contact") == START
    assert ledger.watermarks() == {"Contact": START, "Account": START - timedelta(minutes=5)}

    later = clock.advance(hours=1)
    failed = ledger.start_run(mode="apply", rules_hash="x", full=False)
    ledger.set_watermarks(failed, {"Contact": later})
    ledger.finish_run(failed, status="failed", summary={}, api_calls=1, api_remaining=None)
    assert ledger.watermark("Contact") == START

    crashed = ledger.start_run(mode="apply", rules_hash="x", full=False)
    ledger.set_watermarks(crashed, {"Contact": later})  # and never finished
    assert ledger.watermark("Contact") == START

    ok = ledger.start_run(mode="apply", rules_hash="x", full=False)
    ledger.finish_run(ok, status="ok", summary={}, api_calls=1, api_remaining=None)
    ledger.set_watermarks(ok, {"Contact": later})  # after finishing counts too
    ledger.set_watermarks(ok, {"Contact": later + timedelta(seconds=30)})  # and can be corrected
    assert ledger.watermark("Contact") == later + timedelta(seconds=30)
    assert ledger.watermark("Account") == START - timedelta(minutes=5)


def test_a_watermark_never_moves_back(ledger: Ledger, clock: Clock) -> None:
    ahead = finished(ledger)
    ledger.set_watermarks(ahead, {"Contact": START})
    clock.advance(hours=1)
    behind = finished(ledger)
    ledger.set_watermarks(behind, {"Contact": START - timedelta(hours=3)})

    assert ledger.watermark("Contact") == START


def test_naive_datetimes_are_refused(ledger: Ledger) -> None:
    run_id = finished(ledger)
    with pytest.raises(ValueError, match="naive datetime"):
        ledger.set_watermarks(run_id, {"Contact": START.replace(tzinfo=None)})


# -- where the ledger lives ---------------------------------------------------------------


def test_the_default_ledger_is_a_sqlite_file_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEEDER_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    with Ledger.open() as ledger:
        run_id = finished(ledger)

    assert (tmp_path / ".weeder" / "weeder.db").is_file()
    with Ledger.open(f"sqlite:///{tmp_path / '.weeder' / 'weeder.db'}") as again:
        assert again.run(run_id).status == "ok"


def test_weeder_db_url_chooses_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "shared" / "team" / "ledger.db"
    monkeypatch.setenv("WEEDER_DB_URL", f"sqlite:///{target}")
    monkeypatch.chdir(tmp_path)

    with Ledger.open() as ledger:
        run_id = finished(ledger)
        assert ledger.url == f"sqlite:///{target}"

    assert target.is_file()
    assert not (tmp_path / ".weeder").exists()
    with Ledger.open(f"sqlite:///{target}") as again:
        assert [r.id for r in again.runs()] == [run_id]

    explicit = tmp_path / "explicit.db"
    with Ledger.open(f"sqlite:///{explicit}") as chosen:  # an explicit URL wins
        assert chosen.runs() == []
    assert explicit.is_file()


def test_a_bad_url_is_a_plain_error_that_keeps_the_password_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEEDER_DB_URL", "hunter2 is my password")
    with pytest.raises(LedgerError, match="not a SQLAlchemy database URL") as caught:
        Ledger.open()
    assert "hunter2" not in str(caught.value)

    with pytest.raises(LedgerError, match="driver") as caught:
        Ledger.open("postgresql+pg8000://weeder:hunter2@127.0.0.1:1/weeder")
    assert "hunter2" not in str(caught.value)


def test_a_ledger_written_by_a_newer_weeder_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'weeder.db'}"
    with Ledger.open(url) as ledger:
        assert ledger.schema_version() == SCHEMA_VERSION
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(update(meta).values(value=str(SCHEMA_VERSION + 1)))
    engine.dispose()

    with pytest.raises(LedgerError, match="upgrade Weeder"):
        Ledger.open(url)
