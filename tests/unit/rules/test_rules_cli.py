"""`weeder rules validate | test | schema` as an admin runs them (typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engine.errors import WeederError
from flows.cli import app

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules"
runner = CliRunner()

GOOD = """\
rules:
  - id: lead-company
    description: Leads with an email name their company.
    kind: required
    object: Lead
    field: Company
    when: {field: Email, present: true}
tests:
  - name: flagged
    rule: lead-company
    records: [{Id: L1, Email: ann@acme.com, Company: null}]
    expect: {findings: [{record: L1, field: Company}]}
  - name: clean
    rule: lead-company
    records: [{Id: L2, Email: ann@acme.com, Company: Acme}]
    expect: {findings: []}
"""


def test_validate_accepts_the_default_pack() -> None:
    result = runner.invoke(app, ["rules", "validate", str(RULES)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{RULES}: 4 files, ")
    assert ", 4 duplicate matchers, " in result.output
    assert result.output.rstrip().endswith("test cases: valid")


def test_validate_prints_every_error_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD.replace("object: Lead", "object: Leed"),
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text("rules:\n  - id: x\n    description: y\n    kind: decay\n"
                                     "    object: Contact\n    field: LastActivityDate\n",
                                     encoding="utf-8")
    result = runner.invoke(app, ["rules", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'a.yaml'}:5:13: unknown object 'Leed' (did you mean 'Lead'?)",
        f"{tmp_path / 'b.yaml'}:2:5: give either 'days' or 'months'",
    ]
    assert "2 errors; nothing was run." in result.stderr
    assert "Traceback" not in result.output


def test_validate_checks_custom_fields_against_saved_describe(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD.replace("field: Company", "field: Company__c"), encoding="utf-8")
    describe = tmp_path / "describe.json"
    describe.write_text(json.dumps({"Lead": {"fields": [
        {"name": "Email", "type": "email"}, {"name": "Company", "type": "string"},
        {"name": "Company_Size__c", "type": "picklist"}]}}), encoding="utf-8")
    assert runner.invoke(app, ["rules", "validate", str(rules)]).exit_code == 0
    result = runner.invoke(app, ["rules", "validate", str(rules), "--describe", str(describe)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{rules}:6:12: unknown field 'Company__c' on Lead (did you mean 'Company'?)"]


def test_validate_of_a_missing_directory_is_a_weeder_error_not_a_crash(tmp_path: Path) -> None:
    # `weeder` (flows.cli.main) prints a WeederError as "weeder: <message>" with its exit code.
    result = runner.invoke(app, ["rules", "validate", str(tmp_path / "nope")])
    assert isinstance(result.exception, WeederError)
    assert str(result.exception) == f"no rules at {tmp_path / 'nope'}: no such file or directory"
    assert result.exception.exit_code == 1


def test_test_runs_the_cases_and_reports_each(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"PASS {path}:9:5 lead-company: flagged",
        f"PASS {path}:13:5 lead-company: clean",
        "2 passed, 0 failed",
    ]


def test_test_exits_1_and_shows_what_differed(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD.replace("Company: Acme}", "Company: ' '}"), encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        f"FAIL {path}:13:5 lead-company: clean",
        "     unexpected finding on L2 Company: Company is empty",
        "1 passed, 1 failed",
    ]


def test_test_names_rules_without_cases(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    lonely = ("  - id: lonely\n    description: z\n    kind: required\n    object: Lead\n"
              "    field: Email\ntests:")
    path.write_text(GOOD.replace("tests:", lonely), encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(path)])
    assert result.exit_code == 0
    assert "rules without test cases: lonely" in result.stdout


def test_test_runs_the_default_pack_green() -> None:
    result = runner.invoke(app, ["rules", "test", str(RULES)])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.stdout
    assert result.stdout.rstrip().endswith(" passed, 0 failed")


def test_schema_prints_the_json_schema_editors_use() -> None:
    result = runner.invoke(app, ["rules", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    kinds = schema["properties"]["rules"]["items"]["discriminator"]["mapping"]
    assert set(kinds) == {"required", "format", "allowed_values", "consistency", "normalise",
                          "decay", "permission_drift", "edit_violation", "stage_progression"}
    required_rule = schema["$defs"]["RequiredRule"]
    assert required_rule["properties"]["action"]["enum"] == ["report", "task"]
    assert required_rule["properties"]["when"]["$ref"] == "#/$defs/Condition"
    assert "equals" in json.dumps(schema["$defs"]["Condition"])
