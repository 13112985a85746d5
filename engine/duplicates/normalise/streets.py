"""Street lines with their abbreviations spelt one way: "12 Main St." and "12 Main Street" agree.

Each word is mapped to the USPS-style short form (Street → st, Avenue → ave, Apartment → apt),
so both spellings meet in the middle. Australian and British forms (Crescent, Parade, Close)
are included because the Febrl benchmark and UK orgs use them.
"""

from __future__ import annotations

from functools import lru_cache

from engine.duplicates.normalise.text import fold

_FORMS: dict[str, tuple[str, ...]] = {
    "st": ("street", "str", "strt"),
    "ave": ("avenue", "av", "avn", "aven", "avenu"),
    "rd": ("road",),
    "blvd": ("boulevard", "boul", "boulv"),
    "dr": ("drive", "drv", "driv"),
    "ln": ("lane",),
    "ct": ("court", "crt"),
    "pl": ("place", "plc"),
    "sq": ("square",),
    "ter": ("terrace", "terr", "tce"),
    "pkwy": ("parkway", "pky", "parkwy"),
    "hwy": ("highway", "hiway", "hwway"),
    "cres": ("crescent", "cresent", "cr", "crsnt"),
    "cir": ("circle", "circ", "crcl"),
    "pde": ("parade",),
    "cl": ("close",),
    "gr": ("grove",),
    "esp": ("esplanade",),
    "mt": ("mount", "mountain"),
    "ctr": ("center", "centre", "cntr"),
    "expy": ("expressway", "exp", "expr"),
    "fwy": ("freeway", "frwy"),
    "way": ("wy",),
    "aly": ("alley", "ally"),
    "apt": ("apartment", "appt"),
    "ste": ("suite",),
    "fl": ("floor", "flr"),
    "bldg": ("building", "bld"),
    "unit": ("u",),
    "n": ("north",),
    "s": ("south",),
    "e": ("east",),
    "w": ("west",),
    "ne": ("northeast",),
    "nw": ("northwest",),
    "se": ("southeast",),
    "sw": ("southwest",),
}

SHORT_FORM: dict[str, str] = {long: short for short, longs in _FORMS.items() for long in longs}


@lru_cache(maxsize=1 << 18)
def normalise_street(raw: str) -> str:
    """``"12 Main Street, Apartment 4"`` → ``"12 main st apt 4"``; lines joined by a space."""
    words = fold(raw).split()
    return " ".join(SHORT_FORM.get(word, word) for word in words)


def house_numbers(normalised: str) -> str:
    """The numbers of a normalised street line, in order: ``"12 main st apt 4"`` → ``"12 4"``.

    Two addresses on one street with different numbers are neighbours, not one address.
    """
    return " ".join(word for word in normalised.split() if any(ch.isdigit() for ch in word))
