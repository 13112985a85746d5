"""Phone numbers: is it one, and what is it in E.164 (``+14155550123``)?

phonenumbers does the real work, at ~15 µs a number. Most stored numbers are already in
E.164, so those take a fast path that applies the same length test as phonenumbers'
``is_possible_number`` from its metadata, without parsing; anything else is parsed (cached).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumberFormat


@lru_cache(maxsize=1)
def _national_shapes() -> dict[str, tuple[frozenset[int], str | None]]:
    """Country calling code -> (possible national lengths, trunk prefix pattern).

    As phonenumbers' ``is_possible_number`` decides: by the calling code's main region (RU for
    +7), counting numbers only dialable locally. A national number that starts with the trunk
    prefix ("+44 0 20...") is not E.164 yet: phonenumbers drops the prefix when it parses.
    """
    shapes: dict[str, tuple[frozenset[int], str | None]] = {}
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        main = regions[0]
        metadata = (PhoneMetadata.metadata_for_nongeo_region(code) if main == "001"
                    else PhoneMetadata.metadata_for_region(main))
        if metadata is None or metadata.general_desc is None:
            continue
        possible = set(metadata.general_desc.possible_length or ())
        possible.update(metadata.general_desc.possible_length_local_only or ())
        if possible:
            trunk = metadata.national_prefix_for_parsing or metadata.national_prefix
            shapes[str(code)] = (frozenset(possible), trunk)
    return shapes


@lru_cache(maxsize=1)
def _possible_e164() -> re.Pattern[str]:
    """One pattern for every calling code and its possible national lengths: a single match."""
    branches = []
    for code, (lengths, trunk) in sorted(_national_shapes().items()):
        sizes = "|".join(f"[0-9]{{{size}}}" for size in sorted(lengths))
        # Numbers starting like a trunk prefix take the slow path, where phonenumbers decides.
        not_trunk = f"(?!(?:{trunk}))" if trunk else ""
        branches.append(f"{code}{not_trunk}(?:{sizes})")
    return re.compile(r"\+(?:" + "|".join(branches) + ")")


def looks_e164(text: str) -> bool:
    """Already in E.164 with a known country code and a possible length."""
    return _possible_e164().fullmatch(text) is not None


@lru_cache(maxsize=65536)
def parse(text: str, region: str | None, strict: bool = False) -> phonenumbers.PhoneNumber | None:
    """The number, or None if it is not one.

    ``strict``: valid for its region (assigned ranges), not only possible (a plausible length).
    """
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)
    return number if ok else None


def is_phone(text: str, region: str | None, strict: bool = False) -> bool:
    if not strict and looks_e164(text):
        return True
    return parse(text, region, strict) is not None


def to_e164(text: str, region: str | None) -> str | None:
    """``"(415) 555-0123"`` -> ``"+14155550123"`` (region US); None when it is not a number."""
    if looks_e164(text):
        return text
    number = parse(text, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
