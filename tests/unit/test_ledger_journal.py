"""The write journal (intent before outcome, reconciliation after a crash) and review tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.ledger import JournalIntent, Ledger, UnknownRun
from engine.model import FindingStatus, JournalKind, JournalStatus, TaskRequest
from tests.unit.ledger_support import START, Clock, finding, ledger_url

RULES = {"contact-email-missing"}


@pytest.fixture
def run_id(ledger: Ledger) -> str:
    return ledger.start_run(mode="apply", rules_hash="rules-v1", full=False)


def email_fix(record_id: str, old: str | None, new: str) -> JournalIntent:
    return JournalIntent(
        kind=JournalKind.FIX,
        object="Contact",
        record_id=record_id,
        field="Email",
        old=old,
        new=new,
        rule_id="contact-email-lowercase",
        fingerprint=f"fp-{record_id}",
    )


# -- journal ------------------------------------------------------------------------------


def test_a_write_is_journaled_as_pending_before_its_outcome(
    ledger: Ledger, run_id: str, clock: Clock
) -> None:
    entry_id = ledger.journal_intent(
        run_id,
        kind=JournalKind.FIX,
        object="Contact",
        record_id="003A",
        field="Email",
        old="Ada@Example.COM",
        new="ada@example.com",
        rule_id="contact-email-lowercase",
        fingerprint="fp-003A",
    )

    [pending] = ledger.journal(run_id)
    assert pending.id == entry_id
    assert pending.status is JournalStatus.PENDING
    assert (pending.old, pending.new) == ("Ada@Example.COM", "ada@example.com")
    assert (pending.rule_id, pending.fingerprint, pending.created_at) == (
        "contact-email-lowercase",
        "fp-003A",
        START,
    )
    assert [e.id for e in ledger.pending_entries()] == [entry_id]

    clock.advance(seconds=2)
    ledger.journal_outcome(entry_id, JournalStatus.OK)

    [done] = ledger.journal(run_id)
    assert done.status is JournalStatus.OK and done.error is None
    assert done.record_id == "003A"
    assert ledger.pending_entries() == []


def test_a_batch_of_intents_keeps_its_order_and_values(ledger: Ledger, run_id: str) -> None:
    task = TaskRequest(
        rule_id="opportunity-stage-jump",
        fingerprint="fp-006A",
        what_id="006A",
        who_id=None,
        owner_id="005A",
        subject="[Weeder] Add notes to Big Deal",
        description="Moved from Prospecting to Closed Won with no notes.",
        due_date=date(2026, 11, 20),
    )
    intents = [
        email_fix("003A", None, "a@example.com"),
        JournalIntent(JournalKind.FIX, "Opportunity", "006A", "Amount", 1000.5, 1000),
        JournalIntent(JournalKind.TASK_CREATE, "Task", None, None, None, task,
                      rule_id="opportunity-stage-jump", fingerprint="fp-006A"),
    ]

    ids = ledger.journal_intents(run_id, intents)

    entries = ledger.journal(run_id)
    assert [e.id for e in entries] == ids and ids == sorted(ids)
    assert [(e.kind, e.object, e.old, e.new) for e in entries[:2]] == [
        (JournalKind.FIX, "Contact", None, "a@example.com"),
        (JournalKind.FIX, "Opportunity", 1000.5, 1000),
    ]
    assert entries[2].record_id is None
    assert entries[2].new["subject"] == "[Weeder] Add notes to Big Deal"
    assert entries[2].new["due_date"] == "2026-11-20"


def test_outcomes_are_recorded_in_one_batch(ledger: Ledger, run_id: str) -> None:
    fixed, conflicted, task = ledger.journal_intents(
        run_id,
        [
            email_fix("003A", "A@X.COM", "a@x.com"),
            email_fix("003B", "B@X.COM", "b@x.com"),
            JournalIntent(JournalKind.TASK_CREATE, "Task", None, None, None, {"subject": "s"}),
        ],
    )

    ledger.journal_outcomes(
        [
            (fixed, JournalStatus.OK, None, None),
            (conflicted, JournalStatus.CONFLICT, "record changed since it was read", None),
            (task, JournalStatus.OK, None, "00T000000000042"),
        ]
    )

    by_id = {e.id: e for e in ledger.journal(run_id)}
    assert by_id[fixed].status is JournalStatus.OK and by_id[fixed].record_id == "003A"
    assert by_id[conflicted].status is JournalStatus.CONFLICT
    assert by_id[conflicted].error == "record changed since it was read"
    assert by_id[task].record_id == "00T000000000042"  # the created task's id


def test_impossible_outcomes_are_refused(ledger: Ledger, run_id: str) -> None:
    entry_id = ledger.journal_intent(
        run_id, kind=JournalKind.FIX, object="Contact", record_id="003A", field="Email",
        old=None, new="a@x.com",
    )
    with pytest.raises(ValueError, match="cannot be 'pending'"):
        ledger.journal_outcome(entry_id, JournalStatus.PENDING)
    with pytest.raises(ValueError, match=r"no journal entries with ids \[999999\]"):
        ledger.journal_outcomes(
            [(entry_id, JournalStatus.OK, None, None), (999999, JournalStatus.OK, None, None)]
        )
    assert ledger.journal(run_id)[0].status is JournalStatus.PENDING  # nothing half-done


def test_intents_need_a_known_run_and_are_all_or_nothing(ledger: Ledger, run_id: str) -> None:
    with pytest.raises(UnknownRun):
        ledger.journal_intents("20990101T000000-0000", [email_fix("003A", None, "a@x.com")])
    with pytest.raises(TypeError, match="cannot store"):
        ledger.journal_intents(
            run_id, [email_fix("003A", None, "a@x.com"), email_fix("003B", None, object())]
        )
    assert ledger.journal(run_id) == []


def test_writes_left_pending_by_a_crash_are_found_by_the_next_process(
    backend: str, tmp_path: Path, clock: Clock
) -> None:
    url = ledger_url(backend, tmp_path)
    with Ledger.open(url, clock=clock) as crashed:
        run_id = crashed.start_run(mode="apply", rules_hash="x", full=False)
        sent, in_flight = crashed.journal_intents(
            run_id, [email_fix("003A", "A@X", "a@x"), email_fix("003B", "B@X", "b@x")]
        )
        crashed.journal_outcome(sent, JournalStatus.OK)
        # ... and the process dies before the second outcome is known.

    with Ledger.open(url, clock=clock) as next_run:
        [pending] = next_run.pending_entries()
        assert (pending.id, pending.run_id, pending.record_id) == (in_flight, run_id, "003B")
        # The next run reads 003B back, finds b@x there: the write had landed.
        next_run.journal_outcome(pending.id, JournalStatus.OK)
        assert next_run.pending_entries() == []


# -- review tasks -------------------------------------------------------------------------


def test_a_finding_has_at_most_one_open_task(ledger: Ledger, run_id: str) -> None:
    assert ledger.open_task_for("fp-1") is None

    ledger.link_task("fp-1", "00T000000000001", run_id)
    ledger.link_task("fp-1", "00T000000000001", run_id)  # the same link again: nothing new

    assert ledger.open_task_for("fp-1") == "00T000000000001"
    with pytest.raises(ValueError, match="already has open task 00T000000000001"):
        ledger.link_task("fp-1", "00T000000000002", run_id)
    assert ledger.open_task_for("fp-1") == "00T000000000001"
    assert ledger.tasks_created_by(run_id) == ["00T000000000001"]


def test_tasks_of_resolved_findings_are_listed_for_closing(
    ledger: Ledger, run_id: str, clock: Clock
) -> None:
    fixed = finding("contact-email-missing", "003A")
    lingering = finding("contact-email-missing", "003B")
    ledger.record_findings(run_id, [fixed, lingering], evaluated=None, rules=RULES)
    ledger.link_task(fixed.fingerprint, "00T0000000000AA", run_id)
    ledger.link_task(lingering.fingerprint, "00T0000000000BB", run_id)
    assert ledger.tasks_to_close() == []

    clock.advance(hours=1)
    later = ledger.start_run(mode="apply", rules_hash="rules-v1", full=True)
    ledger.record_findings(later, [lingering], evaluated=None, rules=RULES)

    assert ledger.tasks_to_close() == [(fixed.fingerprint, "00T0000000000AA")]
    ledger.mark_task_closed(fixed.fingerprint, later)
    assert ledger.tasks_to_close() == []
    assert ledger.open_task_for(fixed.fingerprint) is None
    assert ledger.open_task_for(lingering.fingerprint) == "00T0000000000BB"

    # The problem comes back: its finding reopens and may get a new task.
    clock.advance(hours=1)
    third = ledger.start_run(mode="apply", rules_hash="rules-v1", full=True)
    ledger.record_findings(third, [fixed, lingering], evaluated=None, rules=RULES)
    ledger.link_task(fixed.fingerprint, "00T0000000000CC", third)
    assert ledger.open_task_for(fixed.fingerprint) == "00T0000000000CC"
    assert ledger.finding(fixed.fingerprint).status is FindingStatus.OPEN  # type: ignore[union-attr]
    assert ledger.tasks_created_by(run_id) == ["00T0000000000AA", "00T0000000000BB"]
    assert ledger.tasks_created_by(third) == ["00T0000000000CC"]
