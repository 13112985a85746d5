"""The ``duplicates:`` section of the rule pack: read by ``load_pack`` like every rule file, its
mistakes reported as path:line:column: message together with the other files' mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.pack import RuleErrors, load_pack
from flows.cli import app

#: A valid section; tests change one line of it.
SECTION = """\
duplicates:
  matchers:
    dupes:
      object: Contact
      threshold: 0.8
      comparisons:
        - {name: last_name, kind: last_name, fields: [LastName], weight: 1.0}
        - {name: email, kind: email, fields: [Email], weight: 2.0}
      blocking:
        keys:
          - {name: sound, parts: [{comparison: last_name, transform: metaphone}]}
"""

#: Another family's file with one mistake, to show errors are collected across files.
BROKEN_RULE = """\
rules:
  - id: lead-company
    description: Leads name their company.
    kind: required
    object: Leed
    field: Company
"""


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(RuleErrors) as caught:
        load_pack(folder)
    return [str(error).removeprefix(f"{folder}/") for error in caught.value.errors]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_only_a_duplicates_section_is_a_rule_file(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", SECTION)

    pack = load_pack(tmp_path)

    assert pack.rules == ()
    assert pack.duplicate_rule_ids == ("dupes",)
    assert pack.duplicates_source is not None
    assert (pack.duplicates_source.line, pack.duplicates_source.column) == (1, 1)


def test_mistakes_in_the_section_come_with_the_other_files_mistakes(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", SECTION
          .replace("threshold: 0.8", "threshhold: 0.8")
          .replace("weight: 2.0}", "weight: lots}"))
    write(tmp_path, "hygiene.yaml", BROKEN_RULE)

    assert errors_of(tmp_path) == [
        "duplicates.yaml:4:7: missing required key 'threshold'",
        "duplicates.yaml:5:7: unknown key 'threshhold' (did you mean 'threshold'?)",
        "duplicates.yaml:8:63: 'weight' must be a number, not 'lots'",
        "hygiene.yaml:5:13: unknown object 'Leed' (did you mean 'Lead'?)",
    ]


def test_an_unknown_key_in_a_comparison_suggests_the_known_one(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", SECTION.replace("weight: 1.0}", "wieght: 1.0}"))

    assert errors_of(tmp_path) == [
        "duplicates.yaml:7:11: missing required key 'weight'",
        "duplicates.yaml:7:66: unknown key 'wieght' (did you mean 'weight'?)",
    ]


def test_values_of_the_wrong_kind_name_what_they_may_be(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", SECTION
          .replace("object: Contact", "object: Contacts")
          .replace("comparisons:\n", "comparisons: many\n", 1)
          .replace("        - {name: last_name", "#        - {name: last_name")
          .replace("        - {name: email", "#        - {name: email"))

    assert errors_of(tmp_path) == [
        "duplicates.yaml:4:15: 'object' must be one of Account, Contact, Lead, not 'Contacts' "
        "(did you mean 'Contact'?)",
        "duplicates.yaml:6:20: 'comparisons' must be a list, not 'many'",
    ]


def test_fields_and_names_that_point_nowhere_are_located(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", SECTION
          .replace("fields: [Email]", "fields: [Emial]")
          .replace("{comparison: last_name, transform: metaphone}",
                   "{comparison: surname, transform: metaphone}"))

    assert errors_of(tmp_path) == [
        "duplicates.yaml:8:47: unknown field 'Emial' on Contact (did you mean 'Email'?)",
        "duplicates.yaml:11:48: no comparison is named 'surname'",
    ]


def test_a_matcher_against_another_object_checks_the_fields_there_too(tmp_path: Path) -> None:
    lead_against_contact = (
        SECTION.replace("object: Contact", "object: Lead\n      against: Contact")
        .replace("fields: [Email]", "fields: [Email], against_fields: [Mail]"))
    write(tmp_path, "duplicates.yaml", lead_against_contact)

    assert errors_of(tmp_path) == [
        "duplicates.yaml:9:72: unknown field 'Mail' on Contact (did you mean 'Email'?)",
    ]


def test_matcher_ids_are_rule_ids_unique_across_the_pack(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", SECTION)
    write(tmp_path, "hygiene.yaml", BROKEN_RULE.replace("id: lead-company", "id: dupes")
          .replace("Leed", "Lead"))

    assert errors_of(tmp_path) == [
        f"duplicates.yaml:3:5: duplicate rule id 'dupes' (first defined at "
        f"{tmp_path / 'hygiene.yaml'}:2:5)",
    ]


def test_the_pack_has_one_duplicates_section(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", SECTION)
    write(tmp_path, "b.yaml", "rules: []\n" + SECTION)

    assert errors_of(tmp_path) == [
        f"b.yaml:2:1: a second 'duplicates' section (the first is at {tmp_path / 'a.yaml'}:1:1); "
        "keep the duplicate matchers in one file",
    ]


def test_an_empty_section_says_what_it_should_hold(tmp_path: Path) -> None:
    write(tmp_path, "duplicates.yaml", "duplicates:\n")

    assert errors_of(tmp_path) == [
        "duplicates.yaml:1:1: the file has no rules, policies, tests or duplicates",
        "duplicates.yaml:1:12: 'duplicates' must be a mapping with 'matchers' (and, if numbers "
        "are written without a country code, 'phone_region')",
    ]


def test_rules_validate_prints_the_sections_mistakes(tmp_path: Path) -> None:
    path = write(tmp_path, "duplicates.yaml", SECTION.replace("threshold: 0.8", "threshold: 8"))

    result = CliRunner().invoke(app, ["rules", "validate", str(tmp_path)])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:5:18: 'threshold' must be at most 1.0, not 8"]
    assert "Traceback" not in result.output
