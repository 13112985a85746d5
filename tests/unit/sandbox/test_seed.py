"""`weeder sandbox seed`: a deterministic org whose manifest lists every planted defect, with
history, permissions and derived fields consistent with the records."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.errors import WeederError
from flows.cli import app
from sandbox.seed import seed_org

TODAY = date(2026, 11, 22)
DOC = Path(__file__).parents[3] / "docs" / "seeded-defects.md"
PREFIX = {"001": "Account", "003": "Contact", "00Q": "Lead", "006": "Opportunity",
          "0PS": "PermissionSet"}
GROUPED = {"duplicate_account", "duplicate_contact", "duplicate_lead", "lead_matches_contact"}


def documented_kinds() -> dict[str, set[str]]:
    """kind -> objects, from the table of planted defects in docs/seeded-defects.md."""
    section = DOC.read_text().split("## Planted defects")[1].split("Controls")[0]
    kinds: dict[str, set[str]] = {}
    for kind, objects in re.findall(r"^\| (\w+) \| ([^|]+) \|", section, re.MULTILINE):
        if kind != "kind":
            kinds[kind] = set(re.findall(r"[A-Z][A-Za-z]+", objects))
    return kinds


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite3.Connection,
                                                                       dict, str]]:
    folder = tmp_path_factory.mktemp("seed")
    summary = seed_org(folder / "org.db", size=2000, seed=7, manifest_path=folder / "m.json",
                       today=TODAY)
    conn = sqlite3.connect(folder / "org.db")
    conn.row_factory = sqlite3.Row
    yield conn, json.loads((folder / "m.json").read_text()), summary
    conn.close()


def test_the_same_seed_and_day_give_the_same_manifest_byte_for_byte(tmp_path: Path) -> None:
    def manifest(name: str, seed: int) -> bytes:
        seed_org(tmp_path / f"{name}.db", size=600, seed=seed, manifest_path=tmp_path / name,
                 today=TODAY)
        return (tmp_path / name).read_bytes()

    first, again, other = manifest("a", 3), manifest("b", 3), manifest("c", 4)
    assert first == again
    assert first != other


def test_the_manifest_has_the_documented_shape(seeded) -> None:
    _, manifest, _ = seeded
    assert list(manifest) == ["seed", "size", "today", "defects", "controls"]
    assert (manifest["seed"], manifest["size"], manifest["today"]) == (7, 2000, "2026-11-22")
    for entry in manifest["defects"]:
        keys = {"kind", "object", "record_id", "field"} | ({"group"} if entry["kind"] in GROUPED
                                                          else set())
        assert set(entry) == keys, entry


def test_every_documented_kind_is_planted_at_least_twice_on_its_objects(seeded) -> None:
    _, manifest, _ = seeded
    documented = documented_kinds()
    assert len(documented) == 25
    planted: dict[str, list[dict]] = {}
    for entry in manifest["defects"]:
        planted.setdefault(entry["kind"], []).append(entry)
    assert set(planted) == set(documented)
    for kind, entries in planted.items():
        assert len(entries) >= 2, kind
        assert {e["object"] for e in entries} <= documented[kind], kind


def test_every_manifest_record_exists_in_its_object(seeded) -> None:
    conn, manifest, _ = seeded
    for entry in manifest["defects"] + manifest["controls"]:
        record_id = entry["record_id"]
        assert PREFIX[record_id[:3]] == entry["object"]
        found = conn.execute(f'SELECT 1 FROM "{entry["object"]}" WHERE Id = ?', (record_id,))
        assert found.fetchone() is not None, entry
    for entry in manifest["defects"]:
        if entry["kind"] == "lead_matches_contact":
            assert conn.execute('SELECT 1 FROM "Contact" WHERE Id = ?',
                                (entry["group"],)).fetchone() is not None


def test_the_last_stage_in_history_is_the_deal_s_stage(seeded) -> None:
    conn, _, _ = seeded
    deals = conn.execute('SELECT Id, StageName, Amount, CloseDate, CreatedDate FROM '
                         '"Opportunity"').fetchall()
    assert len(deals) > 50
    for deal in deals:
        history = conn.execute(
            'SELECT StageName, Amount, CloseDate, CreatedDate, CreatedById FROM '
            '"OpportunityHistory" WHERE OpportunityId = ? ORDER BY CreatedDate', (deal["Id"],)
        ).fetchall()
        assert history[0]["CreatedDate"] == deal["CreatedDate"]
        last = history[-1]
        assert (last["StageName"], last["Amount"], last["CloseDate"]) == \
            (deal["StageName"], deal["Amount"], deal["CloseDate"])
        stage_rows = conn.execute(
            'SELECT NewValue FROM "OpportunityFieldHistory" WHERE OpportunityId = ? AND '
            "Field = 'StageName' ORDER BY CreatedDate", (deal["Id"],)).fetchall()
        if stage_rows:
            assert stage_rows[-1][0] == deal["StageName"]


def test_history_is_backdated_and_made_by_real_users(seeded) -> None:
    conn, _, _ = seeded
    users = {row[0] for row in conn.execute('SELECT Id FROM "User"')}
    for table in ("OpportunityHistory", "OpportunityFieldHistory", "AccountHistory",
                  "ContactHistory", "LeadHistory"):
        authors = {row[0] for row in conn.execute(f'SELECT DISTINCT CreatedById FROM "{table}"')}
        assert authors and authors <= users, table
        newest = conn.execute(f'SELECT max(CreatedDate) FROM "{table}"').fetchone()[0]
        assert newest < TODAY.isoformat()
    assert conn.execute('SELECT count(DISTINCT substr(CreatedDate, 1, 7)) FROM '
                        '"OpportunityHistory"').fetchone()[0] >= 12  # months of history


def test_field_permission_drift_is_only_where_the_manifest_says(seeded) -> None:
    conn, manifest, _ = seeded
    policy = {"Opportunity.Amount": {"Sales Rep", "Sales Manager", "Sales Ops",
                                     "System Administrator"},
              "Opportunity.Probability": {"Sales Manager", "Sales Ops", "System Administrator"},
              "Opportunity.ForecastCategoryName": {"Sales Manager", "Sales Ops",
                                                   "System Administrator"},
              "Account.AnnualRevenue": {"Sales Ops", "System Administrator"},
              "Account.Rating": {"Sales Manager", "Sales Ops", "System Administrator"}}
    grants = conn.execute(
        'SELECT ps.Id, ps.Name, p.Name AS Profile, ps.IsOwnedByProfile, fp.Field FROM '
        '"FieldPermissions" fp JOIN "PermissionSet" ps ON ps.Id = fp.ParentId LEFT JOIN '
        '"Profile" p ON p.Id = ps.ProfileId WHERE fp.PermissionsEdit = 1').fetchall()
    beyond = {(g["Id"], g["Field"]) for g in grants if g["Field"] in policy and
              (g["Profile"] if g["IsOwnedByProfile"] else g["Name"]) not in policy[g["Field"]]}
    listed = {(d["record_id"], d["field"]) for d in manifest["defects"]
              if d["kind"] == "permission_drift"}
    assert beyond == listed and len(listed) >= 2


def test_profiles_own_permission_sets_and_users_sit_in_teams(seeded) -> None:
    conn, _, _ = seeded
    owned = dict(conn.execute('SELECT p.Name, count(ps.Id) FROM "Profile" p JOIN '
                              '"PermissionSet" ps ON ps.ProfileId = p.Id AND '
                              'ps.IsOwnedByProfile = 1 GROUP BY p.Name').fetchall())
    assert owned == {"Sales Rep": 1, "Sales Manager": 1, "Sales Ops": 1,
                     "System Administrator": 1}
    users = conn.execute('SELECT u.Username, u.ManagerId, u.Email, u.Name, u.FirstName, '
                         'u.LastName, p.Name AS Profile FROM "User" u JOIN "Profile" p ON '
                         'p.Id = u.ProfileId').fetchall()
    assert "admin@weeder.sandbox" in {u["Username"] for u in users}
    reps = [u for u in users if u["Profile"] == "Sales Rep"]
    assert len(reps) >= 8 and all(u["ManagerId"] for u in reps)
    assert sum(u["Profile"] == "Sales Ops" for u in users) >= 2
    for user in users:
        assert re.fullmatch(r"[a-z]+\.[a-z]+@weeder\.sandbox|admin@weeder\.sandbox",
                            user["Username"])
        assert user["Name"] == f"{user['FirstName']} {user['LastName']}"
    unassigned = conn.execute(
        'SELECT count(*) FROM "User" u WHERE u.Username != ? AND NOT EXISTS (SELECT 1 FROM '
        '"PermissionSetAssignment" a JOIN "PermissionSet" ps ON ps.Id = a.PermissionSetId '
        'WHERE a.AssigneeId = u.Id AND ps.ProfileId = u.ProfileId)', ("admin@weeder.sandbox",)
    ).fetchone()[0]
    assert unassigned == 0


def test_derived_fields_follow_their_sources(seeded) -> None:
    conn, manifest, _ = seeded
    mismatched = {d["record_id"] for d in manifest["defects"]
                  if d["kind"] == "probability_mismatch"}
    stages = {r["ApiName"]: r for r in conn.execute('SELECT * FROM "OpportunityStage"')}
    assert len(stages) == 10
    for deal in conn.execute('SELECT * FROM "Opportunity"'):
        stage = stages[deal["StageName"]]
        assert (deal["IsClosed"], deal["IsWon"], deal["ForecastCategoryName"]) == \
            (stage["IsClosed"], stage["IsWon"], stage["ForecastCategoryName"])
        if deal["Id"] not in mismatched:
            assert deal["Probability"] == stage["DefaultProbability"]
    for person in conn.execute('SELECT Name, FirstName, LastName FROM "Contact" UNION ALL '
                               'SELECT Name, FirstName, LastName FROM "Lead"'):
        assert person["Name"] == f"{person['FirstName']} {person['LastName']}"
    assert conn.execute("SELECT count(*) FROM \"Task\" WHERE IsClosed != "
                        "(Status = 'Completed')").fetchone()[0] == 0


def test_last_activity_dates_are_those_of_the_activities(seeded) -> None:
    conn, _, _ = seeded
    for table, link in (("Opportunity", "WhatId"), ("Contact", "WhoId"), ("Lead", "WhoId")):
        disagreeing = conn.execute(
            f'SELECT count(*) FROM "{table}" r WHERE r.LastActivityDate IS NOT (SELECT '
            f'max(d) FROM (SELECT ActivityDate AS d FROM "Task" WHERE {link} = r.Id AND '
            f'IsClosed = 1 UNION ALL SELECT ActivityDate FROM "Event" WHERE {link} = r.Id))'
        ).fetchone()[0]
        assert disagreeing == 0, table


def test_the_size_is_roughly_the_number_of_records(tmp_path: Path) -> None:
    summary = seed_org(tmp_path / "org.db", size=3000, seed=1, today=TODAY)
    total = int(re.search(r"([\d,]+) records", summary).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 2400 <= total <= 3600


def test_seeding_refuses_a_database_that_already_has_data(tmp_path: Path) -> None:
    seed_org(tmp_path / "org.db", size=300, seed=1, today=TODAY)
    with pytest.raises(WeederError, match="already holds accounts"):
        seed_org(tmp_path / "org.db", size=300, seed=1, today=TODAY)


def test_the_summary_counts_objects_and_defects(seeded) -> None:
    _, manifest, summary = seeded
    assert re.search(r"^  Opportunity\s+\d+$", summary, re.MULTILINE)
    assert f"Planted {len(manifest['defects'])} defects of 25 kinds" in summary
    assert re.match(r"Seeded .*: [\d,]+ records in \d+\.\d s", summary)


def test_the_command_line_seeds_and_writes_the_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sandbox", "seed", "--db", str(tmp_path / "org.db"),
                                      "--size", "400", "--seed", "2", "--manifest",
                                      str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "m.json").read_text())["seed"] == 2
    again = CliRunner().invoke(app, ["sandbox", "seed", "--db", str(tmp_path / "org.db")])
    assert again.exit_code != 0 and "already holds accounts" in again.output
    assert "Traceback" not in again.output
