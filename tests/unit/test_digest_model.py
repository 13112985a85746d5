"""The weekly digest as data: who gets which digest, the score, the counts, the order, the links.

Week 47 of 2026 runs from Monday 16 November 00:00 UTC to Monday 23 November 00:00 UTC.
Maria manages Alan and Bea; Olga has no manager; Ivan is Maria's former rep (inactive).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.templates import load_environment
from engine.alert import build_alert
from engine.digest import (
    UNASSIGNED,
    Digest,
    DigestBatch,
    DigestInputs,
    DigestSettings,
    ReportWeek,
    WeekScores,
    build_digests,
    hygiene_score,
    record_url,
)
from engine.errors import WeederError
from engine.model import (
    Action,
    FindingRecord,
    FindingStatus,
    JournalEntry,
    JournalKind,
    JournalStatus,
    Severity,
    fingerprint_of,
)
from engine.templating import TemplateError, render, render_digest, render_review_task

WEEK = ReportWeek.parse("2026-W47")
MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
DURING = MONDAY + timedelta(days=2)  # Wednesday of the week
BEFORE = MONDAY - timedelta(days=10)
AFTER = MONDAY + timedelta(days=8)
INSTANCE = "https://acme.my.salesforce.com"

MARIA, ALAN, BEA, OLGA, IVAN, PETE = (
    "005MARIA", "005ALAN", "005BEA", "005OLGA", "005IVAN", "005PETE")
USERS = [
    {"Id": MARIA, "Name": "Maria Chen", "Email": "maria@acme.example", "ManagerId": None,
     "IsActive": True},
    {"Id": ALAN, "Name": "Alan Rep", "Email": "alan@acme.example", "ManagerId": MARIA,
     "IsActive": True},
    {"Id": BEA, "Name": "Bea Rep", "Email": "bea@acme.example", "ManagerId": MARIA,
     "IsActive": True},
    {"Id": OLGA, "Name": "Olga Solo", "Email": "olga@acme.example", "ManagerId": None,
     "IsActive": True},
    {"Id": IVAN, "Name": "Ivan Gone", "Email": "ivan@acme.example", "ManagerId": MARIA,
     "IsActive": False},
]


def finding(record_id: str, owner: str | None, *, rule: str = "contact-email-valid",
            severity: Severity = Severity.ERROR, obj: str = "Contact",
            first_seen: datetime = BEFORE, resolved_at: datetime | None = None,
            action: Action = Action.REPORT, evidence: dict[str, object] | None = None,
            field: str | None = "Email") -> FindingRecord:
    return FindingRecord(
        fingerprint=fingerprint_of(rule, record_id, field), rule_id=rule, severity=severity,
        object=obj, record_id=record_id, field=field, message=f"{rule} failed",
        evidence=evidence or {}, owner_id=owner,
        status=FindingStatus.RESOLVED if resolved_at else FindingStatus.OPEN,
        first_seen=first_seen, last_seen=resolved_at or AFTER, resolved_at=resolved_at,
        action=action)


def jump(record_id: str, owner: str, *, amount: object = None, first_seen: datetime = DURING,
         **evidence: object) -> FindingRecord:
    return finding(record_id, owner, rule="stage-jump-without-notes", obj="Opportunity",
                   field="StageName", first_seen=first_seen, action=Action.TASK,
                   evidence={"from": "Prospecting", "to": "Closed Won",
                             "amount": amount, **evidence})


def build(findings: list[FindingRecord], *, journal: list[JournalEntry] | None = None,
          history: list[WeekScores] | None = None, owned: dict[str, int] | None = None,
          **settings: object) -> DigestBatch:
    inputs = DigestInputs(week=WEEK, findings=findings, journal=journal or [], users=USERS,
                          records_owned=owned if owned is not None else {ALAN: 100, BEA: 50},
                          history=history or [])
    return build_digests(inputs, DigestSettings(instance_url=INSTANCE + "/", **settings))


def digest_for(batch: DigestBatch, manager_id: str | None) -> Digest:
    (digest,) = [d for d in batch.digests if d.manager_id == manager_id]
    return digest


# ---- the score ---------------------------------------------------------------------------------


def test_score_is_100_minus_weighted_findings_per_hundred_records() -> None:
    assert hygiene_score(errors=0, warnings=0, records_owned=0) == 100
    assert hygiene_score(errors=1, warnings=0, records_owned=100) == 97  # an error costs 3
    assert hygiene_score(errors=0, warnings=5, records_owned=100) == 95  # a warning costs 1
    assert hygiene_score(errors=2, warnings=4, records_owned=20) == 50  # 10 points on 20 records
    assert hygiene_score(errors=50, warnings=0, records_owned=10) == 0  # floored, never negative


def test_info_findings_do_not_lower_the_score() -> None:
    batch = build([finding("003A", ALAN, severity=Severity.INFO)])
    assert digest_for(batch, MARIA).score == 100


def test_rep_and_team_scores_weigh_the_size_of_each_book() -> None:
    # Alan: 2 errors on 100 records -> 94. Bea: 1 warning on 50 -> 98.
    # Team: 7 points on 150 records -> 95 (not the mean of 94 and 98).
    batch = build([finding("003A", ALAN), finding("003B", ALAN),
                   finding("003C", BEA, severity=Severity.WARNING)])
    digest = digest_for(batch, MARIA)
    assert {r.name: r.score for r in digest.reps.items} == {"Alan Rep": 94, "Bea Rep": 98}
    assert digest.score == 95
    assert batch.scores.teams[MARIA] == 95
    assert batch.scores.reps == {ALAN: 94, BEA: 98}


def test_a_rep_without_a_known_book_size_owns_at_least_the_flagged_records() -> None:
    batch = build([finding("003A", ALAN, severity=Severity.WARNING)], owned={})
    # One warning on one record: 100 - 100 * 1 / 1.
    assert digest_for(batch, MARIA).reps.items[0].score == 0


def test_change_is_measured_against_the_last_week_with_a_score() -> None:
    history = [WeekScores("2026-W44", {MARIA: 80}, {ALAN: 70}),
               WeekScores("2026-W45", {MARIA: 90}, {}),
               WeekScores("2026-W47", {MARIA: 10}, {ALAN: 10})]  # a re-run: ignored
    digest = digest_for(build([finding("003A", ALAN)], history=history), MARIA)
    assert digest.score == 98  # 3 points on 150 records
    assert digest.score_change == 8  # against W45; W46 has no digest, W47 is this week
    alan, bea = digest.reps.items
    assert (alan.name, alan.change) == ("Alan Rep", 97 - 70)
    assert (bea.name, bea.change) == ("Bea Rep", None)  # first week with a score


def test_scores_round_trip_through_a_flat_key_value_store() -> None:
    # Maria is a manager (her team's score) and someone's rep (her own book's score).
    week = WeekScores("2026-W46", teams={MARIA: 81}, reps={MARIA: 64, ALAN: 90})
    flat = week.flat()
    assert flat == {"team:005MARIA": 81.0, "rep:005MARIA": 64.0, "rep:005ALAN": 90.0}
    series = {key: [("2026-W46", score)] for key, score in flat.items()}
    assert WeekScores.from_series(series) == [week]


def test_trend_covers_eight_weeks_ending_this_week_with_gaps_left_empty() -> None:
    history = [WeekScores("2026-W40", {MARIA: 60}), WeekScores("2026-W46", {MARIA: 75})]
    trend = digest_for(build([finding("003A", ALAN)], history=history), MARIA).trend
    assert [p.week for p in trend] == [f"2026-W{n}" for n in range(40, 48)]
    assert [p.score for p in trend] == [60, None, None, None, None, None, 75, 98]


def test_trend_crosses_the_new_year_through_week_53() -> None:
    week = ReportWeek.parse("2027-W02")  # 2026 starts on a Thursday: it has 53 ISO weeks
    assert [week.shifted(-n).iso for n in (3, 2, 1)] == ["2026-W52", "2026-W53", "2027-W01"]


# ---- counts over the reporting window ----------------------------------------------------------


def test_counts_new_resolved_and_still_open_by_the_reporting_window() -> None:
    batch = build([
        finding("003A", ALAN, first_seen=BEFORE),  # still open
        finding("003B", ALAN, first_seen=DURING),  # new
        finding("003C", BEA, first_seen=BEFORE, resolved_at=DURING),  # resolved this week
        finding("003D", BEA, first_seen=DURING, resolved_at=DURING + timedelta(hours=1)),
        finding("003E", BEA, first_seen=BEFORE, resolved_at=AFTER),  # open at the week's end
        finding("003F", BEA, first_seen=AFTER),  # next week's news
        finding("003G", BEA, first_seen=BEFORE - timedelta(days=30), resolved_at=BEFORE),
    ])
    counts = digest_for(batch, MARIA).counts
    assert (counts.new, counts.resolved, counts.open, counts.still_open) == (2, 2, 3, 2)


def test_naive_ledger_datetimes_are_read_as_utc() -> None:
    naive_sunday_night = datetime(2026, 11, 22, 23, 30)
    batch = build([finding("003A", ALAN, first_seen=naive_sunday_night)])
    assert digest_for(batch, MARIA).counts.new == 1


def test_week_window_follows_the_digest_time_zone() -> None:
    from zoneinfo import ZoneInfo

    berlin = ReportWeek.parse("2026-W47", ZoneInfo("Europe/Berlin"))
    assert berlin.start == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    assert ReportWeek.last_complete(datetime(2026, 11, 23, 7, 0, tzinfo=UTC)).iso == "2026-W47"


@pytest.mark.parametrize("text", ["2026-47", "2026-W54", "W47", ""])
def test_a_malformed_week_is_a_clear_error(text: str) -> None:
    with pytest.raises(WeederError, match="week"):
        ReportWeek.parse(text)


def test_what_weeder_fixed_is_counted_for_the_team_of_the_record_owner() -> None:
    phone = finding("003P", BEA, rule="phone-e164", field="Phone", severity=Severity.WARNING,
                    first_seen=DURING, resolved_at=DURING + timedelta(hours=1))

    def entry(id_: int, kind: JournalKind, status: JournalStatus = JournalStatus.OK,
              at: datetime = DURING, record_id: str = "003P") -> JournalEntry:
        return JournalEntry(id=id_, run_id="r1", kind=kind, object="Contact",
                            record_id=record_id, field="Phone", old="(415) 555-0123",
                            new="+14155550123", status=status, created_at=at,
                            rule_id="phone-e164", fingerprint=phone.fingerprint)

    journal = [entry(1, JournalKind.FIX), entry(2, JournalKind.REVERT),
               entry(3, JournalKind.FIX, JournalStatus.CONFLICT),  # left alone: not a fix
               entry(4, JournalKind.FIX, at=BEFORE),  # an earlier week
               entry(5, JournalKind.TASK_CREATE)]
    digest = digest_for(build([phone], journal=journal), MARIA)
    assert (digest.counts.fixed, digest.counts.tasks_opened) == (2, 1)
    assert [item.kind for item in digest.fixed.items] == ["revert", "fix"]  # reverts first
    assert digest.fixed.items[0].record.url == f"{INSTANCE}/lightning/r/Contact/003P/view"


# ---- routing: managers, fallback recipients, all-clear -----------------------------------------


def test_each_manager_gets_one_digest_addressed_to_them() -> None:
    batch = build([finding("003A", ALAN)])
    assert [d.manager_id for d in batch.digests] == [MARIA]
    digest = batch.digests[0]
    assert [(r.name, r.email) for r in digest.recipients] == [("Maria Chen", "maria@acme.example")]
    assert digest.subject == "Weeder weekly hygiene digest — Maria Chen — week 47"


def test_an_inactive_rep_with_findings_still_shows_in_the_managers_digest() -> None:
    digest = digest_for(build([finding("003A", IVAN)]), MARIA)
    assert "Ivan Gone" in [r.name for r in digest.reps.items]
    assert digest.counts.open == 1


def test_owners_without_a_manager_go_to_the_fallback_recipients() -> None:
    batch = build([finding("003A", OLGA), finding("0PS1", None, obj="PermissionSet")],
                  fallback_recipients=["ops@acme.example", "Admin@Acme.example"])
    fallback = digest_for(batch, None)
    assert [r.email for r in fallback.recipients] == ["ops@acme.example", "Admin@acme.example"]
    assert fallback.team_name == "Records without a manager"
    assert fallback.counts.open == 2
    assert [r.name for r in fallback.reps.items] == ["Olga Solo"]
    assert batch.unrouted_findings == 0


def test_a_manager_who_cannot_be_reached_hands_the_team_to_the_fallback() -> None:
    users = [*USERS, {"Id": PETE, "Name": "Pete", "Email": "not an address",
                      "ManagerId": MARIA, "IsActive": True}]
    users.append({"Id": "005SAM", "Name": "Sam", "Email": "sam@acme.example",
                  "ManagerId": PETE, "IsActive": True})
    inputs = DigestInputs(week=WEEK, findings=[finding("003S", "005SAM")], journal=[],
                          users=users)
    batch = build_digests(inputs, DigestSettings(instance_url=INSTANCE,
                                                 fallback_recipients=["ops@acme.example"]))
    assert PETE not in [d.manager_id for d in batch.digests]
    assert digest_for(batch, None).counts.open == 1


def test_without_fallback_recipients_unassigned_findings_are_counted_not_mailed() -> None:
    batch = build([finding("003A", OLGA), finding("003B", OLGA)])
    assert None not in [d.manager_id for d in batch.digests]
    assert batch.unrouted_findings == 2
    assert batch.scores.teams[UNASSIGNED] == 0  # 6 points on 2 flagged records


def test_an_invalid_fallback_recipient_is_a_configuration_error() -> None:
    with pytest.raises(WeederError, match="fallback recipient: 'ops at acme' is not a valid"):
        build([], fallback_recipients=["ops at acme"])


def test_a_manager_with_nothing_open_gets_a_short_all_clear() -> None:
    batch = build([finding("003A", BEA, first_seen=BEFORE, resolved_at=DURING)])
    digest = digest_for(batch, MARIA)
    assert digest.all_clear
    assert (digest.score, digest.counts.resolved) == (100, 1)
    text = render_digest(load_environment(), digest).text
    assert "All clear" in text
    assert "YOUR TEAM" not in text and "TOP ISSUES" not in text


def test_all_clear_digests_can_be_skipped() -> None:
    batch = build([], skip_all_clear=True)
    assert batch.digests == ()
    assert batch.skipped_all_clear == (MARIA,)
    assert batch.scores.teams[MARIA] == 100  # still remembered for next week's change


# ---- content and order -------------------------------------------------------------------------


def test_stage_jumps_carry_from_to_when_who_and_amount() -> None:
    batch = build([jump("006A", ALAN, amount="120000.50", by=BEA, currency="EUR",
                        when="2026-11-17T09:30:00.000+0000", record_name="Globex")])
    (deal,) = digest_for(batch, MARIA).stage_jumps.items
    assert (deal.from_stage, deal.to_stage) == ("Prospecting", "Closed Won")
    assert deal.changed_at == datetime(2026, 11, 17, 9, 30, tzinfo=UTC)
    assert deal.changed_by == "Bea Rep"  # the user's name, looked up from changed_by
    assert (deal.amount, deal.currency) == (120000.5, "EUR")
    assert deal.deal.name == "Globex"
    assert deal.deal.url == f"{INSTANCE}/lightning/r/Opportunity/006A/view"


def test_stage_jumps_tolerate_missing_and_odd_evidence() -> None:
    sparse = finding("006B", ALAN, rule="big-jump", obj="Opportunity", field="StageName",
                     evidence={"from": None, "to": "Closed Won",
                               "amount": "n/a", "when": "yesterday"})
    (deal,) = digest_for(build([sparse]), MARIA).stage_jumps.items
    assert (deal.from_stage, deal.amount, deal.changed_at, deal.changed_by) == (
        None, None, None, None)
    assert deal.deal.name == "006B"  # no name anywhere: the id


def test_stage_jump_rules_can_be_named_explicitly() -> None:
    odd = finding("006C", ALAN, rule="reopened", obj="Opportunity", evidence={})
    digest = digest_for(build([odd], stage_rule_ids={"reopened"}), MARIA)
    assert digest.stage_jumps.total == 1
    assert digest.top_issues.total == 0  # listed once, at the top


def test_stage_jumps_new_first_then_biggest_deal() -> None:
    batch = build([jump("006OLD", ALAN, amount=900_000, first_seen=BEFORE),
                   jump("006SMALL", ALAN, amount=5_000),
                   jump("006NONE", BEA),
                   jump("006BIG", BEA, amount=250_000)])
    order = [j.deal.record_id for j in digest_for(batch, MARIA).stage_jumps.items]
    assert order == ["006BIG", "006SMALL", "006NONE", "006OLD"]


def test_top_issues_errors_first_then_most_frequent_with_linked_examples() -> None:
    batch = build([
        *(finding(f"003W{n}", ALAN, rule="stale-contact", severity=Severity.WARNING)
          for n in range(4)),
        finding("003E1", BEA, rule="email-valid"),
        finding("003E2", BEA, rule="email-valid", first_seen=DURING),
        finding("00QX", BEA, rule="lead-company", obj="Lead"),
    ], examples_per_rule=2)
    issues = digest_for(batch, MARIA).top_issues.items
    assert [(i.rule_id, i.open, i.new) for i in issues] == [
        ("email-valid", 2, 1), ("lead-company", 1, 0), ("stale-contact", 4, 0)]
    assert [link.record_id for link in issues[0].examples] == ["003E2", "003E1"]  # newest first
    assert len(issues[2].examples) == 2


def test_lists_are_capped_with_a_count_of_the_rest() -> None:
    batch = build([jump(f"006{n}", ALAN, amount=n) for n in range(8)], limit=5,
                  report_url=f"{INSTANCE}/lightning/r/Report/00O1/view")
    digest = digest_for(batch, MARIA)
    assert (len(digest.stage_jumps.items), digest.stage_jumps.total) == (5, 8)
    assert digest.stage_jumps.more == 3
    text = render_digest(load_environment(), digest).text
    assert f"and 3 more: {INSTANCE}/lightning/r/Report/00O1/view" in text


def test_reps_are_listed_worst_first() -> None:
    batch = build([finding("003A", BEA), finding("003B", BEA)])
    assert [r.name for r in digest_for(batch, MARIA).reps.items] == ["Bea Rep", "Alan Rep"]


def test_waiting_for_review_lists_task_findings_oldest_error_first() -> None:
    batch = build([
        finding("003NEW", ALAN, action=Action.TASK, first_seen=DURING),
        finding("003OLD", ALAN, action=Action.TASK, first_seen=BEFORE),
        finding("003WARN", ALAN, action=Action.TASK, severity=Severity.WARNING,
                first_seen=BEFORE - timedelta(days=5)),
        finding("003REPORT", ALAN),  # report-only: nobody is asked to review it
    ])
    waiting = digest_for(batch, MARIA).awaiting_review
    assert [w.record.record_id for w in waiting.items] == ["003OLD", "003NEW", "003WARN"]


def test_every_record_link_points_at_the_lightning_record_page() -> None:
    assert record_url("https://acme.my.salesforce.com/", "Contact", "003000000000001AAA") == (
        "https://acme.my.salesforce.com/lightning/r/Contact/003000000000001AAA/view")
    # An id is data: it cannot break out of the path.
    assert record_url(INSTANCE, "Contact", "003/../x?y") == (
        f"{INSTANCE}/lightning/r/Contact/003%2F..%2Fx%3Fy/view")
    digest = digest_for(build([jump("006A", ALAN), finding("003A", BEA)]), MARIA)
    text = render_digest(load_environment(), digest).text
    for url in (f"{INSTANCE}/lightning/r/Opportunity/006A/view",
                f"{INSTANCE}/lightning/r/Contact/003A/view"):
        assert url in text


def test_names_from_the_org_are_flattened_to_one_line() -> None:
    users = [dict(USERS[0], Name="Maria\r\nBcc: x@y"), *USERS[1:]]
    inputs = DigestInputs(week=WEEK, findings=[], journal=[], users=users)
    (digest,) = build_digests(inputs, DigestSettings(instance_url=INSTANCE)).digests
    assert digest.subject == "Weeder weekly hygiene digest — Maria Bcc: x@y — week 47"


def test_stage_jumps_come_first_in_both_renderings() -> None:
    digest = digest_for(build([finding("003A", BEA, action=Action.TASK),
                               jump("006A", ALAN, record_name="Globex renewal")]), MARIA)
    rendered = render_digest(load_environment(), digest)
    for body, team in ((rendered.text, "YOUR TEAM"), (rendered.html, "Your team")):
        assert body.index("Globex renewal") < body.index(team) < body.index("003A")


# ---- templates ---------------------------------------------------------------------------------


def test_a_template_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("Hello\n{{ digest.team_name }}\n{% if %}\n")
    with pytest.raises(TemplateError) as caught:
        render(load_environment(tmp_path), "digest.txt.j2", digest=None)
    assert str(caught.value).startswith(f"{tmp_path / 'digest.txt.j2'}:3: ")


def test_a_misspelt_variable_fails_with_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("Score:\n{{ digest.scroe }}\n")
    digest = digest_for(build([]), MARIA)
    with pytest.raises(TemplateError) as caught:
        render(load_environment(tmp_path), "digest.txt.j2", digest=digest)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'digest.txt.j2'}:2: ")
    assert "scroe" in message


def test_the_shipped_templates_render_every_section() -> None:
    tidied = finding("001A", BEA, rule="tidy", obj="Account", field="Name",
                     first_seen=DURING, resolved_at=DURING)
    fix = JournalEntry(id=1, run_id="r", kind=JournalKind.FIX, object="Account",
                       record_id="001A", field="Name", old="Acme  Corp ", new="Acme Corp",
                       status=JournalStatus.OK, created_at=DURING, rule_id="tidy",
                       fingerprint=tidied.fingerprint)
    digest = digest_for(build([jump("006A", ALAN, amount=1200),
                               finding("003A", BEA, action=Action.TASK), tidied],
                              journal=[fix]), MARIA)
    rendered = render_digest(load_environment(), digest)
    for heading in ("JUMPED STAGES", "YOUR TEAM", "TOP ISSUES", "WAITING FOR REVIEW",
                    "FIXED BY WEEDER"):
        assert heading in rendered.text
    # The fix shows the spaces it removed.
    assert "“Acme  Corp ” → “Acme Corp”" in rendered.text


def test_review_task_text_names_the_rule_the_evidence_and_how_to_resolve() -> None:
    found = finding("003A", ALAN, evidence={"value": "ann@@acme.com", "reason": "two @"})
    text = render_review_task(load_environment(), found, instance_url=INSTANCE,
                              rule_title="Contact email is valid", record_name="Ann Lee")
    assert "Rule: Contact email is valid (contact-email-valid), severity error" in text
    assert "- value: “ann@@acme.com”" in text
    assert f"{INSTANCE}/lightning/r/Contact/003A/view" in text
    assert "Correct Email on the record" in text


def test_alert_announces_each_new_error_once() -> None:
    first = finding("003A", ALAN)
    second = finding("003B", ALAN)
    warning = finding("003C", ALAN, severity=Severity.WARNING)
    alert = build_alert([first, second, warning], announced={first.fingerprint},
                        instance_url=INSTANCE)
    assert alert is not None
    assert alert.fingerprints == (second.fingerprint,)
    assert alert.subject == "Weeder: 1 new error finding"
    text = render(load_environment(), "alert.txt.j2", alert=alert)
    assert f"{INSTANCE}/lightning/r/Contact/003B/view" in text
    assert "003A" not in text
    assert build_alert([first], announced={first.fingerprint}, instance_url=INSTANCE) is None


def test_a_jump_found_by_the_shipped_stage_rule_leads_the_digest() -> None:
    """The contract between producer and consumer: the evidence the stage-progression rule
    records is what the digest reads, so the jump shows from, to, who and how much."""
    from engine.model import Context
    from engine.orgdata import stages_from_rows
    from engine.pack import evaluate, load_pack
    from sandbox.schema import STAGES

    pack = load_pack(Path(__file__).resolve().parents[2] / "rules" / "stages.yaml")
    ctx = Context(
        today=MONDAY.date(),
        stages=stages_from_rows(
            {"ApiName": name, "SortOrder": order, "IsClosed": closed, "IsWon": won,
             "DefaultProbability": probability}
            for name, order, closed, won, probability, _ in STAGES),
        users={BEA: {"Name": "Bea Rep", "ManagerId": None}})
    deal = {"Id": "006G", "Name": "Globex", "StageName": "Closed Won", "Amount": 48000.0,
            "OwnerId": ALAN, "OpportunityHistories": [
                {"StageName": "Prospecting", "CreatedDate": "2026-11-10T10:00:00.000+0000",
                 "CreatedById": BEA, "Amount": 48000.0},
                {"StageName": "Closed Won", "CreatedDate": "2026-11-17T10:00:00.000+0000",
                 "CreatedById": BEA, "Amount": 48000.0}]}
    found = [f for f in evaluate(pack, {"Opportunity": [deal]}, ctx).findings
             if f.rule_id == "opportunity-stage-jump"]
    assert found, "the shipped rule should flag Prospecting -> Closed Won with no notes"
    record = FindingRecord(
        fingerprint=found[0].fingerprint, rule_id=found[0].rule_id, severity=found[0].severity,
        object="Opportunity", record_id="006G", field=found[0].field, message=found[0].message,
        evidence=found[0].evidence, owner_id=ALAN, status=FindingStatus.OPEN,
        first_seen=DURING, last_seen=DURING)

    jumps = build([record]).digests[0].stage_jumps.items

    assert [(j.from_stage, j.to_stage, j.changed_by, j.amount) for j in jumps] == [
        ("Prospecting", "Closed Won", "Bea Rep", 48000.0)]
