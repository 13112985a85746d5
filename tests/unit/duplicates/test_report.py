"""Groups become findings (fingerprinted by their members) and review tasks, never merges."""

from __future__ import annotations

from datetime import date

from engine.duplicates import (
    DuplicatesConfig,
    Matcher,
    cluster_findings,
    cluster_tasks,
    match,
)
from engine.model import Action

TODAY = date(2026, 11, 22)

CONTACTS = [
    {"Id": "003A", "FirstName": "Bob", "LastName": "Smith", "Email": "bob.smith@acme.com",
     "OwnerId": "005X", "CreatedDate": "2020-01-01T00:00:00.000+0000"},
    {"Id": "003B", "FirstName": "Robert", "LastName": "Smith", "Email": "bob.smith@acme.com",
     "Phone": "+14155550123", "OwnerId": "005Y", "CreatedDate": "2022-01-01T00:00:00.000+0000"},
    {"Id": "003C", "FirstName": "Rob", "LastName": "Smith", "Phone": "(415) 555-0123",
     "OwnerId": "005Z"},
    {"Id": "003D", "FirstName": "Maria", "LastName": "Chen", "Email": "maria@globex.com"},
]


def test_one_finding_per_group_on_the_suggested_survivor(contact_matcher: Matcher) -> None:
    result = match(CONTACTS, contact_matcher)
    [finding] = cluster_findings("duplicate_contact", contact_matcher, result)

    assert finding.rule_id == "duplicate_contact" and finding.object == "Contact"
    assert finding.record_id == "003B"  # most complete
    assert finding.field is None and finding.action is Action.TASK
    assert finding.owner_id == "005Y"
    assert finding.identity == "003A,003B,003C"
    assert finding.evidence["members"] == ["003A", "003B", "003C"]
    assert {(p["a"], p["b"]) for p in finding.evidence["pairs"]} >= {("003A", "003B"),
                                                                     ("003B", "003C")}
    assert "keep 003B (most complete record" in finding.message


def test_a_persisting_group_keeps_its_fingerprint_and_a_changed_one_does_not(
        contact_matcher: Matcher) -> None:
    first = cluster_findings("duplicate_contact", contact_matcher,
                             match(CONTACTS, contact_matcher))[0]
    reordered = cluster_findings("duplicate_contact", contact_matcher,
                                 match(list(reversed(CONTACTS)), contact_matcher))[0]
    merged_away = cluster_findings("duplicate_contact", contact_matcher,
                                   match(CONTACTS[:2] + CONTACTS[3:], contact_matcher))[0]

    assert reordered.fingerprint == first.fingerprint
    assert merged_away.fingerprint != first.fingerprint


def test_a_review_task_goes_to_the_survivors_owner(contact_matcher: Matcher) -> None:
    findings = cluster_findings("duplicate_contact", contact_matcher,
                                match(CONTACTS, contact_matcher))
    [task] = cluster_tasks(findings, contact_matcher, today=TODAY)

    assert task.owner_id == "005Y"
    assert (task.who_id, task.what_id) == ("003B", None)  # people are WhoId
    assert task.fingerprint == findings[0].fingerprint
    assert task.due_date == date(2026, 11, 29)
    assert task.subject == "[Weeder] Review possible duplicate contacts (3 records)"
    assert "Nothing has been merged" in task.description
    assert "003A ~ 003B" in task.description


def test_accounts_are_what_the_task_is_about_and_unowned_groups_get_no_task(
        defaults: DuplicatesConfig) -> None:
    rule_id, matcher = defaults.matcher_for("Account")
    accounts = [{"Id": "001A", "Name": "Acme Corp", "Website": "https://acme.com"},
                {"Id": "001B", "Name": "ACME Corporation", "Website": "www.acme.com",
                 "Phone": "+14155550100", "OwnerId": "005Q"}]
    findings = cluster_findings(rule_id, matcher, match(accounts, matcher))

    [task] = cluster_tasks(findings, matcher, today=TODAY)
    assert (task.what_id, task.who_id, task.owner_id) == ("001B", None, "005Q")
    unowned = [{**record, "OwnerId": None} for record in accounts]
    no_owner = cluster_findings(rule_id, matcher, match(unowned, matcher))
    assert cluster_tasks(no_owner, matcher, today=TODAY) == []
    assert cluster_tasks(no_owner, matcher, today=TODAY, default_owner_id="005Admin")[0] \
        .owner_id == "005Admin"


def test_a_lead_that_is_already_a_contact_is_one_finding_on_the_lead(
        defaults: DuplicatesConfig) -> None:
    rule_id, matcher = defaults.matcher_for("Lead", against="Contact")
    leads = [{"Id": "00QA", "FirstName": "Maria", "LastName": "Chen", "Company": "Acme Inc.",
              "Email": "maria.chen@acme.com", "OwnerId": "005L"},
             {"Id": "00QB", "FirstName": "Tom", "LastName": "Hale", "Email": "tom@hale.io"}]
    contacts = [{"Id": "003M", "FirstName": "Maria", "LastName": "Chen",
                 "Email": "Maria.Chen@acme.com", "Account": {"Name": "ACME"}, "OwnerId": "005C"}]
    result = match(leads, matcher, against=contacts)
    [finding] = cluster_findings(rule_id, matcher, result)

    assert rule_id == "lead_matches_contact"
    assert (finding.object, finding.record_id, finding.owner_id) == ("Lead", "00QA", "005L")
    assert finding.evidence["matches"] == ["003M"]
    assert finding.evidence["survivor"] == "003M"
    company = next(f for f in finding.evidence["pairs"][0]["fields"]
                   if f["comparison"] == "company")
    assert company["fields"] == ["Company", "Account.Name"] and company["similarity"] == 1.0
    [task] = cluster_tasks([finding], matcher, today=TODAY)
    assert (task.who_id, task.owner_id) == ("00QA", "005L")
    assert task.subject == "[Weeder] Review lead that already exists as a contact"
