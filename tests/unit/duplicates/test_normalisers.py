"""Each normaliser turns the spellings a CRM collects into one comparable form."""

from __future__ import annotations

from datetime import date

import pytest

from engine.duplicates.normalise.emails import split_email
from engine.duplicates.normalise.generic_words import TokenWeights
from engine.duplicates.normalise.identifiers import (
    normalise_date,
    normalise_postcode,
    website_domain,
)
from engine.duplicates.normalise.legal_forms import company_core
from engine.duplicates.normalise.nicknames import are_nicknames
from engine.duplicates.normalise.phones import tail, to_e164
from engine.duplicates.normalise.streets import house_numbers, normalise_street
from engine.duplicates.normalise.text import fold


def test_fold_drops_case_accents_punctuation_and_extra_spaces() -> None:
    assert fold("  Zoë O'Brien-Smith ") == "zoe o brien smith"
    assert fold("Straße & Søn") == "strasse and son"
    assert fold("") == ""


@pytest.mark.parametrize("spelling", ["Acme Corp.", "ACME Corporation", "Acme, Inc.",
                                      "The Acme Corp., Inc.", "acme llc"])
def test_legal_forms_are_removed_from_company_names(spelling: str) -> None:
    assert company_core(spelling) == "acme"


def test_a_company_name_keeps_its_words_other_than_the_legal_form() -> None:
    assert company_core("Siemens Healthineers AG") == "siemens healthineers"
    assert company_core("First National Bank") == "first national bank"


@pytest.mark.parametrize(("one", "other"), [("Bob", "Robert"), ("robert", "BOB"),
                                            ("Bill", "William"), ("Liz", "Elizabeth"),
                                            ("Kate", "Katherine"), ("Ann", "ann")])
def test_listed_nicknames_are_the_same_first_name(one: str, other: str) -> None:
    assert are_nicknames(one, other)


@pytest.mark.parametrize(("one", "other"), [("Bob", "Bill"), ("Robert", "Roberta"),
                                            ("Maria", "Mary"), ("John", ""), ("Anna", "Zoe")])
def test_names_not_linked_in_the_table_are_not_nicknames(one: str, other: str) -> None:
    # Bob and Bill are both listed under Robert, but not under each other.
    assert not are_nicknames(one, other)


@pytest.mark.parametrize(("written", "region", "e164"), [
    ("(415) 555-0123", "US", "+14155550123"),
    ("415.555.0123", "US", "+14155550123"),
    ("+1 415 555 0123", "US", "+14155550123"),
    ("1-415-555-0123", "US", "+14155550123"),
    ("+14155550123", "US", "+14155550123"),
    ("020 7123 4567", "GB", "+442071234567"),
    ("+44 20 7123 4567", "US", "+442071234567"),
    ("030 123456", "DE", "+4930123456"),
])
def test_phones_become_e164_in_the_default_region(written: str, region: str, e164: str) -> None:
    assert to_e164(written, region) == e164


def test_an_unparsable_phone_keeps_its_digits_and_an_empty_one_stays_empty() -> None:
    assert to_e164("12", "US") == "12"
    assert to_e164("call me", "US") == ""
    assert to_e164("", "US") == ""


def test_the_phone_tail_is_the_last_seven_digits() -> None:
    assert tail("+14155550123") == "5550123"
    assert tail("12") == ""


def test_an_email_splits_into_a_person_part_and_an_organisation_part() -> None:
    parts = split_email(" Maria.Chen+crm@Acme-Corp.com ")
    assert (parts.local, parts.domain, parts.free) == ("maria.chen", "acme-corp.com", False)
    assert parts.organisation_domain == "acme-corp.com"


@pytest.mark.parametrize("address", ["jane.doe@gmail.com", "jane@yahoo.com",
                                     "jane@outlook.com", "jane@hotmail.com", "jane@GMX.de"])
def test_free_mail_domains_are_flagged_and_carry_no_organisation(address: str) -> None:
    parts = split_email(address)
    assert parts.free
    assert parts.organisation_domain == ""


def test_gmail_ignores_dots_in_the_local_part_and_others_do_not() -> None:
    assert split_email("j.a.doe@gmail.com").local == "jadoe"
    assert split_email("j.a.doe@acme.com").local == "j.a.doe"


@pytest.mark.parametrize("malformed", ["bob at acme.com", "carl@acme", "@acme.com", ""])
def test_a_malformed_email_is_no_email(malformed: str) -> None:
    assert split_email(malformed).address == ""


def test_local_parts_keep_their_digits_apart() -> None:
    assert split_email("john.smith2@acme.com").digits == "2"
    assert split_email("john.smith@acme.com").digits == ""


@pytest.mark.parametrize("spelling", ["12 Main Street", "12 Main St.", "12 main st",
                                      "12  MAIN   STREET"])
def test_street_abbreviations_are_spelt_one_way(spelling: str) -> None:
    assert normalise_street(spelling) == "12 main st"


def test_street_lines_join_and_unit_words_shorten() -> None:
    assert normalise_street("12 Main Street\nApartment 4") == "12 main st apt 4"
    assert normalise_street("1 North Avenue, Suite 200") == "1 n ave ste 200"
    assert house_numbers("12 main st apt 4") == "12 4"


def test_generic_words_come_from_the_shipped_list_and_from_frequency() -> None:
    names = [f"traders {word}" for word in ("north", "south", "east", "west", "delta", "omega")]
    weights = TokenWeights.from_names(names + ["acme", "globex"], shipped={"bank"},
                                      share=0.5, min_count=5, generic_weight=0.2)
    assert weights.weight("bank") == 0.2
    assert weights.why_generic("bank") == "shipped generic word"
    assert weights.weight("traders") == 0.2
    assert weights.why_generic("traders") == "frequent in this data"
    assert weights.weight("acme") == 1.0
    assert weights.why_generic("acme") is None


def test_a_word_in_few_names_is_not_made_generic_by_a_small_data_set() -> None:
    weights = TokenWeights.from_names(["acme labs", "acme"], shipped=set(), share=0.01,
                                      min_count=5)
    assert weights.weight("acme") == 1.0


@pytest.mark.parametrize(("written", "compact"), [("SW1A 1AA", "sw1a1aa"), ("94105-1234", "94105"),
                                                  (" 3172 ", "3172"), ("", "")])
def test_postcodes_compare_without_spacing(written: str, compact: str) -> None:
    assert normalise_postcode(written) == compact


@pytest.mark.parametrize("written", ["1956-04-09", "19560409", date(1956, 4, 9),
                                     "1956-04-09T00:00:00Z"])
def test_dates_become_eight_digits(written: object) -> None:
    assert normalise_date(written) == "19560409"


@pytest.mark.parametrize("url", ["https://www.Acme-Corp.com/about", "acme-corp.com",
                                 "http://acme-corp.com:8080", "www.acme-corp.com?x=1"])
def test_websites_compare_by_host(url: str) -> None:
    assert website_domain(url) == "acme-corp.com"
