"""The findings lifecycle: new, persisting, resolved, reopened; full and incremental runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

import connectors.ledger_findings as ledger_findings
from connectors.ledger import Ledger, UnknownRun
from engine.model import FindingStatus, Severity
from tests.unit.ledger_support import START, Clock, finding

RULES = {"contact-email-missing", "contact-phone-invalid", "opportunity-stage-jump"}


def run(ledger: Ledger, *, full: bool = True) -> str:
    return ledger.start_run(mode="apply", rules_hash="rules-v1", full=full)


def fingerprints(records: list) -> set[str]:
    return {r.fingerprint for r in records}


def test_a_first_run_records_every_finding_as_new(ledger: Ledger) -> None:
    email = finding("contact-email-missing", "003A")
    phone = finding("contact-phone-invalid", "003A", field="Phone", severity=Severity.ERROR)

    diff = ledger.record_findings(run(ledger), [email, phone], evaluated=None, rules=RULES)

    assert fingerprints(diff.new) == {email.fingerprint, phone.fingerprint}
    assert diff.persisting == [] and diff.resolved == []
    stored = ledger.finding(phone.fingerprint)
    assert stored is not None
    assert stored.status is FindingStatus.OPEN
    assert stored.severity is Severity.ERROR
    assert (stored.object, stored.record_id, stored.field) == ("Contact", "003A", "Phone")
    assert stored.first_seen == stored.last_seen == START
    assert stored.first_seen.tzinfo is not None and stored.first_seen.utcoffset() == timedelta(0)
    assert diff.counts() == {
        "contact-email-missing": {"new": 1, "persisting": 0, "resolved": 0},
        "contact-phone-invalid": {"new": 1, "persisting": 0, "resolved": 0},
    }


def test_three_full_runs_tell_new_persisting_resolved_and_reopened(
    ledger: Ledger, clock: Clock
) -> None:
    a = finding("contact-email-missing", "003A")
    b = finding("contact-email-missing", "003B")
    c = finding("contact-phone-invalid", "003C", field="Phone")
    ledger.record_findings(run(ledger), [a, b, c], evaluated=None, rules=RULES)

    second = clock.advance(hours=1)
    b_reworded = finding("contact-email-missing", "003B", message="still no e-mail address")
    diff = ledger.record_findings(run(ledger), [a, b_reworded], evaluated=None, rules=RULES)

    assert diff.new == []
    assert fingerprints(diff.persisting) == {a.fingerprint, b.fingerprint}
    assert fingerprints(diff.resolved) == {c.fingerprint}
    stored_b = ledger.finding(b.fingerprint)
    assert stored_b is not None
    assert stored_b.message == "still no e-mail address"
    assert (stored_b.first_seen, stored_b.last_seen) == (START, second)
    stored_c = ledger.finding(c.fingerprint)
    assert stored_c is not None
    assert stored_c.status is FindingStatus.RESOLVED and stored_c.resolved_at == second
    assert stored_c.last_seen == START  # not seen by the second run

    third = clock.advance(hours=1)
    diff = ledger.record_findings(run(ledger), [a, c], evaluated=None, rules=RULES)

    assert fingerprints(diff.new) == {c.fingerprint}
    assert diff.reopened == {c.fingerprint}
    assert fingerprints(diff.persisting) == {a.fingerprint}
    assert fingerprints(diff.resolved) == {b.fingerprint}
    reopened = ledger.finding(c.fingerprint)
    assert reopened is not None
    assert reopened.status is FindingStatus.OPEN and reopened.resolved_at is None
    assert (reopened.first_seen, reopened.last_seen) == (START, third)
    assert [e.kind for e in ledger.finding_history(c.fingerprint)] == [
        "opened",
        "resolved",
        "reopened",
    ]
    assert fingerprints(ledger.findings()) == {a.fingerprint, c.fingerprint}
    assert fingerprints(ledger.findings(status=FindingStatus.RESOLVED)) == {b.fingerprint}
    assert len(ledger.findings(status=None)) == 3


def test_an_incremental_run_resolves_only_findings_of_records_it_evaluated(
    ledger: Ledger, clock: Clock
) -> None:
    edited = finding("contact-email-missing", "003A")
    untouched = finding("contact-email-missing", "003B")
    deal = finding("opportunity-stage-jump", "006A", object="Opportunity", field="StageName")
    ledger.record_findings(run(ledger), [edited, untouched, deal], evaluated=None, rules=RULES)

    clock.advance(hours=1)
    # Only 003A changed since the watermark: the run pulled and evaluated it alone, and it is
    # clean now. It knows nothing about 003B or any opportunity.
    diff = ledger.record_findings(
        run(ledger, full=False), [], evaluated={"Contact": ["003A"]}, rules=RULES
    )

    assert fingerprints(diff.resolved) == {edited.fingerprint}
    still_open = {r.fingerprint: r for r in ledger.findings()}
    assert set(still_open) == {untouched.fingerprint, deal.fingerprint}
    assert still_open[untouched.fingerprint].last_seen == START  # not seen, not touched
    assert diff.per_rule["contact-email-missing"].resolved == 1


def test_an_incremental_run_sees_again_what_it_evaluated(ledger: Ledger, clock: Clock) -> None:
    a = finding("contact-email-missing", "003A")
    b = finding("contact-email-missing", "003B")
    ledger.record_findings(run(ledger), [a, b], evaluated=None, rules=RULES)

    now = clock.advance(hours=1)
    diff = ledger.record_findings(
        run(ledger, full=False), [a], evaluated={"Contact": {"003A"}}, rules=RULES
    )

    assert fingerprints(diff.persisting) == {a.fingerprint}
    assert diff.resolved == []
    last_seen = {r.fingerprint: r.last_seen for r in ledger.findings()}
    assert last_seen == {a.fingerprint: now, b.fingerprint: START}


def test_findings_of_a_rule_that_no_longer_exists_are_resolved_with_the_reason(
    ledger: Ledger, clock: Clock
) -> None:
    retired = finding("contact-fax-missing", "003A", field="Fax")
    kept = finding("contact-email-missing", "003A")
    ledger.record_findings(
        run(ledger), [retired, kept], evaluated=None, rules=RULES | {"contact-fax-missing"}
    )

    clock.advance(hours=1)
    # Incremental, and 003A was not evaluated: only the retired rule's finding is resolved.
    diff = ledger.record_findings(run(ledger, full=False), [], evaluated={}, rules=RULES)

    assert fingerprints(diff.resolved) == {retired.fingerprint}
    resolved = ledger.finding_history(retired.fingerprint)[-1]
    assert resolved.kind == "resolved"
    assert resolved.reason == "rule contact-fax-missing no longer exists"
    assert ledger.finding(kept.fingerprint).status is FindingStatus.OPEN  # type: ignore[union-attr]


def test_a_finding_reported_twice_in_one_run_is_one_finding(ledger: Ledger) -> None:
    first = finding("contact-email-missing", "003A", message="first wording")
    again = finding("contact-email-missing", "003A", message="second wording")

    diff = ledger.record_findings(run(ledger), [first, again], evaluated=None, rules=RULES)

    assert len(diff.new) == 1
    assert ledger.finding(first.fingerprint).message == "second wording"  # type: ignore[union-attr]


def test_evidence_and_times_round_trip_as_json_and_utc(ledger: Ledger, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 16, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    jump = finding(
        "opportunity-stage-jump",
        "006A",
        object="Opportunity",
        field="StageName",
        evidence={"from": "Prospecting", "to": "Closed Won", "on": date(2026, 11, 2),
                  "amount": 125000.0, "notes": []},
    )

    ledger.record_findings(run(ledger), [jump], evaluated=None, rules=RULES)

    stored = ledger.finding(jump.fingerprint)
    assert stored is not None
    assert stored.evidence == {"from": "Prospecting", "to": "Closed Won", "on": "2026-11-02",
                               "amount": 125000.0, "notes": []}
    assert stored.first_seen == datetime(2026, 11, 16, 7, 30, tzinfo=UTC)
    assert stored.first_seen.tzinfo == UTC


def test_findings_changed_between_gives_the_digest_a_week_of_changes(
    ledger: Ledger, clock: Clock
) -> None:
    old = finding("contact-email-missing", "003OLD")
    ledger.record_findings(run(ledger), [old], evaluated=None, rules=RULES)  # week before

    week_start = clock.advance(days=7)
    clock.advance(hours=1)
    fixed = finding("contact-email-missing", "003FIX")
    ledger.record_findings(run(ledger), [old, fixed], evaluated=None, rules=RULES)
    clock.advance(days=2)
    ledger.record_findings(run(ledger), [fixed], evaluated=None, rules=RULES)  # old resolved
    clock.advance(days=1)
    ledger.record_findings(run(ledger), [], evaluated=None, rules=RULES)  # fixed resolved
    week_end = week_start + timedelta(days=7)
    clock.advance(days=5)
    later = finding("contact-email-missing", "003LATER")
    ledger.record_findings(run(ledger), [later], evaluated=None, rules=RULES)  # next week

    changes = ledger.findings_changed_between(week_start, week_end)

    assert fingerprints(changes.new) == {fixed.fingerprint}
    assert fingerprints(changes.resolved) == {old.fingerprint, fixed.fingerprint}
    assert all(r.status is FindingStatus.RESOLVED for r in changes.resolved)


def test_findings_of_an_unknown_run_are_refused(ledger: Ledger) -> None:
    with pytest.raises(UnknownRun, match="20990101T000000-dead"):
        ledger.record_findings("20990101T000000-dead", [finding()], evaluated=None, rules=RULES)
    assert ledger.findings(status=None) == []


def test_recording_is_all_or_nothing(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    a = finding("contact-email-missing", "003A")
    ledger.record_findings(run(ledger), [a], evaluated=None, rules=RULES)
    second = run(ledger)

    def fail_after_the_writes(*_args: object) -> list:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ledger_findings, "fetch_records", fail_after_the_writes)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ledger.record_findings(second, [finding("contact-email-missing", "003B")],
                               evaluated=None, rules=RULES)

    assert [r.fingerprint for r in ledger.findings(status=None)] == [a.fingerprint]
    assert ledger.finding(a.fingerprint).status is FindingStatus.OPEN  # type: ignore[union-attr]


def test_a_full_run_that_sees_everything_again_keeps_every_finding_current(
    ledger: Ledger, clock: Clock
) -> None:
    same = [finding("contact-email-missing", f"003{n}") for n in range(5)]
    ledger.record_findings(run(ledger), same, evaluated=None, rules=RULES)

    now = clock.advance(hours=1)
    reworded = finding("contact-email-missing", "0034", message="reworded")
    diff = ledger.record_findings(run(ledger), [*same[:4], reworded], evaluated=None, rules=RULES)

    assert diff.new == [] and diff.resolved == [] and len(diff.persisting) == 5
    stored = ledger.findings()
    assert {r.last_seen for r in stored} == {now}
    assert {r.first_seen for r in stored} == {START}
    assert ledger.finding(reworded.fingerprint).message == "reworded"  # type: ignore[union-attr]


def test_an_empty_rule_set_is_refused_rather_than_resolving_everything(ledger: Ledger) -> None:
    ledger.record_findings(run(ledger), [finding()], evaluated=None, rules=RULES)

    with pytest.raises(ValueError, match="every rule that exists now"):
        ledger.record_findings(run(ledger), [], evaluated=None, rules=set())
    assert len(ledger.findings()) == 1


def test_findings_of_rules_that_did_not_run_are_left_as_they_are(
    ledger: Ledger, clock: Clock
) -> None:
    rules = RULES | {"duplicate_contact"}
    group = finding("duplicate_contact", "003A", field=None, message="2 contacts look like one")
    email = finding("contact-email-missing", "003A")
    ledger.record_findings(run(ledger), [group, email], evaluated=None, rules=rules)

    clock.advance(hours=1)
    # An incremental run evaluated 003A again and found it clean; the duplicate matcher, which
    # judges the whole population, did not run at all.
    diff = ledger.record_findings(
        run(ledger, full=False), [], evaluated={"Contact": ["003A"]}, rules=rules,
        not_run=["duplicate_contact"],
    )

    assert fingerprints(diff.resolved) == {email.fingerprint}
    kept = ledger.finding(group.fingerprint)
    assert kept is not None
    assert kept.status is FindingStatus.OPEN
    assert kept.last_seen == START  # not seen, so not touched either
    assert "duplicate_contact" not in diff.per_rule


def test_a_full_run_of_the_rule_resolves_what_it_no_longer_finds(
    ledger: Ledger, clock: Clock
) -> None:
    rules = RULES | {"duplicate_contact"}
    group = finding("duplicate_contact", "003A", field=None)
    ledger.record_findings(run(ledger), [group], evaluated=None, rules=rules)
    clock.advance(hours=1)
    ledger.record_findings(run(ledger, full=False), [], evaluated={}, rules=rules,
                           not_run=["duplicate_contact"])

    later = clock.advance(hours=23)
    diff = ledger.record_findings(run(ledger), [], evaluated=None, rules=rules)

    assert fingerprints(diff.resolved) == {group.fingerprint}
    assert ledger.finding(group.fingerprint).resolved_at == later  # type: ignore[union-attr]


def test_a_full_run_that_sees_the_rest_again_does_not_touch_what_did_not_run(
    ledger: Ledger, clock: Clock
) -> None:
    # The one-UPDATE path for runs that see nearly every open finding again must skip them too.
    rules = RULES | {"duplicate_contact"}
    same = [finding("contact-email-missing", f"003{n}") for n in range(5)]
    group = finding("duplicate_contact", "003A", field=None)
    ledger.record_findings(run(ledger), [*same, group], evaluated=None, rules=rules)

    now = clock.advance(hours=1)
    ledger.record_findings(run(ledger), same, evaluated=None, rules=rules,
                           not_run=["duplicate_contact"])

    last_seen = {r.fingerprint: r.last_seen for r in ledger.findings()}
    assert last_seen.pop(group.fingerprint) == START
    assert set(last_seen.values()) == {now}


def test_a_rule_that_did_not_run_must_exist(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="rules that did not run must exist: duplicate_lead"):
        ledger.record_findings(run(ledger), [], evaluated=None, rules=RULES,
                               not_run=["duplicate_lead"])
