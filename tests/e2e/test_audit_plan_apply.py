"""`weeder audit --plan`, `--apply` and `weeder revert` against a seeded sandbox over HTTP.

Each test serves its own copy of the seeded org (~2,000 records, defects planted as
docs/seeded-defects.md lists them) and reads the sandbox's SQLite file directly to see what
really changed, not what Weeder says it changed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from connectors.ledger import Ledger
from engine.model import JournalKind, JournalStatus
from flows.audit import audit_flow
from flows.revert import revert_flow
from tests.e2e.orgs import AUDITED, ServedOrg, without_system_fields

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

#: planted defects the default pack repairs by itself (action: fix)
FIXABLE = ("unnormalised_phone", "noncanonical_country", "noncanonical_state",
           "untidy_whitespace", "bad_name_case")
CANONICAL_COUNTRIES = {"United States", "United Kingdom", "Germany", "France", "Canada"}
FIELD_WRITES = (JournalKind.FIX, JournalKind.REVERT)


def assert_good_repair(kind: str, old: str, new: str) -> None:
    """The repair a planted defect of ``kind`` calls for, judged by its meaning, not a copy."""
    assert new != old
    if kind == "unnormalised_phone":
        assert re.fullmatch(r"\+[1-9]\d{6,14}", new), new
        assert phonenumbers.is_number_match(new, old) in (
            phonenumbers.MatchType.EXACT_MATCH, phonenumbers.MatchType.NSN_MATCH), (old, new)
    elif kind == "noncanonical_country":
        assert new in CANONICAL_COUNTRIES, (old, new)
    elif kind == "noncanonical_state":
        assert re.fullmatch(r"[A-Z]{2}", new), (old, new)
    elif kind == "untidy_whitespace":
        assert new == " ".join(old.split())
    else:  # bad_name_case
        assert new.lower() == old.lower() and new[0].isupper() and not new[1:].isupper()


def org_maintained(object_name: str, record_id: str,
                   new_tasks: dict[str, dict[str, Any]]) -> set[str]:
    """Fields the org itself sets on a record when Weeder writes it or opens a task on it:
    stamps, a person's Name from FirstName and LastName, LastActivityDate.

    The sandbox recomputes a task parent's LastActivityDate from that record's own activities
    only, while the seed rolls contacts' and deals' activities up to their account, so opening
    a review task on an account can move its LastActivityDate (a sandbox quirk, not a write)."""
    fields = {"LastModifiedDate", "LastModifiedById", "SystemModstamp"}
    if object_name in ("Contact", "Lead"):
        fields.add("Name")
    if any(record_id in (t["WhatId"], t["WhoId"]) for t in new_tasks.values()):
        fields.add("LastActivityDate")
    return fields


def field_entries(ledger: Ledger, run_id: str) -> dict[tuple[str, str, str], Any]:
    return {(e.object, e.record_id, e.field): e for e in ledger.journal(run_id)
            if e.kind in FIELD_WRITES and e.record_id and e.field}


def test_plan_writes_nothing_and_lists_every_planted_fix(org: ServedOrg, tmp_path: Path) -> None:
    before = org.db.snapshot()
    plan_file = tmp_path / "plan.csv"

    summary = audit_flow(mode="plan", plan_out=str(plan_file))

    assert summary["status"] == "ok"
    assert summary["writes"] == {}
    assert org.db.snapshot() == before
    with Ledger.open() as ledger:
        assert ledger.journal(summary["run_id"]) == []
    rows = list(csv.DictReader(plan_file.open(encoding="utf-8")))
    fixes = {(r["object"], r["record_id"], r["field"]): r for r in rows if r["action"] == "fix"}
    planted = org.seeded.defects(*FIXABLE)
    assert {d["kind"] for d in planted} == set(FIXABLE)
    for defect in planted:
        row = fixes[(defect["object"], defect["record_id"], defect["field"])]
        stored = org.db.record(defect["object"], defect["record_id"])[defect["field"]]
        assert row["old"] == stored
        assert_good_repair(defect["kind"], stored, row["new"])
    assert len(rows) == len(summary["plan_rows"])
    assert sum(r["action"] == "fix" for r in rows) == summary["plan"]["field_changes"]
    assert sum(r["action"] == "create task" for r in rows) == summary["plan"]["tasks_to_create"]


def test_apply_writes_the_fixes_and_opens_tasks_and_a_second_apply_writes_nothing(
        org: ServedOrg) -> None:
    before = org.db.snapshot()

    first = audit_flow(mode="apply")

    assert first["status"] == "ok", first["problems"]
    after = org.db.snapshot()
    with Ledger.open() as ledger:
        written = field_entries(ledger, first["run_id"])
        journal = ledger.journal(first["run_id"])
    # every planted fixable defect is repaired in the org, and journaled with old and new
    for defect in org.seeded.defects(*FIXABLE):
        key = (defect["object"], defect["record_id"], defect["field"])
        old = before[key[0]][key[1]][key[2]]
        new = after[key[0]][key[1]][key[2]]
        assert_good_repair(defect["kind"], old, new)
        assert (written[key].old, written[key].new, written[key].status) == (
            old, new, JournalStatus.OK)
    # ... and nothing else in the audited records changed but what the journal says
    opened = {tid: row for tid, row in after["Task"].items() if tid not in before["Task"]}
    for name in AUDITED:
        for record_id, row in after[name].items():
            changed = {f for f in row if row[f] != before[name][record_id][f]}
            assert changed - org_maintained(name, record_id, opened) == {
                f for (o, r, f) in written if (o, r) == (name, record_id)}
    assert all(entry.status is JournalStatus.OK for entry in journal)
    assert first["writes"]["fixes_applied"] == len({(o, r) for (o, r, _) in written})
    # review tasks: one per planned task, recognisable, linked back to their finding
    created = [e for e in journal if e.kind is JournalKind.TASK_CREATE]
    assert len(opened) == len(created) == first["writes"]["tasks_created"] > 0
    assert {e.record_id for e in created} == set(opened)
    for entry in created:
        task = opened[entry.record_id]
        assert task["Subject"].startswith("[Weeder] ")
        assert task["Status"] == "Not Started" and task["ActivityDate"]
        assert f"Weeder reference: {entry.fingerprint}" in task["Description"]

    second = audit_flow(mode="apply")

    assert second["status"] == "ok", second["problems"]
    assert second["full_reason"] is None  # incremental: only what changed since the first
    assert second["plan"]["field_changes"] == second["plan"]["tasks_to_create"] == 0
    assert set(second["writes"].values()) == {0}
    assert org.db.snapshot() == after  # not one row touched: SystemModstamps are unchanged
    with Ledger.open() as ledger:
        assert ledger.journal(second["run_id"]) == []


def test_revert_restores_every_field_the_run_changed_and_closes_its_tasks(
        org: ServedOrg) -> None:
    before = org.db.snapshot()
    applied = audit_flow(mode="apply")
    assert applied["status"] == "ok", applied["problems"]
    with Ledger.open() as ledger:
        written = field_entries(ledger, applied["run_id"])
        created = [e.record_id for e in ledger.journal(applied["run_id"])
                   if e.kind is JournalKind.TASK_CREATE]
    assert written and created

    reverted = revert_flow(run_id=applied["run_id"])

    assert reverted["status"] == "ok", reverted["problems"]
    assert reverted["fields_restored"] == len(written)
    assert reverted["fields_skipped"] == reverted["fields_failed"] == 0
    assert reverted["tasks_closed"] == len(created)
    after = org.db.snapshot()
    for obj, record_id, name in written:
        assert after[obj][record_id][name] == before[obj][record_id][name]
    # the whole records are as before, but for what the org maintains itself
    opened = {tid: after["Task"][tid] for tid in created}
    for name in AUDITED:
        for record_id, row in after[name].items():
            own = org_maintained(name, record_id, opened)
            assert without_system_fields(row, *own) == \
                without_system_fields(before[name][record_id], *own)
    for task_id in created:
        assert after["Task"][task_id]["Status"] == "Completed"
        assert after["Task"][task_id]["IsClosed"] == 1
    with Ledger.open() as ledger:
        undone = ledger.journal(reverted["run_id"])
        assert all(ledger.open_task_for(e.fingerprint) is None for e in undone if e.fingerprint)
    assert sorted((e.object, e.record_id, e.field) for e in undone
                  if e.kind is JournalKind.UNDO) == sorted(written)
