"""Duplicates in the hourly audit, against a seeded sandbox over HTTP.

The seed plants duplicate accounts, contacts and leads, leads that are already contacts, and
near misses that must be left alone (docs/seeded-defects.md). A full apply must find exactly
the planted groups and open ONE `[Weeder]` review task per group, for the owner of the record
it suggests keeping; an incremental run in between leaves the groups as they are (the matchers
judge the whole population, so they do not run on a partial pull); another full apply finds
the same groups and opens no task again. The org's Task table is read directly.

`weeder dedupe --against-org` is exercised here too: it pulls the org's records through the
Salesforce connector, with the same settings as the audit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.ledger import Ledger
from engine.model import FindingRecord
from flows.audit import audit_flow
from flows.cli import app
from flows.dedupe_cli import run_dedupe
from tests.e2e.orgs import SeededOrg, ServedOrg

pytestmark = pytest.mark.slow

#: the matchers' rule ids are the seed's duplicate defect kinds
GROUP_KINDS = ("duplicate_account", "duplicate_contact", "duplicate_lead")
DUPLICATE_RULES = (*GROUP_KINDS, "lead_matches_contact")
#: planted look-alikes that are not duplicates ("First National Bank" / "First Choice Bank")
CONTROL_KINDS = ("near_miss_not_duplicate", "nickname_not_duplicate")


def planted_groups(seeded: SeededOrg, kind: str) -> set[tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for defect in seeded.defects(kind):
        groups.setdefault(defect["group"], []).append(defect["record_id"])
    return {tuple(sorted(members)) for members in groups.values()}


def planted_known_leads(seeded: SeededOrg) -> set[tuple[str, str]]:
    """(lead id, contact id) of each lead that is already a contact."""
    return {(d["record_id"], d["group"]) for d in seeded.defects("lead_matches_contact")}


def open_duplicates() -> dict[str, FindingRecord]:
    with Ledger.open() as ledger:
        return {f.fingerprint: f for f in ledger.findings() if f.rule_id in DUPLICATE_RULES}


def tasks_by_reference(tasks: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The org's review tasks per finding fingerprint ("Weeder reference: …" in each)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        for line in (task["Description"] or "").splitlines():
            if line.startswith("Weeder reference: "):
                found.setdefault(line.removeprefix("Weeder reference: ").strip(), []).append(task)
    return found


@pytest.mark.usefixtures("prefect_harness")
def test_full_audits_find_every_planted_group_once_and_open_one_task_per_group(
        org: ServedOrg) -> None:
    seeded = org.seeded

    first = audit_flow(mode="apply")

    assert first["status"] == "ok", (first["problems"], first["rule_failures"])
    assert first["full_reason"] == "first applied run"
    found = open_duplicates()
    for kind in GROUP_KINDS:
        planted = planted_groups(seeded, kind)
        assert planted, f"the seed plants {kind}"
        assert {tuple(f.evidence["members"]) for f in found.values() if f.rule_id == kind} \
            == planted, kind
    known = {(f.record_id, *f.evidence["matches"]) for f in found.values()
             if f.rule_id == "lead_matches_contact"}
    assert known == planted_known_leads(seeded)
    controls = {c["record_id"] for c in seeded.manifest["controls"]
                if c["kind"] in CONTROL_KINDS}
    assert controls
    assert not controls & {m for f in found.values() for m in f.evidence["members"]}
    assert {rule: first["findings_per_rule"][rule]["new"] for rule in DUPLICATE_RULES} == {
        rule: sum(f.rule_id == rule for f in found.values()) for rule in DUPLICATE_RULES}
    print("duplicate findings:", {rule: first["findings_per_rule"][rule]["new"]
                                  for rule in DUPLICATE_RULES})

    # exactly one review task per group, on the suggested survivor, for its owner
    tasks = org.db.weeder_tasks()
    per_finding = tasks_by_reference(tasks.values())
    for fingerprint, finding in found.items():
        assert len(per_finding.get(fingerprint, [])) == 1, finding.message
        task = per_finding[fingerprint][0]
        assert task["Subject"].startswith("[Weeder] ")
        assert task["OwnerId"] == finding.owner_id
        assert finding.record_id in (task["WhoId"], task["WhatId"])
        assert org.db.record(finding.object, finding.record_id)["OwnerId"] == finding.owner_id
    with Ledger.open() as ledger:
        linked = {fp: ledger.open_task_for(fp) for fp in found}
    assert set(linked.values()) == {per_finding[fp][0]["Id"] for fp in found}

    hourly = audit_flow(mode="apply")

    assert hourly["status"] == "ok" and hourly["full_reason"] is None
    assert not set(DUPLICATE_RULES) & set(hourly["findings_per_rule"])  # did not run
    still = open_duplicates()
    assert set(still) == set(found)
    assert {fp: f.last_seen for fp, f in still.items()} == \
        {fp: f.last_seen for fp, f in found.items()}  # left as they were, not touched
    assert org.db.weeder_tasks() == tasks  # no task opened or closed

    again = audit_flow(mode="apply", full=True)

    assert again["status"] == "ok" and again["full_reason"] == "asked (--full)"
    assert set(open_duplicates()) == set(found)
    assert {rule: again["findings_per_rule"][rule] for rule in DUPLICATE_RULES} == {
        rule: {"new": 0, "persisting": first["findings_per_rule"][rule]["new"], "resolved": 0}
        for rule in DUPLICATE_RULES}
    after = org.db.weeder_tasks()
    assert again["writes"]["tasks_created"] == 0
    assert set(after) == set(tasks)
    assert all(len(rows) == 1 for rows in tasks_by_reference(after.values()).values())


def test_dedupe_against_the_org_finds_a_seeded_contact_in_an_import_list(
        org: ServedOrg, tmp_path: Path) -> None:
    """`weeder dedupe --against-org` reads the org's contacts through the connector (the SF_*
    settings point at the sandbox) and pairs a near-copy of one of them in the file."""
    contacts = org.db.rows("Contact", "WHERE Email IS NOT NULL AND Phone IS NOT NULL "
                                      "ORDER BY Id LIMIT 1")
    (seeded_id, contact), = contacts.items()
    import_list = tmp_path / "import.csv"
    with import_list.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "FirstName", "LastName", "Email", "Phone"])
        # the same person, typed again: name in capitals, the mailbox in another case
        writer.writerow(["row-1", contact["FirstName"].upper(), contact["LastName"],
                         contact["Email"].upper(), contact["Phone"]])
        writer.writerow(["row-2", "Zebedee", "Quarternight", "zq@example.invalid", ""])
    out = io.StringIO()

    summary = run_dedupe(import_list, "Contact", against_org=True, stdout=out)

    pairs = [(row["id_a"], row["id_b"]) for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert pairs == [("row-1", seeded_id)]
    contact_count = len(org.db.rows("Contact"))
    assert f"import.csv: 2 records against {contact_count} org records: 1 duplicate pair" \
        in summary


def test_rules_explain_shows_a_matchers_groups_with_their_reasons_and_writes_nothing(
        org: ServedOrg) -> None:
    before = org.db.snapshot()

    result = CliRunner().invoke(app, ["rules", "explain", "duplicate_account"])

    assert result.exit_code == 0, result.output
    # the report, without the connector's log lines (structlog prints them to stdout here)
    lines = [line for line in result.stdout.splitlines()
             if line.startswith(("duplicate_account (", "  "))]
    planted = planted_groups(org.seeded, "duplicate_account")
    assert lines[0].startswith("duplicate_account (duplicates, action task) on Account: ")
    assert lines[1].startswith("  defined at ") and "duplicates.yaml:" in lines[1]
    assert f"records: {len(planted)} groups, {len(planted)} review tasks" in lines[2]
    groups = [line for line in lines if line.startswith("  - ")]
    assert all(any(all(m in line for m in members) for line in groups) for members in planted)
    # every pair says which fields made it
    assert any(" ~ " in line and "Name agreed" in line for line in lines)
    assert org.db.snapshot() == before
