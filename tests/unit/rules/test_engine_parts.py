"""The pieces under the rule kinds: values, vocabularies, phones, emails, names, YAML marks,
conditions, the pull plan, evaluation (fixes, tasks, failures) and the org context."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import email_validator
import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat

from engine.canon import Vocabulary
from engine.conditions import compile_condition, describe, parse_condition
from engine.errors import WeederError
from engine.model import Action, Context, FieldInfo, Stage
from engine.names import name_case, tidy_spaces
from engine.orgdata import context_from_rows
from engine.pack import Pack, evaluate, explain, load_pack, render_soql
from engine.pack.yaml_source import parse_document
from engine.phones import is_phone, looks_e164, to_e164
from engine.rules.format import email_problem
from engine.soql_plan import ObjectPlan
from engine.values import months_before, same_value

TODAY = date(2026, 11, 22)


# ------------------------------------------------------------------------------ values


@pytest.mark.parametrize(("today", "months", "cutoff"), [
    (date(2026, 3, 31), 1, "2026-02-28"), (date(2024, 3, 31), 1, "2024-02-29"),
    (date(2026, 1, 15), 12, "2025-01-15"), (date(2026, 1, 31), 2, "2025-11-30"),
])
def test_months_before_is_calendar_months_clamped_to_the_month_end(
        today: date, months: int, cutoff: str) -> None:
    assert months_before(today, months) == cutoff


def test_same_value_across_the_forms_history_uses() -> None:
    assert same_value(50000.0, "50000")
    assert same_value(None, "")
    assert same_value(date(2026, 1, 2), "2026-01-02")
    assert not same_value("50000", "50001")
    assert not same_value("Hot", "Warm")


# ------------------------------------------------------------------------------ vocabularies


def test_vocabulary_matches_exact_alias_normalised_fuzzy_slip_or_nothing() -> None:
    vocabulary = Vocabulary(["Banking", "Retail", "Technology"], {"IT": "Technology"})
    assert vocabulary.match("Banking").how == "exact"
    assert (vocabulary.match("it").how, vocabulary.match("it").canonical) == ("alias", "Technology")
    assert vocabulary.match("RETAIL.").how == "normalised"
    assert vocabulary.match("Technolgy").canonical == "Technology"  # fuzzy, score 94
    assert vocabulary.match("Retial").canonical == "Retail"  # one swap: a slip
    unknown = vocabulary.match("Aerospace")
    assert (unknown.canonical, unknown.how) == (None, "none")
    assert unknown.nearest[0] in {"Banking", "Retail", "Technology"}


def test_short_codes_only_match_exactly() -> None:
    vocabulary = Vocabulary(["United States", "United Kingdom"], {"US": "United States",
                                                                  "UK": "United Kingdom"})
    assert vocabulary.match("UK").canonical == "United Kingdom"
    assert vocabulary.match("UX").canonical is None
    assert vocabulary.match("USS").canonical is None


def test_a_slip_between_two_values_is_not_guessed() -> None:
    vocabulary = Vocabulary(["Mali", "Bali"], threshold=101, max_edits=1)
    assert vocabulary.match("Kali").canonical is None


# ------------------------------------------------------------------------------ phones, emails


def test_the_e164_fast_path_never_accepts_what_phonenumbers_refuses() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        text = "+" + "".join(rng.choice("0123456789") for _ in range(rng.randint(7, 15)))
        try:
            number = phonenumbers.parse(text, None)
            possible = phonenumbers.is_possible_number(number)
        except phonenumbers.NumberParseException:
            number, possible = None, False
        assert is_phone(text, None) == possible, text
        if looks_e164(text):  # the shortcut: already E.164, so nothing to rewrite
            assert possible, text
            assert phonenumbers.format_number(number, PhoneNumberFormat.E164) == text


def test_to_e164_reads_national_numbers_in_the_region_given() -> None:
    assert to_e164("(415) 555-0123", "US") == "+14155550123"
    assert to_e164("020 7946 0123", "GB") == "+442079460123"
    assert to_e164("call me", "US") is None


@pytest.mark.parametrize("address", [
    "maria.chen@acme-corp.com", "Ann.Lee+crm@Globex.co.uk", "chloé.müller@acme.de",
    "o_neil-2@sub.example.org", "a@b.co", "ann@@acme.com", "bob at acme.com", "carl@acme",
    "dan@example.test", "eve..x@acme.com", ".eve@acme.com", "eve.@acme.com", "x@localhost",
    "ann@acme..com", "ann@-acme.com", "ann@acme.c", "ann@1.2.3.4", "über@mail.de",
    "a" * 65 + "@acme.com", "ann@" + "a" * 64 + ".com",
])
def test_the_email_fast_path_agrees_with_email_validator(address: str) -> None:
    try:
        email_validator.validate_email(address, check_deliverability=False)
        valid = True
    except email_validator.EmailNotValidError:
        valid = False
    assert (email_problem(address) is None) == valid


# ------------------------------------------------------------------------------ names


@pytest.mark.parametrize(("written", "fixed"), [
    ("JOHN", "John"), ("smith", "Smith"), ("o'brien", "O'Brien"), ("MCDONALD", "McDonald"),
    ("mary-jane", "Mary-Jane"), ("VAN DER BERG", "Van der Berg"), ("McDonald", "McDonald"),
    ("DeVries", "DeVries"), ("J", "J"), ("ÉMILE", "Émile"),
])
def test_name_case_fixes_shouted_and_whispered_names_only(written: str, fixed: str) -> None:
    assert name_case(written) == fixed


def test_tidy_spaces() -> None:
    assert tidy_spaces("  Acme \t Corp  ") == "Acme Corp"


# ------------------------------------------------------------------------------ YAML marks


def test_marks_are_one_based_and_point_at_keys_and_values() -> None:
    document, errors = parse_document("f.yaml", "rules:\n  - id: r1\n    kind: required\n")
    assert errors == [] and document is not None
    assert document.key_mark(("rules", 0, "kind")) == document.value_mark(("rules", 0, "kind"))\
        .__class__(3, 5)
    assert document.value_mark(("rules", 0, "kind")).column == 11
    assert document.value_mark(("rules", 0, "missing", "deeper")).line == 2  # nearest parent


def test_merge_keys_share_settings_and_explicit_keys_win() -> None:
    text = ("base: &base {kind: required, object: Lead, severity: info}\n"
            "rule: {<<: *base, severity: error}\n")
    document, errors = parse_document("f.yaml", text)
    assert errors == [] and document is not None
    assert document.data["rule"] == {"kind": "required", "object": "Lead", "severity": "error"}


# ------------------------------------------------------------------------------ conditions


def _condition(data: object) -> object:
    condition, problems = parse_condition(data, ("when",), lambda path: FieldInfo(path, "date"))
    assert problems == []
    return condition


def test_conditions_read_as_words() -> None:
    condition = _condition({"all": [{"field": "StageName", "in": ["A", "B"]},
                                    {"not": {"field": "Amount", "present": True}},
                                    {"any": [{"field": "CloseDate", "older_than_days": 3},
                                             {"field": "Email", "matches": "@x\\.com$"}]}]})
    assert describe(condition) == (  # type: ignore[arg-type]
        "StageName is one of A, B and not (Amount is present) and "
        "(CloseDate is more than 3 days ago or Email matches /@x\\.com$/)")


def test_age_conditions_follow_the_context_day() -> None:
    holds = compile_condition(_condition({"field": "CloseDate", "older_than_days": 0}))  # type: ignore[arg-type]
    record = {"CloseDate": "2026-11-21"}
    assert holds(record, Context(today=TODAY))
    assert not holds(record, Context(today=date(2026, 11, 21)))


# ------------------------------------------------------------------------------ pull plan


def test_soql_puts_id_first_children_as_subqueries_and_the_filter_last() -> None:
    plan = ObjectPlan("Opportunity", ("Id", "Amount", "Owner.ManagerId"),
                      {"Notes": ("Id", "CreatedDate")})
    assert render_soql(plan, "SystemModstamp > 2026-11-01T00:00:00Z") == (
        "SELECT Id, Amount, Owner.ManagerId, (SELECT Id, CreatedDate FROM Notes) "
        "FROM Opportunity WHERE SystemModstamp > 2026-11-01T00:00:00Z")


def test_the_plan_unions_what_every_rule_reads(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "rules:\n"
        "  - {id: a, description: x, kind: required, object: Lead, field: Company,\n"
        "     when: {field: Owner.Manager.Email, present: true}}\n"
        "  - {id: b, description: x, kind: format, object: Lead, field: Email, format: email}\n",
        encoding="utf-8")
    plan = load_pack(tmp_path).plan()
    assert plan.objects["Lead"].fields == ("Id", "Company", "Email", "Name",
                                           "Owner.Manager.Email", "OwnerId", "SystemModstamp")
    assert not plan.stages and not plan.users


# ------------------------------------------------------------------------------ evaluation

PACK_TEXT = """\
rules:
  - id: country
    description: Countries as the picklist spells them.
    kind: allowed_values
    object: Account
    field: BillingCountry
    values_from: countries
    action: fix
  - id: rating-picklist
    description: Ratings from the org's picklist.
    kind: allowed_values
    object: Account
    field: Rating
    values_from: picklist
    action: task
    routing: owner_manager
    due_in_days: 3
  - id: phone
    description: Phones dial.
    kind: format
    object: Account
    field: Phone
    format: phone
"""


@pytest.fixture
def pack(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "r.yaml").write_text(PACK_TEXT, encoding="utf-8")
    return load_pack(tmp_path)


def test_fixes_carry_the_read_stamp_and_the_finding_fingerprint(pack) -> None:  # type: ignore[no-untyped-def]
    record = {"Id": "001A", "BillingCountry": "USA", "OwnerId": "005A",
              "SystemModstamp": "2026-11-01T10:00:00.000+0000"}
    result = evaluate(pack, {"Account": [record]}, Context(today=TODAY))
    [finding], [fix] = result.findings, result.fixes
    assert (fix.record_id, fix.changes["BillingCountry"].new, fix.safe) == (
        "001A", "United States", True)
    assert fix.read_stamp == "2026-11-01T10:00:00.000+0000"
    assert fix.fingerprint == finding.fingerprint
    assert finding.owner_id == "005A" and finding.action is Action.FIX
    assert result.checked == {"Account": 1}


def test_picklist_values_come_from_describe_and_tasks_go_to_the_owners_manager(pack) -> None:  # type: ignore[no-untyped-def]
    rating = FieldInfo("Rating", "picklist", picklist_values=("Hot", "Warm", "Cold"))
    ctx = Context(today=TODAY, fields={"Account": {"Rating": rating}},
                  users={"005A": {"Name": "Ray", "ManagerId": "005M"}})
    records = [{"Id": "001A", "Rating": "Warmm", "OwnerId": "005A", "Name": "Acme"},
               {"Id": "001B", "Rating": "Warm", "OwnerId": "005A"}]
    result = evaluate(pack, {"Account": records}, ctx)
    [finding] = result.findings
    [task] = result.tasks
    assert finding.evidence["suggested"] == {"Rating": "Warm"}
    assert (task.owner_id, task.what_id, task.who_id) == ("005M", "001A", None)
    assert task.subject == "[Weeder] Ratings from the org's picklist."
    assert task.due_date == date(2026, 11, 25)
    assert "Suggested: Rating = 'Warm'" in task.description
    assert result.fixes == []


def test_odd_values_are_read_as_text_and_nothing_crashes(pack) -> None:  # type: ignore[no-untyped-def]
    records = [{"Id": "001A", "Phone": "+14155550123", "BillingCountry": object()},
               {"Id": "001B", "Phone": "12"}]
    broken = {"Id": "001C", "Phone": 12345678901234567890}
    result = evaluate(pack, {"Account": [*records, broken]}, Context(today=TODAY))
    assert [(f.rule_id, f.record_id) for f in result.findings] == [
        ("phone", "001B"), ("phone", "001C")]
    assert result.failures == []  # an odd type is read as text, not a crash
    weird = {"Id": "001D", "BillingCountry": "Fr\x00ance", "Phone": None}
    assert evaluate(pack, {"Account": [weird]}, Context(today=TODAY)).failures == []


def test_explain_runs_one_rule_and_names_a_wrong_id(pack) -> None:  # type: ignore[no-untyped-def]
    record = {"Id": "001A", "BillingCountry": "USA", "Phone": "12"}
    result = explain(pack, "phone", {"Account": [record]}, Context(today=TODAY))
    assert [f.rule_id for f in result.findings] == ["phone"]
    with pytest.raises(WeederError, match="no rule with id 'phones' \\(did you mean 'phone'\\?\\)"):
        explain(pack, "phones", {}, Context(today=TODAY))


# ------------------------------------------------------------------------------ org context


def test_context_from_the_org_rows() -> None:
    ctx = context_from_rows(
        TODAY,
        stages=[{"ApiName": "Closed Won", "SortOrder": 9, "IsClosed": True, "IsWon": True,
                 "DefaultProbability": 100.0},
                {"ApiName": "Prospecting", "SortOrder": 1, "IsClosed": False, "IsWon": False,
                 "DefaultProbability": 10.0}],
        users=[{"Id": "005A", "Name": "Ray", "ManagerId": "005M",
                "Profile": {"Name": "Sales Rep"}}],
        assignments=[{"AssigneeId": "005A", "PermissionSet": {"Name": "Deal_Desk",
                                                             "Label": "Deal Desk",
                                                             "IsOwnedByProfile": False}},
                     {"AssigneeId": "005A", "PermissionSet": {"Name": "X00e_Rep", "Label": "Rep",
                                                             "IsOwnedByProfile": True}}],
    )
    assert [stage.name for stage in ctx.stages] == ["Prospecting", "Closed Won"]
    assert ctx.stage("Closed Won") == Stage("Closed Won", 9, True, True, True, 100.0)
    assert ctx.users["005A"]["Profile.Name"] == "Sales Rep"
    assert ctx.user_permission_sets == {"005A": frozenset({"Deal_Desk", "Deal Desk"})}


def test_a_check_that_raises_is_recorded_per_record_and_the_others_still_run(pack) -> None:  # type: ignore[no-untyped-def]
    def broken(params: object, record: dict[str, object], ctx: Context) -> object:
        if record["Id"] == "001B":
            raise KeyError("Phone")
        return iter(())

    phone = pack.rule("phone")
    patched = Pack((*[rule for rule in pack.rules if rule.id != "phone"],
                    replace(phone, kind=replace(phone.kind, check=broken))))
    records = [{"Id": "001A", "BillingCountry": "USA"}, {"Id": "001B", "BillingCountry": "UK"}]
    result = evaluate(patched, {"Account": records}, Context(today=TODAY))
    assert [(f.rule_id, f.record_id) for f in result.findings] == [
        ("country", "001A"), ("country", "001B")]
    assert [(f.rule_id, f.record_id, f.error) for f in result.failures] == [
        ("phone", "001B", "KeyError: 'Phone'")]
    assert result.failures_by_rule == {"phone": 1}
