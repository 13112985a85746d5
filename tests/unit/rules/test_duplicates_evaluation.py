"""evaluate_duplicates: the pack's matchers over a full pull, as the audit runs them; plain dicts
in, findings and one review task per group out, nothing merged."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.model import Action, Context
from engine.pack import Evaluation, Pack, evaluate_duplicates, explain, load_pack

RULES = Path(__file__).resolve().parents[3] / "rules"
TODAY = date(2026, 11, 22)
CTX = Context(today=TODAY)


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(RULES)


def contact(record_id: str, first: str, last: str, email: str, owner: str = "005ANN",
            **more: Any) -> dict[str, Any]:
    return {"Id": record_id, "FirstName": first, "LastName": last, "Email": email,
            "OwnerId": owner, "CreatedDate": "2025-01-01T00:00:00.000+0000", **more}


def lead(record_id: str, first: str, last: str, email: str, *, converted: bool = False,
         owner: str = "005BOB") -> dict[str, Any]:
    return {"Id": record_id, "FirstName": first, "LastName": last, "Email": email,
            "Company": "Initech", "OwnerId": owner, "IsConverted": converted,
            "CreatedDate": "2026-01-01T00:00:00.000+0000"}


ORG: dict[str, list[dict[str, Any]]] = {
    "Contact": [
        # one person twice: the same mailbox and phone, a nickname
        contact("003A", "Robert", "Smith", "bob.smith@initech.com", Phone="+14155550123",
                MailingPostalCode="94105", CreatedDate="2024-03-01T00:00:00.000+0000"),
        contact("003B", "Bob", "Smith", "bob.smith@initech.com", owner="005CAT",
                Phone="(415) 555-0123"),
        contact("003C", "Maria", "Chen", "maria.chen@globex.com"),
    ],
    "Lead": [
        # already a contact (Maria Chen), and a converted lead that takes no part
        lead("00QA", "Maria", "Chen", "maria.chen@globex.com"),
        lead("00QB", "Robert", "Smith", "bob.smith@initech.com", converted=True),
        lead("00QC", "Ada", "Lovelace", "ada@analytical.org"),
    ],
}


def test_every_group_is_one_finding_with_one_task_for_the_survivors_owner(pack: Pack) -> None:
    result = evaluate_duplicates(pack, ORG, CTX, into=Evaluation())

    by_rule = {finding.rule_id: finding for finding in result.findings}
    assert sorted(f.rule_id for f in result.findings) == ["duplicate_contact",
                                                          "lead_matches_contact"]
    contacts = by_rule["duplicate_contact"]
    assert contacts.evidence["members"] == ["003A", "003B"]
    assert contacts.action is Action.TASK and contacts.field is None
    survivor = contacts.evidence["survivor"]
    owner = {"003A": "005ANN", "003B": "005CAT"}[survivor]
    assert (contacts.record_id, contacts.owner_id) == (survivor, owner)
    # a lead that is already a contact is its own piece of work, for the lead's owner
    known = by_rule["lead_matches_contact"]
    assert (known.record_id, known.evidence["matches"], known.owner_id) == (
        "00QA", ["003C"], "005BOB")
    # the converted lead is left alone, though it is the same person as 003A and 003B
    assert all("00QB" not in f.evidence["members"] for f in result.findings)

    assert [(t.fingerprint, t.owner_id) for t in result.tasks] == [
        (f.fingerprint, f.owner_id) for f in result.findings]
    assert all(t.due_date == TODAY + timedelta(days=7) for t in result.tasks)
    assert {t.who_id for t in result.tasks} == {survivor, "00QA"}
    assert result.fixes == []  # never a merge, never a write of a field


def test_the_findings_are_added_to_the_evaluation_given(pack: Pack) -> None:
    earlier = Evaluation()
    earlier.findings.append(explain(pack, "contact-email-format",
                                    {"Contact": [contact("003Z", "Zed", "Zee", "not-an-email")]},
                                    CTX).findings[0])

    result = evaluate_duplicates(pack, ORG, CTX, into=earlier)

    assert result is earlier
    assert [f.rule_id for f in result.findings][0] == "contact-email-format"
    assert len(result.findings) == 3


def test_the_same_groups_have_the_same_fingerprints_whatever_the_order(pack: Pack) -> None:
    first = evaluate_duplicates(pack, ORG, CTX, into=Evaluation())
    shuffled = {name: list(reversed(rows)) for name, rows in ORG.items()}
    again = evaluate_duplicates(pack, shuffled, CTX, into=Evaluation())

    assert {f.fingerprint for f in again.findings} == {f.fingerprint for f in first.findings}


def test_a_matcher_that_fails_is_reported_and_the_others_still_run(pack: Pack) -> None:
    broken = {"Contact": [*ORG["Contact"], contact("003A", "Again", "Same", "a@b.co")],
              "Lead": [*ORG["Lead"], lead("00QD", "Ada", "Lovelace", "ada@analytical.org")]}

    result = evaluate_duplicates(pack, broken, CTX, into=Evaluation())

    # both matchers reading contacts fail on the repeated id; the leads are still judged
    assert result.failures_by_rule == {"duplicate_contact": 1, "lead_matches_contact": 1}
    assert "appears more than once" in result.failures[0].error
    assert [(f.rule_id, f.evidence["members"]) for f in result.findings] == [
        ("duplicate_lead", ["00QC", "00QD"])]


def test_explain_runs_one_duplicate_matcher(pack: Pack) -> None:
    result = explain(pack, "duplicate_contact", ORG, CTX)
    assert [f.rule_id for f in result.findings] == ["duplicate_contact"]

    with pytest.raises(Exception, match="did you mean 'duplicate_lead'"):
        explain(pack, "duplicate_leads", ORG, CTX)


def test_a_pack_without_duplicates_finds_none(pack: Pack) -> None:
    without = pack.only([rule.id for rule in pack.rules])
    assert without.duplicates is None
    assert evaluate_duplicates(without, ORG, CTX, into=Evaluation()).findings == []


def test_the_pack_with_its_matchers_can_be_a_prefect_task_parameter(pack: Pack) -> None:
    # Prefect walks every task parameter (dataclasses, pydantic models as dict(model)) looking
    # for futures; a model attribute called `keys` once broke that walk in the audit.
    from prefect.utilities.collections import visit_collection

    seen: list[object] = []

    def visit(node: object) -> object:
        seen.append(node)
        return node

    walked = visit_collection(pack, visit, return_data=True)

    assert walked is pack
    assert pack.duplicates in seen
