"""`weeder dedupe FILE.csv`: pairs out as CSV, a summary on stderr, and plain words for a bad
file, never a traceback."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.dedupe_cli import run_dedupe

SF_VARIABLES = ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CONSUMER_KEY",
                "SF_CONSUMER_SECRET", "SF_PRIVATE_KEY_FILE", "SF_INSTANCE_URL", "SF_SESSION_ID")

IMPORT_LIST = """\
Id,FirstName,LastName,Email,Phone,MailingPostalCode,Account.Name,Lead_Score__c
r1,Bob,Smith,bob.smith@acme.com,(415) 555-0123,94105,Acme Corp,10
r2,Robert,Smith,bob.smith@acme.com,+14155550123,94105,ACME Corporation,20
r3,Rob,Smith,,4155550123,94105,,5
r4,Maria,Chen,maria@globex.com,+442071234567,SW1A 1AA,Globex,7
r5,Mary,Jones,mary@gmail.com,,,,3
r6,Mark,Jones,mark@gmail.com,,,,3
"""


@pytest.fixture(autouse=True)
def no_org_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SF_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _write(tmp_path: Path, text: str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_pairs_go_to_stdout_with_a_group_id_and_a_summary_to_stderr(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "Contact"])

    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert result.stdout.startswith("id_a,id_b,score,cluster_id\n")
    assert {(r["id_a"], r["id_b"]) for r in rows} == {("r1", "r2"), ("r1", "r3"), ("r2", "r3")}
    assert {r["cluster_id"] for r in rows} == {"1"}
    assert all(0.8 <= float(r["score"]) <= 1.0 for r in rows)
    assert "leads.csv: 6 records: 3 duplicate pairs in 1 group (3 records)" in result.stderr


def test_out_writes_the_pairs_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "contact", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert len(_rows(out.read_text(encoding="utf-8"))) == 3


def test_another_id_column_can_be_named(tmp_path: Path) -> None:
    text = IMPORT_LIST.replace("Id,First", "External_Id__c,First")
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, text)), "--object",
                                      "Contact", "--id-column", "External_Id__c"])
    assert result.exit_code == 0, result.output
    assert len(_rows(result.stdout)) == 3


def test_a_file_can_be_matched_against_another_file(tmp_path: Path) -> None:
    existing = _write(tmp_path, "Id,FirstName,LastName,Email\n"
                                "c1,Robert,Smith,bob.smith@acme.com\n", "org.csv")
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)), "--object",
                                      "Contact", "--against", str(existing)])

    assert result.exit_code == 0, result.output
    assert {(r["id_a"], r["id_b"]) for r in _rows(result.stdout)} == {("r1", "c1"), ("r2", "c1")}
    assert "against 1 org.csv record" in result.stderr


def test_against_org_matches_the_records_the_org_supplies(tmp_path: Path) -> None:
    asked: list[tuple[str, list[str]]] = []

    def org(object_name: str, fields: Sequence[str]) -> list[dict[str, Any]]:
        asked.append((object_name, list(fields)))
        return [{"Id": "003ORG", "FirstName": "Maria", "LastName": "Chen",
                 "Email": "maria@globex.com", "OwnerId": "005A"}]

    out = io.StringIO()
    summary = run_dedupe(_write(tmp_path, IMPORT_LIST), "Contact", against_org=True,
                         fetch_org=org, stdout=out)

    assert [(r["id_a"], r["id_b"]) for r in _rows(out.getvalue())] == [("r4", "003ORG")]
    assert asked[0][0] == "Contact"
    assert {"Id", "OwnerId", "CreatedDate", "FirstName", "Email"} <= set(asked[0][1])
    assert "against 1 org record" in summary


def test_against_org_without_credentials_says_which_variables(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "Contact", "--against-org"])

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "weeder: --against-org needs org credentials (SF_* variables)" in result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty: expected a header row of Salesforce field names"),
    ("Id,FirstName\n", "has a header but no rows: nothing to match"),
    ("Key,FirstName\nk1,Ann\n", ":1: no 'Id' column (the columns are Key, FirstName); name "
                                "the id column with --id-column"),
    ("Id,Frist Name,Emial,Foo\n1,a,b,c\n",
     ":1: column 'Frist Name' is not a Contact field (did you mean FirstName?)"),
    ("Id,FirstName,Foo\n1,a,b\n", ":1: column 'Foo' is not a Contact field (custom fields end "
                                  "in __c)"),
    ("Id,FirstName\n1,Ann\n1,Bob\n", ":3: Id '1' appears again (first on line 2)"),
    ("Id,FirstName\n1,Ann\n,Bob\n", ":3: empty Id: every row needs an id"),
    ("Id,FirstName\n1,Ann,extra\n", ":2: 3 values for 2 columns"),
])
def test_a_bad_file_is_explained_without_a_traceback(tmp_path: Path, text: str,
                                                     message: str) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, text)),
                                      "--object", "Contact"])

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith("weeder: ")
    assert message in result.stderr


def test_every_unknown_column_is_listed_at_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, "Id,Emial,Foo\n1,a,b\n")),
                                      "--object", "Contact"])
    assert "column 'Emial' is not a Contact field (did you mean Email?)" in result.stderr
    assert "column 'Foo' is not a Contact field" in result.stderr


def test_a_missing_file_and_an_unknown_object_are_refused(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["dedupe", str(tmp_path / "nope.csv"), "--object",
                                       "Contact"])
    assert missing.exit_code == 2 and "nope.csv: no such file" in missing.stderr

    unknown = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                       "--object", "Opportunity"])
    assert unknown.exit_code == 2 and "Opportunity" in unknown.output


def test_a_broken_configuration_is_reported_with_its_line(tmp_path: Path) -> None:
    config = _write(tmp_path, "version: 1\nmatchers: {}\n", "dupes.yaml")
    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "Contact", "--config", str(config)])
    assert result.exit_code == 1
    assert f"weeder: {config}:2:11: " in result.stderr


EMAIL_ONLY = """\
duplicates:
  matchers:
    contact_same_email:
      object: Contact
      threshold: 0.95
      comparisons:
        - {name: email, kind: email, fields: [Email], weight: 1.0}
      blocking:
        keys:
          - {name: mailbox, parts: [{comparison: email, transform: local_part}]}
"""


def test_the_matchers_are_the_audits_rule_pack(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    _write(rules, EMAIL_ONLY, "duplicates.yaml")
    monkeypatch.setenv("WEEDER_RULES_DIR", str(rules))

    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "Contact"])

    # the pack's one matcher pairs the shared mailbox only (the shipped one also pairs Rob)
    assert result.exit_code == 0, result.output
    assert [(r["id_a"], r["id_b"]) for r in _rows(result.stdout)] == [("r1", "r2")]


def test_config_may_name_a_rules_directory(tmp_path: Path) -> None:
    _write(tmp_path, EMAIL_ONLY, "duplicates.yaml")
    out = io.StringIO()
    run_dedupe(_write(tmp_path, IMPORT_LIST), "Contact", config_path=tmp_path, stdout=out)
    assert [(r["id_a"], r["id_b"]) for r in _rows(out.getvalue())] == [("r1", "r2")]


def test_a_rule_pack_without_duplicates_says_so(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    _write(rules, "rules:\n  - {id: r1, description: x, kind: required, object: Lead, "
                  "field: Company}\n", "hygiene.yaml")
    monkeypatch.setenv("WEEDER_RULES_DIR", str(rules))

    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "Contact"])

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"weeder: no rule file in {rules} has a 'duplicates:' section: restore "
        "rules/duplicates.yaml, or name a file of matchers with --config")


def test_a_mistake_in_the_rule_pack_stops_dedupe_with_its_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    path = _write(rules, EMAIL_ONLY.replace("threshold: 0.95", "treshold: 0.95"),
                  "duplicates.yaml")
    monkeypatch.setenv("WEEDER_RULES_DIR", str(rules))

    result = CliRunner().invoke(app, ["dedupe", str(_write(tmp_path, IMPORT_LIST)),
                                      "--object", "Contact"])

    assert result.exit_code == 1
    assert f"{path}:5:7: unknown key 'treshold' (did you mean 'threshold'?)" in result.stderr
    assert "Traceback" not in result.output
