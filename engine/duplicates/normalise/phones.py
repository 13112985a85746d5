"""Phone numbers in E.164 ("+14155550123"), so "(415) 555-0123" and "+1 415 555 0123" are equal.

Numbers without a country code are read in the configured default region. Parsing with
libphonenumber costs ~25 µs, so numbers already written in E.164 skip it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_DIGITS = re.compile(r"\D+")
# North American numbers written nationally, "(415) 555-0123": the commonest non-E.164 form in
# a US org, recognised without libphonenumber (same result, a fraction of the time).
_NANP_REGIONS = frozenset({"US", "CA"})
_NANP = re.compile(r"(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})")


@lru_cache(maxsize=1 << 18)
def to_e164(raw: str, region: str = "US") -> str:
    """The number in E.164, or the bare digits when it cannot be parsed, or ``""`` when empty.

    Falling back to digits (rather than dropping the value) keeps a badly typed number usable
    as evidence: two records sharing "555 0123 ext" still share it.
    """
    if not raw:
        return ""
    text = raw.strip()
    if _E164.fullmatch(text):
        return text
    if region in _NANP_REGIONS:
        national = _NANP.fullmatch(text)
        if national:
            return "+1" + "".join(national.groups())
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return _DIGITS.sub("", text)
    if not phonenumbers.is_possible_number(parsed):
        return _DIGITS.sub("", text)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def tail(e164: str, digits: int = 7) -> str:
    """The last digits of a number: a blocking key that survives country-code and prefix typos."""
    only = _DIGITS.sub("", e164)
    return only[-digits:] if len(only) >= digits else ""
