"""What the weekly digest and the alerts remember: digests sent, findings announced, scores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connectors.ledger import Ledger, iso_week
from tests.unit.ledger_support import BACKENDS, Clock, open_ledger


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def ledger(backend: str, tmp_path: Path) -> Iterator[Ledger]:
    yield from open_ledger(backend, tmp_path, Clock())


def test_a_manager_gets_one_digest_a_week_even_if_the_flow_runs_again(ledger: Ledger) -> None:
    assert not ledger.digest_sent("maria@example.com", "2026-W47")

    ledger.record_digest("maria@example.com", "2026-W47", status="failed",
                         error="SMTP 451 try again later")
    assert not ledger.digest_sent("maria@example.com", "2026-W47")  # a failure is not a send

    ledger.record_digest("maria@example.com", "2026-W47", status="sent",
                         message_id="<w47.maria@weeder>")
    assert ledger.digest_sent("maria@example.com", "2026-W47")
    assert not ledger.digest_sent("maria@example.com", "2026-W48")
    assert not ledger.digest_sent("li@example.com", "2026-W47")


def test_weeks_must_be_iso_weeks(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="ISO week"):
        ledger.record_digest("maria@example.com", "2026-47", status="sent")
    with pytest.raises(ValueError, match="ISO week"):
        ledger.record_scores("2026-W7", {"005A": 90.0})
    with pytest.raises(ValueError):
        ledger.record_digest("maria@example.com", "2026-W47", status="delivered")


def test_iso_weeks_follow_the_iso_calendar() -> None:
    assert iso_week(date(2026, 11, 16)) == "2026-W47"
    assert iso_week(date(2026, 1, 1)) == "2026-W01"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"  # a Friday: still the old year's week


def test_an_alert_never_repeats_a_finding(ledger: Ledger) -> None:
    assert ledger.unannounced({"fp-a", "fp-b"}) == {"fp-a", "fp-b"}

    ledger.mark_announced({"fp-a"})
    ledger.mark_announced({"fp-a", "fp-b"})  # marking again is harmless

    assert ledger.unannounced({"fp-a", "fp-b", "fp-c"}) == {"fp-c"}
    assert ledger.unannounced([]) == set()


def test_announcements_scale_past_one_statement(ledger: Ledger) -> None:
    many = {f"fp-{n:05d}" for n in range(2500)}
    ledger.mark_announced(set(sorted(many)[:1200]))

    assert ledger.unannounced(many) == set(sorted(many)[1200:])


def test_scores_give_the_trend_of_the_last_weeks_oldest_first(ledger: Ledger) -> None:
    for week in range(38, 48):
        ledger.record_scores(f"2026-W{week:02d}", {"005A": 50.0 + week, "team:005M": 70.0})
    ledger.record_scores("2026-W47", {"005A": 99.5})  # the week recomputed: replaced

    trend = ledger.scores("005A")

    assert [week for week, _ in trend] == [f"2026-W{w}" for w in range(40, 48)]
    assert trend[-1] == ("2026-W47", 99.5)
    assert trend[0] == ("2026-W40", 90.0)
    assert ledger.scores("team:005M", weeks=2) == [("2026-W46", 70.0), ("2026-W47", 70.0)]
    assert ledger.scores("005NOBODY") == []


def test_scores_sort_across_years(ledger: Ledger) -> None:
    ledger.record_scores("2027-W01", {"005A": 3.0})
    ledger.record_scores("2026-W53", {"005A": 2.0})
    ledger.record_scores("2026-W09", {"005A": 1.0})

    assert ledger.scores("005A") == [("2026-W09", 1.0), ("2026-W53", 2.0), ("2027-W01", 3.0)]
