"""The default rule pack in rules/: valid, tested, documented, and true to the seed's contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.pack import Pack, load_pack, rules_json_schema, run_case, untested_rules

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules"
CONTRACT = ROOT / "docs" / "seeded-defects.md"
#: defect kinds the duplicate matcher finds, not this pack
DUPLICATE_KINDS = {"duplicate_account", "duplicate_contact", "duplicate_lead",
                   "lead_matches_contact"}


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(RULES)


def test_the_pack_has_the_four_families(pack: Pack) -> None:
    assert sorted(Path(path).name for path in pack.files) == [
        "duplicates.yaml", "hygiene.yaml", "permissions.yaml", "stages.yaml"]
    assert len(pack.rules) >= 30
    assert len(pack.policies) == 5


def test_the_duplicate_matchers_are_rules_of_the_pack(pack: Pack) -> None:
    assert pack.duplicates is not None and pack.duplicates_source is not None
    assert Path(pack.duplicates_source.path).name == "duplicates.yaml"
    # the seed's duplicate defect kinds are the matchers' rule ids
    assert set(pack.duplicate_rule_ids) == DUPLICATE_KINDS
    assert set(pack.rule_ids) == {rule.id for rule in pack.rules} | DUPLICATE_KINDS
    lead_contact = pack.duplicates.matchers["lead_matches_contact"]
    assert (lead_contact.object, lead_contact.against) == ("Lead", "Contact")


def test_every_rule_has_a_passing_and_a_failing_case(pack: Pack) -> None:
    assert untested_rules(pack) == []
    for rule in pack.rules:
        cases = [case for case in pack.cases if case.rule_id == rule.id]
        assert any(not case.findings for case in cases), f"{rule.id}: no passing case"
        assert any(case.findings for case in cases), f"{rule.id}: no failing case"


def test_every_case_passes(pack: Pack) -> None:
    failures = {f"{case.source} {case.name}": run_case(pack, case).problems
                for case in pack.cases}
    assert {name: problems for name, problems in failures.items() if problems} == {}


def test_files_point_editors_at_the_shipped_schema() -> None:
    for path in sorted(RULES.glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=./weeder-rules.schema.json", path


def test_the_shipped_schema_is_the_generated_one() -> None:
    shipped = json.loads((RULES / "weeder-rules.schema.json").read_text(encoding="utf-8"))
    assert shipped == rules_json_schema(), (
        "regenerate it: weeder rules schema > rules/weeder-rules.schema.json")


def _contract_kinds() -> dict[str, set[str]]:
    """kind -> objects, from the planted-defects table of docs/seeded-defects.md."""
    table = CONTRACT.read_text(encoding="utf-8").split("## Planted defects", 1)[1]
    kinds: dict[str, set[str]] = {}
    for kind, objects in re.findall(r"^\| (\w+) \| ([^|]+) \|", table, flags=re.M):
        if kind != "kind":
            kinds[kind] = set(re.findall(r"[A-Z][A-Za-z]+", objects))
    return kinds


def test_every_planted_defect_kind_has_a_rule_on_each_of_its_objects(pack: Pack) -> None:
    contract = _contract_kinds()
    assert len(contract) >= 20
    missing = []
    for kind, objects in contract.items():
        if kind in DUPLICATE_KINDS:
            continue
        covered = {rule.object for rule in pack.rules if kind in rule.tags}
        if not objects <= covered:
            missing.append(f"{kind}: {sorted(objects - covered)}")
    assert missing == []


def test_the_pull_plan_is_one_query_per_object(pack: Pack) -> None:
    plan = pack.plan()
    assert set(plan.objects) == {"Account", "Contact", "Lead", "Opportunity", "PermissionSet"}
    assert plan.stages and plan.users
    deal = plan.objects["Opportunity"].soql()
    assert deal.startswith("SELECT Id, Amount, CloseDate, ")
    for child in ("OpportunityHistories", "Histories", "Notes", "Tasks", "Events",
                  "ContentDocumentLinks"):
        assert f" FROM {child})" in deal
    assert deal.endswith(" FROM Opportunity")
    assert "Profile.Name" in plan.objects["PermissionSet"].fields
    assert plan.objects["PermissionSet"].children["FieldPerms"] == (
        "Id", "Field", "PermissionsEdit", "SobjectType")


def test_the_pull_plan_carries_what_the_duplicate_matchers_read(pack: Pack) -> None:
    plan = pack.plan()
    assert pack.duplicates is not None
    bookkeeping = {"Id", "OwnerId", "CreatedDate", "LastActivityDate"}
    for rule_id, matcher in pack.duplicates.matchers.items():
        fields = set(plan.objects[matcher.object].fields)
        assert set(matcher.source_fields()) | bookkeeping <= fields, rule_id
        if matcher.against is not None:
            against = set(plan.objects[matcher.against].fields)
            assert set(matcher.source_fields(against=True)) | bookkeeping <= against, rule_id
    # a converted lead takes no part, so the plan reads whether it is converted
    assert "IsConverted" in plan.objects["Lead"].fields
    # lead_matches_contact reads the contact's company through its account
    assert "Account.Name" in plan.objects["Contact"].fields
    assert "Birthdate" in plan.objects["Contact"].fields  # duplicate_contact's birth date


def test_without_its_duplicates_file_the_pack_reads_no_matcher_fields(tmp_path: Path) -> None:
    for path in RULES.glob("*.yaml"):
        if path.name != "duplicates.yaml":
            (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    pack = load_pack(tmp_path)
    assert pack.duplicates is None and pack.duplicate_rule_ids == ()
    assert "Birthdate" not in pack.plan().objects["Contact"].fields
