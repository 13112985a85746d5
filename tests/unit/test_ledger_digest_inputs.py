"""What the weekly digest reads back from the ledger: a week's journal, past scores in bulk, and
the records each user owns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.ledger import Ledger, UnknownRun
from engine.model import JournalKind
from tests.unit.ledger_support import START, Clock


def test_the_journal_of_a_week_spans_runs_and_stops_at_its_end(
    ledger: Ledger, clock: Clock
) -> None:
    first = ledger.start_run(mode="apply", rules_hash="h", full=True)
    ledger.journal_intent(first, kind=JournalKind.FIX, object="Contact",
                          record_id="003A", field="Phone", old="0612", new="+33 6 12")
    clock.advance(days=2)
    second = ledger.start_run(mode="apply", rules_hash="h", full=False)
    ledger.journal_intent(second, kind=JournalKind.REVERT, object="Opportunity",
                          record_id="006A", field="Amount", old=9000, new=5000)
    clock.advance(days=5)  # the next Monday 07:00: outside the week
    ledger.journal_intent(second, kind=JournalKind.FIX, object="Lead", record_id="00QA",
                          field="Email", old=" a@b.org", new="a@b.org")

    week = ledger.journal_between(START - timedelta(hours=7), START + timedelta(days=7, hours=-7))

    assert [(e.run_id, e.object, e.field) for e in week] == [
        (first, "Contact", "Phone"), (second, "Opportunity", "Amount")]
    assert week[1].old == 9000 and week[1].kind is JournalKind.REVERT


def test_scores_come_back_for_every_key_over_the_last_weeks(ledger: Ledger) -> None:
    for number, score in [(44, 70.0), (45, 75.0), (46, 80.0), (47, 85.0)]:
        ledger.record_scores(f"2026-W{number}", {"team:005M": score, "rep:005A": score - 10})
    ledger.record_scores("2026-W46", {"rep:005B": 99.0})

    assert ledger.scores_since(weeks=2) == {
        "team:005M": [("2026-W46", 80.0), ("2026-W47", 85.0)],
        "rep:005A": [("2026-W46", 70.0), ("2026-W47", 75.0)],
        "rep:005B": [("2026-W46", 99.0)],
    }
    # Redoing week 46 compares it with the weeks before, never with week 47.
    assert ledger.scores_since(weeks=8, before="2026-W46") == {
        "team:005M": [("2026-W44", 70.0), ("2026-W45", 75.0)],
        "rep:005A": [("2026-W44", 60.0), ("2026-W45", 65.0)],
    }
    assert ledger.scores_since(before="2026-W44") == {}


def test_the_latest_owner_counts_replace_the_earlier_ones(ledger: Ledger, clock: Clock) -> None:
    assert ledger.owner_counts() == {}

    first = ledger.start_run(mode="apply", rules_hash="h", full=True)
    ledger.record_owner_counts(first, {"005A": 120, "005B": 40})
    clock.advance(hours=24)
    second = ledger.start_run(mode="apply", rules_hash="h", full=True)
    ledger.record_owner_counts(second, {"005A": 130, "005C": 5})

    assert ledger.owner_counts() == {"005A": 130, "005C": 5}

    ledger.record_owner_counts(second, {"005A": 131, "005C": 5})  # the same run, recounted
    assert ledger.owner_counts() == {"005A": 131, "005C": 5}


def test_owner_counts_belong_to_a_known_run(ledger: Ledger) -> None:
    with pytest.raises(UnknownRun, match="no run 'nope'"):
        ledger.record_owner_counts("nope", {"005A": 1})
