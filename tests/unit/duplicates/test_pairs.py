"""How a pair is scored and explained: which fields agreed, by how much, and why not."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from engine.duplicates import FieldScore, Matcher, Pair, Verdict, match
from engine.duplicates.normalise.emails import split_email
from engine.duplicates.normalise.generic_words import TokenWeights
from engine.duplicates.scorers import email_similarities, weighted_token_similarity

NAMES_AND_EMAIL = """
object: Contact
threshold: 0.8
comparisons:
  - {name: first_name, kind: first_name, fields: [FirstName], weight: 1.0, swap_with: last_name}
  - {name: last_name, kind: last_name, fields: [LastName], weight: 1.0}
  - {name: email, kind: email, fields: [Email], weight: 2.0}
  - {name: city, kind: text, fields: [MailingCity], weight: 1.0}
blocking:
  keys:
    - {name: surname_initial, parts: [{comparison: last_name, transform: prefix, length: 1}]}
    - {name: mailbox, parts: [{comparison: email, transform: local_part}]}
"""


def _pair(matcher: Matcher, one: dict[str, str], other: dict[str, str]) -> Pair:
    low = matcher.model_copy(update={"threshold": 0.0, "min_compared_weight": 0.0})
    result = match([{"Id": "A", **one}, {"Id": "B", **other}], low)
    assert len(result.pairs) == 1, "the two records should have been compared"
    return result.pairs[0]


def _field(pair: Pair, name: str) -> FieldScore:
    return next(f for f in pair.fields if f.comparison == name)


def test_bob_smith_and_robert_smith_are_one_person(contact_matcher: Matcher) -> None:
    records = [
        {"Id": "003A", "FirstName": "Bob", "LastName": "Smith", "Email": "bob.smith@acme.com",
         "Phone": "(415) 555-0123"},
        {"Id": "003B", "FirstName": "Robert", "LastName": "Smith",
         "Email": "bob.smith@acme.com", "Phone": "+1 415 555 0123"},
    ]
    result = match(records, contact_matcher)

    assert [(p.id_a, p.id_b) for p in result.pairs] == [("003A", "003B")]
    first = _field(result.pairs[0], "first_name")
    assert (first.value_a, first.value_b) == ("bob", "robert")
    assert first.verdict is Verdict.AGREED and first.note == "nickname"
    assert "FirstName agreed (0.95, nickname)" in result.pairs[0].explain()


def test_the_explanation_lists_agreed_differed_and_missing_fields(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    pair = _pair(matcher_from_yaml(NAMES_AND_EMAIL),
                 {"FirstName": "Maria", "LastName": "Chen", "Email": "maria@acme.com",
                  "MailingCity": "Boston"},
                 {"FirstName": "Maria", "LastName": "Chen", "Email": "m.chen@globex.com"})

    assert {f.comparison for f in pair.agreed} == {"first_name", "last_name"}
    assert {f.comparison for f in pair.differed} == {"email"}
    assert {f.comparison for f in pair.missing} == {"city"}
    email = _field(pair, "email")
    assert email.value_a == "maria@acme.com" and email.value_b == "m.chen@globex.com"
    assert email.note == "different domains"
    text = pair.explain()
    assert text.index("FirstName agreed (1.00)") < text.index("Email differed")
    assert text.endswith("MailingCity missing")
    assert pair.as_evidence()["fields"][3] == {
        "comparison": "city", "fields": ["MailingCity"], "a": "boston", "b": "",
        "similarity": None, "weight": 1.0, "verdict": "missing", "note": "",
    }


def test_a_value_missing_on_one_side_neither_rewards_nor_punishes(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    matcher = matcher_from_yaml(NAMES_AND_EMAIL)
    both = {"FirstName": "Maria", "LastName": "Chen", "Email": "maria.chen@acme.com"}
    without_city = _pair(matcher, both, {**both, "Email": "mchen@acme.com"})
    city_on_one_side = _pair(matcher, {**both, "MailingCity": "Boston"},
                             {**both, "Email": "mchen@acme.com"})
    same_city = _pair(matcher, {**both, "MailingCity": "Boston"},
                      {**both, "Email": "mchen@acme.com", "MailingCity": "Boston"})
    other_city = _pair(matcher, {**both, "MailingCity": "Boston"},
                       {**both, "Email": "mchen@acme.com", "MailingCity": "Denver"})

    assert city_on_one_side.score == without_city.score
    assert other_city.score < without_city.score < same_city.score


def test_differ_weight_makes_a_different_email_count_less_than_a_same_email(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    symmetric = matcher_from_yaml(NAMES_AND_EMAIL)
    lenient = matcher_from_yaml(NAMES_AND_EMAIL.replace(
        "fields: [Email], weight: 2.0}", "fields: [Email], weight: 2.0, differ_weight: 0.5}"))
    one = {"FirstName": "Maria", "LastName": "Chen", "Email": "maria.chen@acme.com"}
    moved = {"FirstName": "Maria", "LastName": "Chen", "Email": "maria.chen@globex.com"}

    assert _pair(lenient, one, moved).score > _pair(symmetric, one, moved).score
    assert _pair(lenient, one, one).score == _pair(symmetric, one, one).score == 1.0
    # the local part alone at another domain scores 0.6: the weight slides 0.5 → 2.0 with it
    assert _field(_pair(lenient, one, moved), "email").weight == pytest.approx(0.5 + 1.5 * 0.6)


def test_similarity_under_the_floor_counts_as_nothing(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    floored = matcher_from_yaml(NAMES_AND_EMAIL.replace(
        "fields: [MailingCity], weight: 1.0}", "fields: [MailingCity], weight: 1.0, floor: 0.7}"))
    pair = _pair(floored, {"LastName": "Chen", "MailingCity": "Boston"},
                 {"LastName": "Chen", "MailingCity": "Bolton"})
    chance = _pair(floored, {"LastName": "Chen", "MailingCity": "Boston"},
                   {"LastName": "Chen", "MailingCity": "Denver"})

    assert _field(pair, "city").similarity == pytest.approx(0.833, abs=0.001)
    assert _field(chance, "city").similarity == 0.0  # ratio 0.17: letters shared by chance


def test_a_required_comparison_that_disagrees_vetoes_the_pair(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    body = NAMES_AND_EMAIL.replace("threshold: 0.8", "threshold: 0.5")
    required = body.replace("fields: [LastName], weight: 1.0}",
                            "fields: [LastName], weight: 1.0, agree: 0.9, required: true}")
    records = [{"Id": "A", "LastName": "Chen", "Email": "mc@acme.com", "MailingCity": "Boston"},
               {"Id": "B", "LastName": "Chan", "Email": "mc@acme.com", "MailingCity": "Boston"}]

    assert len(match(records, matcher_from_yaml(body)).pairs) == 1
    assert match(records, matcher_from_yaml(required)).pairs == ()


def test_given_name_and_surname_typed_into_each_other_are_read_swapped(
        matcher_from_yaml: Callable[[str], Matcher]) -> None:
    pair = _pair(matcher_from_yaml(NAMES_AND_EMAIL),
                 {"FirstName": "Chen", "LastName": "Maria", "Email": "maria.chen@acme.com"},
                 {"FirstName": "Maria", "LastName": "Chen", "Email": "maria.chen@acme.com"})

    assert pair.score == 1.0
    assert _field(pair, "first_name").note == "read swapped with last_name"


def test_first_national_bank_and_first_choice_bank_are_not_a_pair(
        account_matcher: Matcher) -> None:
    accounts = [
        {"Id": "001A", "Name": "First National Bank", "BillingCity": "Omaha"},
        {"Id": "001B", "Name": "First Choice Bank", "BillingCity": "Omaha"},
        {"Id": "001C", "Name": "First National Bank, Inc.", "BillingCity": "Omaha"},
    ]
    result = match(accounts, account_matcher)

    assert [(p.id_a, p.id_b) for p in result.pairs] == [("001A", "001C")]
    # Scored without the threshold and the name veto, to read the explanation of the non-pair.
    lenient = [c.model_copy(update={"required": False}) for c in account_matcher.comparisons]
    low = account_matcher.model_copy(update={"threshold": 0.0, "comparisons": lenient})
    banks = {(p.id_a, p.id_b): p for p in match(accounts, low).pairs}
    name = _field(banks[("001A", "001B")], "name")
    assert name.verdict is Verdict.DIFFERED
    assert "generic words weighted down" in name.note and "bank" in name.note


def test_generic_words_weigh_little_in_a_company_name() -> None:
    weights = TokenWeights.from_names([], shipped={"bank", "solutions", "group"})

    assert weighted_token_similarity("first national bank", "first choice bank", weights) < 0.6
    assert weighted_token_similarity("acme solutions", "acme solutions group", weights) > 0.9
    assert weighted_token_similarity("acme", "acme", weights) == 1.0
    assert weighted_token_similarity("acmecorp", "acme corp", weights) == 1.0


def _email(a: str, b: str) -> float:
    x, y = split_email(a), split_email(b)

    def column(*values: object) -> np.ndarray:
        return np.array(values, dtype=bool if isinstance(values[0], bool) else object)

    return float(email_similarities(column(x.local), column(y.local), column(x.domain),
                                    column(y.domain), column(x.free), column(y.free),
                                    column(x.digits), column(y.digits))[0])


def test_a_shared_free_mail_domain_is_not_evidence() -> None:
    assert _email("john@gmail.com", "mary@gmail.com") == _email("john@gmail.com",
                                                                 "mary@yahoo.com")
    # whereas a shared company domain is: the same employer
    assert _email("john@acme.com", "mary@acme.com") > _email("john@acme.com", "mary@globex.com")
    assert _email("jo.li@gmail.com", "jo.li@gmail.com") == 1.0  # one mailbox, whoever hosts it


def test_namesakes_told_apart_by_a_mail_admin_are_not_one_mailbox() -> None:
    assert _email("john.smith@acme.com", "john.smith2@acme.com") < 0.7
    assert _email("john.smith@acme.com", "jon.smith@acme.com") > 0.9


def test_neighbours_on_one_street_are_not_one_address(contact_matcher: Matcher) -> None:
    low = contact_matcher.model_copy(update={"threshold": 0.0, "min_compared_weight": 0.0})
    person = {"FirstName": "Ann", "LastName": "Lee", "Email": "ann.lee@acme.com"}
    result = match([{"Id": "A", **person, "MailingStreet": "12 Main Street"},
                    {"Id": "B", **person, "MailingStreet": "14 Main St"},
                    {"Id": "C", **person, "MailingStreet": "12 Main St."}], low)
    street = {(p.id_a, p.id_b): _field(p, "street").similarity for p in result.pairs}

    assert street[("A", "C")] == 1.0
    assert street[("A", "B")] == 0.0  # capped under the floor: another house
