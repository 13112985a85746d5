"""Small codes compared as written: postcodes, dates of birth, websites, ID numbers."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from engine.duplicates.normalise.text import fold, fold_compact

_US_ZIP4 = re.compile(r"(\d{5})-?\d{4}")
_DATE_DIGITS = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:/*")


@lru_cache(maxsize=1 << 16)
def normalise_postcode(raw: str) -> str:
    """``"SW1A 1AA"`` → ``"sw1a1aa"``; US ZIP+4 keeps the five-digit ZIP."""
    if not raw:
        return ""
    text = raw.strip()
    zip4 = _US_ZIP4.fullmatch(text)
    if zip4:
        return zip4.group(1)
    return fold_compact(text)


def normalise_date(raw: object) -> str:
    """A date as ``YYYYMMDD`` (from ISO strings, ``YYYYMMDD``, ``date``/``datetime``), else ``""``.

    Digits rather than a date object so that a typo in one digit still scores as a near miss.
    """
    if raw is None or raw == "":
        return ""
    if isinstance(raw, datetime):
        return raw.strftime("%Y%m%d")
    if isinstance(raw, date):
        return raw.strftime("%Y%m%d")
    text = str(raw).strip()
    found = _DATE_DIGITS.match(text)
    if found:
        return "".join(found.groups())
    return re.sub(r"\D", "", text)


@lru_cache(maxsize=1 << 16)
def website_domain(raw: str) -> str:
    """``"https://www.Acme-Corp.com/about"`` → ``"acme-corp.com"``."""
    if not raw:
        return ""
    text = _SCHEME.sub("", raw.strip().lower())
    host = re.split(r"[/?#:\s]", text, maxsplit=1)[0]
    if host.startswith("www."):
        host = host[4:]
    return host.strip(".")


def normalise_identifier(raw: str) -> str:
    """An ID number (tax id, SSN, customer number) without spacing or punctuation."""
    return fold_compact(raw)


def normalise_text(raw: str) -> str:
    return fold(raw)
