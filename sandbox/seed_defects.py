"""The dirty data the seed plants, one kind at a time (docs/seeded-defects.md is the contract).

Each ``spoil_*`` function takes a clean row in stored form, makes exactly one thing wrong with
it, and returns the field it spoiled (the manifest's ``field``). Everything else about the
record stays clean, so a rule pack finds this defect on it and nothing more.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.seed_places import BY_CODE, COUNTRIES, City, Country, national_format

Row = dict[str, Any]

#: Single-field defects per object; every one of them gets :func:`quota` records.
ACCOUNT_KINDS = ("missing_country", "invalid_phone", "unnormalised_phone", "invalid_url",
                 "noncanonical_country", "unknown_country", "noncanonical_state",
                 "untidy_whitespace")
CONTACT_KINDS = ("missing_contact_point", "invalid_email", "invalid_phone",
                 "unnormalised_phone", "noncanonical_country", "noncanonical_state",
                 "bad_name_case", "untouched_contact")
LEAD_KINDS = ("missing_company", "invalid_email", "invalid_phone", "unnormalised_phone",
              "noncanonical_country", "noncanonical_state", "bad_name_case")
OPPORTUNITY_KINDS = ("missing_amount", "past_close_date", "probability_mismatch",
                     "stale_open_deal", "stage_jump_without_notes", "reopened_without_notes")

#: Misspelt or abbreviated country names a fuzzy or alias match repairs, by country code.
NONCANONICAL_COUNTRIES = {"US": ("Untied States", "USA"), "GB": ("U.K.", "Untied Kingdom"),
                          "DE": ("Germny",), "FR": ("Frnace",), "CA": ("Canda",)}
UNKNOWN_COUNTRIES = ("Atlantis", "Narnia", "Elbonia")
#: State values that name a state without being its code: (value, country code, city name).
NONCANONICAL_STATES = (("Calif.", "US", "San Francisco"), ("California", "US", "San Francisco"),
                       ("N.Y.", "US", "New York"), ("New York", "US", "New York"),
                       ("Texas", "US", "Austin"), ("Ontario", "CA", "Toronto"),
                       ("British Columbia", "CA", "Vancouver"))
INVALID_PHONES = ("12", "call me", "12345", "ask reception")
#: Kinds that decide where the record is (the clean address must suit the defect).
PLACED_KINDS = frozenset({"noncanonical_state", "noncanonical_country", "unknown_country",
                          "missing_country"})


def quota(size: int, per_2000: float = 2.0) -> int:
    """How many records carry each kind of defect: at least 2, growing with the org."""
    return max(2, round(per_2000 * size / 2000))


def placement(kind: str, rng: random.Random) -> tuple[Country, City | None, str | None]:
    """Where a record spoiled with ``kind`` must be, and the bad value to write there.

    noncanonical_state needs a US/Canadian city; the country defects keep away from the US and
    Canada (so no state is expected of a record whose country is wrong or missing), except the
    misspelt "Untied States" / "USA", which keep their clean 2-letter state.
    """
    if kind == "noncanonical_state":
        value, code, city_name = rng.choice(NONCANONICAL_STATES)
        country = BY_CODE[code]
        city = next(c for c in country.cities if c.name == city_name)
        return country, city, value
    if kind == "noncanonical_country":
        code = rng.choice(sorted(NONCANONICAL_COUNTRIES))
        return BY_CODE[code], None, rng.choice(NONCANONICAL_COUNTRIES[code])
    if kind in ("unknown_country", "missing_country"):
        country = rng.choice([c for c in COUNTRIES if c.code in ("GB", "DE", "FR")])
        return country, None, rng.choice(UNKNOWN_COUNTRIES) if kind == "unknown_country" else None
    return rng.choice(COUNTRIES), None, None


def spoil_address(row: Row, kind: str, fields: Mapping[str, str], value: str | None) -> str:
    """Country/state defects. ``fields`` maps "country"/"state" to the object's field names."""
    if kind == "noncanonical_state":
        row[fields["state"]] = value
        return fields["state"]
    if kind == "missing_country":
        row[fields["country"]] = None
        row[fields["state"]] = None
        return fields["country"]
    row[fields["country"]] = value
    return fields["country"]


def spoil_phone(row: Row, kind: str, rng: random.Random) -> str:
    if kind == "invalid_phone":
        row["Phone"] = rng.choice(INVALID_PHONES)
    else:
        row["Phone"] = national_format(row["Phone"])
    return "Phone"


def spoil_email(row: Row, rng: random.Random) -> str:
    local, _, domain = str(row["Email"]).partition("@")
    first = local.split(".")[0]
    brand = domain.split(".")[0].split("-")[0]
    row["Email"] = rng.choice((f"{local}@@{domain}", f"{first} at {domain}", f"{first}@{brand}"))
    return "Email"


def spoil_name_case(row: Row, rng: random.Random) -> str:
    """Shout the first name or whisper the last one ("JOHN", "smith")."""
    if rng.random() < 0.5:
        row["FirstName"] = str(row["FirstName"]).upper()
        spoiled = "FirstName"
    else:
        row["LastName"] = str(row["LastName"]).lower()
        spoiled = "LastName"
    row["Name"] = f"{row['FirstName']} {row['LastName']}"
    return spoiled


def spoil_whitespace(row: Row, rng: random.Random) -> str:
    name = str(row["Name"])
    words = name.split(" ")
    if len(words) > 1 and rng.random() < 0.6:
        gap = rng.randrange(1, len(words))
        name = " ".join(words[:gap]) + "  " + " ".join(words[gap:]) + " "
    else:
        name = " " + name + "  "
    row["Name"] = name
    return "Name"


def spoil_url(row: Row, brand: str, rng: random.Random) -> str:
    slug = brand.lower()
    row["Website"] = rng.choice((f"htp//{slug}", f"www {slug} com"))
    return "Website"


def simple_name(first: str, last: str) -> bool:
    """A name whose upper/lower-case spoiling has one obvious fix (no O'Brien, McDonald, Zoë)."""
    text = first + last
    return text.isascii() and text.isalpha() and not last.startswith(("Mc", "Mac"))


def pick_indices(rng: random.Random, total: int, demands: Sequence[tuple[str, int]],
                 ) -> dict[int, str]:
    """Distinct record positions for each (role, count), drawn from ``range(total)``."""
    wanted = sum(count for _, count in demands)
    if wanted > total:
        raise ValueError(f"cannot plant {wanted} roles among {total} records")
    positions = rng.sample(range(total), wanted)
    roles: dict[int, str] = {}
    cursor = 0
    for role, count in demands:
        for position in positions[cursor:cursor + count]:
            roles[position] = role
        cursor += count
    return roles
