"""The default matchers on the sandbox's seeded org find exactly the planted duplicates.

The seed (docs/seeded-defects.md) plants duplicate accounts, contacts and leads, leads that
are already contacts, and near misses that must not be flagged ("First National Bank" against
"First Choice Bank"; two different people whose first names are nicknames of each other). The
rows are read straight from the seeded SQLite file, as a query would return them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from engine.duplicates import DuplicatesConfig, cluster_findings, cluster_tasks, match
from engine.model import Finding
from sandbox.seed import seed_org

TODAY = date(2026, 11, 22)
Org = tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    folder = tmp_path_factory.mktemp("seeded")
    seed_org(folder / "org.db", size=2000, seed=11, manifest_path=folder / "manifest.json",
             today=TODAY)
    conn = sqlite3.connect(folder / "org.db")
    conn.row_factory = sqlite3.Row

    def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(row) for row in conn.execute(sql)]

    accounts = rows('SELECT * FROM "Account"')
    names = {account["Id"]: account["Name"] for account in accounts}
    contacts = rows('SELECT * FROM "Contact"')
    for contact in contacts:  # what "SELECT Account.Name FROM Contact" nests
        contact["Account"] = {"Name": names.get(contact["AccountId"])}
    leads = rows('SELECT * FROM "Lead" WHERE IsConverted = 0')
    conn.close()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    yield {"Account": accounts, "Contact": contacts, "Lead": leads}, manifest


def _planted_groups(manifest: dict[str, Any], kind: str) -> set[tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for defect in manifest["defects"]:
        if defect["kind"] == kind:
            groups.setdefault(defect["group"], []).append(defect["record_id"])
    return {tuple(sorted(members)) for members in groups.values()}


def _findings(org: Org, defaults: DuplicatesConfig, object_name: str,
              against: str | None = None) -> list[Finding]:
    records, _ = org
    rule_id, matcher = defaults.matcher_for(object_name, against)
    result = match(records[object_name], matcher,
                   against=records[against] if against else None)
    return cluster_findings(rule_id, matcher, result)


@pytest.mark.parametrize(("object_name", "kind"), [("Account", "duplicate_account"),
                                                   ("Contact", "duplicate_contact"),
                                                   ("Lead", "duplicate_lead")])
def test_every_planted_group_is_found_and_nothing_else(org: Org, defaults: DuplicatesConfig,
                                                      object_name: str, kind: str) -> None:
    planted = _planted_groups(org[1], kind)
    found = {tuple(f.evidence["members"]) for f in _findings(org, defaults, object_name)}

    assert planted, "the seed should plant some"
    assert found == planted


def test_every_lead_that_is_already_a_contact_is_found(org: Org,
                                                       defaults: DuplicatesConfig) -> None:
    planted = {(d["record_id"], d["group"]) for d in org[1]["defects"]
               if d["kind"] == "lead_matches_contact"}
    findings = _findings(org, defaults, "Lead", against="Contact")

    assert planted
    assert {(f.record_id, *f.evidence["matches"]) for f in findings} == planted


def test_near_misses_and_nickname_namesakes_are_not_flagged(org: Org,
                                                            defaults: DuplicatesConfig) -> None:
    controls = {c["record_id"] for c in org[1]["controls"]
                if c["kind"] in ("near_miss_not_duplicate", "nickname_not_duplicate")}
    flagged = {member for object_name in ("Account", "Contact")
               for f in _findings(org, defaults, object_name)
               for member in f.evidence["members"]}

    assert controls
    assert not controls & flagged


def test_one_task_per_group_and_the_same_fingerprints_next_run(
        org: Org, defaults: DuplicatesConfig) -> None:
    _, matcher = defaults.matcher_for("Contact")
    first = _findings(org, defaults, "Contact")
    tasks = cluster_tasks(first, matcher, today=TODAY)
    again = _findings(org, defaults, "Contact")

    assert len(tasks) == len(first) == len({t.fingerprint for t in tasks})
    assert all(task.owner_id for task in tasks)
    assert {f.fingerprint for f in again} == {t.fingerprint for t in tasks}
