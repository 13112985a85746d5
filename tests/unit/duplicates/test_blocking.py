"""Which records get compared: those sharing a cheap key, within capped, pre-filtered blocks."""

from __future__ import annotations

from collections.abc import Callable

from engine.duplicates import Matcher, match
from engine.duplicates.blocking import candidate_pairs
from engine.duplicates.prepare import prepare

PEOPLE = """
object: Contact
threshold: 0.8
comparisons:
  - {name: first_name, kind: first_name, fields: [FirstName], weight: 1.0}
  - {name: last_name, kind: last_name, fields: [LastName], weight: 1.0}
  - {name: email, kind: email, fields: [Email], weight: 2.0}
  - {name: phone, kind: phone, fields: [Phone, MobilePhone], combine: best, weight: 2.0}
blocking:
  max_block_size: 4
  compare_all_up_to: 3
  prefilter: {comparisons: [first_name, last_name], scorer: token_sort_ratio, cutoff: 0.8}
  keys:
    - name: surname
      parts: [{comparison: last_name, transform: metaphone}]
    - name: email_domain
      parts: [{comparison: email, transform: domain}]
    - name: phone_tail
      parts: [{comparison: phone, transform: tail, length: 7}]
      prefilter: false
"""


def _candidates(matcher: Matcher, records: list[dict[str, str]],
                against: list[dict[str, str]] | None = None) -> set[tuple[str, str]]:
    table = prepare(records, matcher, against=against)
    found = candidate_pairs(table, matcher)
    return {(str(table.ids[a]), str(table.ids[b])) for a, b in zip(found.a, found.b, strict=True)}


def test_records_are_compared_only_when_they_share_a_key(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE)
    records = [
        {"Id": "1", "FirstName": "Ann", "LastName": "Smith"},
        {"Id": "2", "FirstName": "Ann", "LastName": "Smyth"},  # sounds the same: one block
        {"Id": "3", "FirstName": "Ann", "LastName": "Jones"},
        {"Id": "4", "FirstName": "Bo", "LastName": "Kim", "Phone": "(415) 555-0123"},
        {"Id": "5", "FirstName": "Al", "LastName": "Ng", "MobilePhone": "+14155550123"},
        {"Id": "6"},  # no key at all: compared with nobody, rather than with everybody
    ]
    assert _candidates(matcher, records) == {("1", "2"), ("4", "5")}


def test_free_mail_domains_make_no_block(matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE)
    records = [
        {"Id": "1", "FirstName": "Ann", "LastName": "Lee", "Email": "ann@gmail.com"},
        {"Id": "2", "FirstName": "Ann", "LastName": "Moss", "Email": "ann.m@gmail.com"},
        {"Id": "3", "FirstName": "Ann", "LastName": "Kay", "Email": "ak@acme.com"},
        {"Id": "4", "FirstName": "Ann", "LastName": "Kai", "Email": "kai@acme.com"},
    ]
    assert _candidates(matcher, records) == {("3", "4")}


def test_oversized_blocks_are_skipped_and_counted(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE)
    smiths = [{"Id": str(i), "FirstName": "Ann", "LastName": "Smith"} for i in range(5)]
    table = prepare(smiths, matcher)
    found = candidate_pairs(table, matcher)

    assert len(found.a) == 0
    surname = next(stats for stats in found.stats if stats.name == "surname")
    assert (surname.skipped_blocks, surname.skipped_records) == (1, 5)


def test_large_blocks_are_prefiltered_on_names_small_ones_pair_by_pair(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE)
    large = [{"Id": "1", "FirstName": "Ann", "LastName": "Smith"},
             {"Id": "2", "FirstName": "Anne", "LastName": "Smith"},
             {"Id": "3", "FirstName": "Zebedee", "LastName": "Smith"},
             {"Id": "4", "FirstName": "Ann", "LastName": "Smyth"}]
    small = [{"Id": "5", "FirstName": "Bo", "LastName": "Kim"},
             {"Id": "6", "FirstName": "Quentin", "LastName": "Kim"}]

    assert _candidates(matcher, large) == {("1", "2"), ("1", "4"), ("2", "4")}
    assert _candidates(matcher, small) == set()


def test_a_key_without_prefilter_pairs_different_names(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE)
    records = [{"Id": "1", "FirstName": "Bob", "LastName": "Stone", "Phone": "+14155550123"},
               {"Id": "2", "FirstName": "Robert", "LastName": "Stein", "Phone": "4155550123"}]
    assert _candidates(matcher, records) == {("1", "2")}


def test_against_another_set_only_pairs_across_the_sets(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE)
    new = [{"Id": "n1", "FirstName": "Ann", "LastName": "Smith"},
           {"Id": "n2", "FirstName": "Ann", "LastName": "Smith"}]
    existing = [{"Id": "e1", "FirstName": "Ann", "LastName": "Smith"}]

    assert _candidates(matcher, new, existing) == {("n1", "e1"), ("n2", "e1")}


def test_blocking_keeps_cost_near_linear(contact_matcher: Matcher) -> None:
    """Ten times the records, about ten times the candidates: not a hundred times."""
    def people(count: int) -> list[dict[str, str]]:
        return [{"Id": f"{i:06d}", "FirstName": f"First{i % 97}", "LastName": f"Last{i}x{i % 13}",
                 "Email": f"p{i}@firm{i % 50}.com", "Phone": f"+1415{i:07d}"}
                for i in range(count)]

    small = match(people(500), contact_matcher).stats.candidate_pairs
    large = match(people(5000), contact_matcher).stats.candidate_pairs
    assert large <= 20 * max(small, 1)


def test_an_exact_email_key_is_the_whole_address(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(PEOPLE.replace(
        "parts: [{comparison: email, transform: domain}]",
        "parts: [{comparison: email, transform: exact}]\n      prefilter: false"))
    records = [{"Id": "1", "FirstName": "Ann", "LastName": "Lee", "Email": "Ann.Lee@Acme.com"},
               {"Id": "2", "FirstName": "Bo", "LastName": "Kim", "Email": "ann.lee@acme.com"},
               {"Id": "3", "FirstName": "Cy", "LastName": "Ng", "Email": "ann.lee@globex.com"}]
    assert _candidates(matcher, records) == {("1", "2")}
