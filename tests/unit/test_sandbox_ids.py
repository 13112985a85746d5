"""Salesforce ids: the 18-character checksum, case repair, and generated ids."""

import pytest

from sandbox.ids import checksum, make_id, normalise, to18


def test_checksum_matches_a_real_salesforce_id() -> None:
    assert to18("001D000000IRFma") == "001D000000IRFmaIAH"


def test_an_18_character_id_is_returned_unchanged() -> None:
    assert normalise("001D000000IRFmaIAH") == "001D000000IRFmaIAH"


def test_case_mangled_18_character_id_is_repaired_from_its_checksum() -> None:
    assert normalise("001d000000irfmaiah") == "001D000000IRFmaIAH"


@pytest.mark.parametrize("bad", ["", "001", "001D000000IRFma!", "001D000000IRFmaIA", 12345])
def test_malformed_ids_are_refused(bad: object) -> None:
    assert normalise(bad) is None  # type: ignore[arg-type]


def test_generated_ids_carry_the_prefix_and_a_valid_checksum() -> None:
    ids = [make_id("006", n) for n in (1, 61, 62, 62**5 + 3)]
    assert len(set(ids)) == 4
    for generated in ids:
        assert generated.startswith("006") and len(generated) == 18
        assert checksum(generated[:15]) == generated[15:]
