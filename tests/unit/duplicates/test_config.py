"""The duplicates YAML: the shipped matchers (rules/duplicates.yaml) load; every mistake is
reported with its line, worded as the rule pack words it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.duplicates import ConfigError, DuplicatesConfig, load_config, parse_config
from engine.errors import WeederError

VALID = """\
version: 1
matchers:
  dupes:
    object: Contact
    threshold: 0.8
    comparisons:
      - {name: last_name, kind: last_name, fields: [LastName], weight: 1.0}
    blocking:
      keys:
        - {name: sound, parts: [{comparison: last_name, transform: metaphone}]}
"""


def test_the_shipped_defaults_cover_every_object(defaults: DuplicatesConfig) -> None:
    assert defaults.matcher_for("Account")[0] == "duplicate_account"
    assert defaults.matcher_for("Contact")[0] == "duplicate_contact"
    assert defaults.matcher_for("Lead")[0] == "duplicate_lead"
    assert defaults.matcher_for("Lead", against="Contact")[0] == "lead_matches_contact"


def test_the_fields_a_matcher_reads_are_listed_for_the_query(defaults: DuplicatesConfig) -> None:
    _, lead_contact = defaults.matcher_for("Lead", against="Contact")
    assert "Company" in lead_contact.source_fields()
    assert "Account.Name" in lead_contact.source_fields(against=True)
    assert "MailingStreet" in lead_contact.source_fields(against=True)


def test_a_missing_matcher_is_a_clear_error(defaults: DuplicatesConfig) -> None:
    with pytest.raises(WeederError, match="no duplicate matcher is configured for Account "
                                          "against Lead"):
        defaults.matcher_for("Account", against="Lead")


def test_an_unknown_key_is_reported_at_its_line_and_column() -> None:
    text = VALID.replace("weight: 1.0}", "wieght: 1.0}")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="dupes.yaml")
    assert caught.value.problems == [
        "dupes.yaml:7:9: missing required key 'weight'",
        "dupes.yaml:7:64: unknown key 'wieght' (did you mean 'weight'?)",
    ]


def test_every_mistake_is_reported_at_once() -> None:
    text = VALID.replace("threshold: 0.8", "threshold: 1.8").replace(
        "kind: last_name", "kind: surname")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="dupes.yaml")
    assert caught.value.problems == [
        "dupes.yaml:5:16: 'threshold' must be at most 1.0, not 1.8",
        "dupes.yaml:7:33: 'kind' must be one of text, first_name, last_name, company, email, "
        "phone, street, postcode, date, website, identifier, not 'surname' (did you mean "
        "'last_name'?)",
    ]


def test_names_that_point_nowhere_are_errors() -> None:
    text = VALID.replace("{comparison: last_name, transform: metaphone}",
                         "{comparison: surname, transform: metaphone}")
    with pytest.raises(ConfigError, match=r"dupes.yaml:10:46: no comparison is named "
                                          r"'surname'"):
        parse_config(text, source="dupes.yaml")


def test_a_scorer_of_the_wrong_kind_is_an_error() -> None:
    text = VALID.replace("fields: [LastName], weight: 1.0}",
                         "fields: [LastName], weight: 1.0, scorer: weighted_tokens}")
    with pytest.raises(ConfigError, match="weighted_tokens scores company names only"):
        parse_config(text, source="dupes.yaml")


def test_broken_yaml_names_its_place() -> None:
    with pytest.raises(ConfigError, match=r"^dupes.yaml:4:1: YAML syntax error: "):
        parse_config("version: 1\nmatchers:\n  - [unclosed\n", source="dupes.yaml")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WeederError, match="no such duplicates configuration file"):
        load_config(tmp_path / "nope.yaml")


def test_a_file_loads_like_text(tmp_path: Path) -> None:
    path = tmp_path / "dupes.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert list(load_config(path).matchers) == ["dupes"]


def test_the_shipped_matchers_are_the_rule_packs_own(defaults: DuplicatesConfig) -> None:
    from engine.pack import load_pack

    rules = Path(__file__).resolve().parents[3] / "rules"
    assert load_pack(rules).duplicates == defaults


def test_a_rule_file_is_read_for_its_duplicates_section(tmp_path: Path) -> None:
    section = "\n".join("  " + line for line in VALID.splitlines())
    path = tmp_path / "rules.yaml"
    path.write_text(f"rules: []\nduplicates:\n{section}\n", encoding="utf-8")
    assert list(load_config(path).matchers) == ["dupes"]


def test_a_field_the_object_does_not_have_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(VALID.replace("fields: [LastName]", "fields: [LastNmae]"),
                     source="dupes.yaml")
    assert caught.value.problems == [
        "dupes.yaml:7:53: unknown field 'LastNmae' on Contact (did you mean 'LastName'?)"]
