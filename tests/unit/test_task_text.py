"""Review tasks read as the admins' template says; duplicate groups keep the matcher's text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.model import Finding, Severity, TaskRequest
from engine.pack import load_pack
from flows.digest_inputs import rule_titles
from flows.task_text import describe_tasks

RULES = Path(__file__).resolve().parents[2] / "rules"


def task_for(finding: Finding, text: str) -> TaskRequest:
    return TaskRequest(rule_id=finding.rule_id, fingerprint=finding.fingerprint,
                       what_id=finding.record_id, who_id=None, owner_id="005REP",
                       subject="[Weeder] check", description=text, due_date=date(2026, 11, 29))


def test_a_rule_task_is_described_by_the_template_and_a_duplicate_task_keeps_its_text() -> None:
    pack = load_pack(RULES)
    company = Finding("lead-company-required", Severity.WARNING, "Lead", "00QA", "Company",
                      "Company is empty")
    group = Finding("duplicate_account", Severity.WARNING, "Account", "001A", None,
                    "2 accounts look like one", identity="001A,001B")
    tasks = [task_for(company, "plain"), task_for(group, "Compare 001A and 001B; keep 001A")]

    described = describe_tasks(tasks, [company, group], pack, names={"00QA": "Ada Lovelace"},
                               instance_url="https://acme.my.salesforce.com")

    assert "Company is empty" in described[0].description
    assert "How to resolve" in described[0].description
    assert "https://acme.my.salesforce.com/lightning/r/Lead/00QA/view" in described[0].description
    assert described[1].description == "Compare 001A and 001B; keep 001A"


def test_digest_titles_cover_rules_and_duplicate_matchers() -> None:
    titles = rule_titles(str(RULES))

    assert titles["lead-company-required"].startswith("A lead with an email")
    assert titles["duplicate_contact"] == "Two or more contacts that are one person"
