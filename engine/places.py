"""Countries and US/Canadian states as Salesforce's country and state picklists spell them.

Countries are ISO 3166 short names from pycountry (``"United States"``, ``"United Kingdom"``),
with the alpha-2/alpha-3 codes, official names and a few everyday names as aliases. States are
the ISO 3166-2 codes without the country prefix (``"CA"``, ``"ON"``), with the subdivision names
and the traditional postal abbreviations (``"Calif."``, ``"Ont."``) as aliases.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from engine.canon import Scorer, Vocabulary

#: Names people write that pycountry does not list as a name or code.
EVERYDAY_COUNTRY_NAMES: dict[str, str] = {
    "UK": "United Kingdom", "Great Britain": "United Kingdom", "Britain": "United Kingdom",
    "U.S.": "United States", "U.S.A.": "United States", "America": "United States",
    "United States of America": "United States", "Deutschland": "Germany",
    "Holland": "Netherlands", "The Netherlands": "Netherlands", "South Korea": "Korea, Republic of",
    "Russia": "Russian Federation", "Vietnam": "Viet Nam", "Czech Republic": "Czechia",
}

#: Abbreviations from style guides and old address books (AP style, Canada Post's older forms).
TRADITIONAL_STATE_ABBREVIATIONS: dict[str, dict[str, str]] = {
    "US": {
        "Ala.": "AL", "Ariz.": "AZ", "Ark.": "AR", "Calif.": "CA", "Cal.": "CA", "Colo.": "CO",
        "Conn.": "CT", "Del.": "DE", "Fla.": "FL", "Ga.": "GA", "Ill.": "IL", "Ind.": "IN",
        "Kan.": "KS", "Kans.": "KS", "Ky.": "KY", "La.": "LA", "Md.": "MD", "Mass.": "MA",
        "Mich.": "MI", "Minn.": "MN", "Miss.": "MS", "Mo.": "MO", "Mont.": "MT", "Neb.": "NE",
        "Nebr.": "NE", "Nev.": "NV", "N.H.": "NH", "N.J.": "NJ", "N.M.": "NM", "N.Y.": "NY",
        "N.C.": "NC", "N.D.": "ND", "Okla.": "OK", "Ore.": "OR", "Oreg.": "OR", "Pa.": "PA",
        "Penn.": "PA", "R.I.": "RI", "S.C.": "SC", "S.D.": "SD", "Tenn.": "TN", "Tex.": "TX",
        "Vt.": "VT", "Va.": "VA", "Wash.": "WA", "W.Va.": "WV", "Wis.": "WI", "Wisc.": "WI",
        "Wyo.": "WY", "D.C.": "DC", "Washington D.C.": "DC",
    },
    "CA": {
        "Alta.": "AB", "B.C.": "BC", "Man.": "MB", "N.B.": "NB", "Nfld.": "NL", "N.S.": "NS",
        "N.W.T.": "NT", "Ont.": "ON", "P.E.I.": "PE", "Que.": "QC", "Sask.": "SK", "Y.T.": "YT",
        "Newfoundland": "NL", "Quebec": "QC",
    },
}


@lru_cache(maxsize=1)
def country_names() -> tuple[str, ...]:
    return tuple(sorted(country.name for country in pycountry.countries))


@lru_cache(maxsize=1)
def country_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("alpha_2", "alpha_3", "official_name", "common_name"):
            alias = getattr(country, attribute, None)
            if alias:
                aliases[alias] = country.name
    aliases.update(EVERYDAY_COUNTRY_NAMES)
    return aliases


@lru_cache(maxsize=1)
def _alpha2_by_name() -> dict[str, str]:
    return {country.name: country.alpha_2 for country in pycountry.countries}


def alpha2_of(country_name: str) -> str | None:
    """The ISO alpha-2 code of a canonical country name (``"United States"`` -> ``"US"``)."""
    return _alpha2_by_name().get(country_name)


@lru_cache(maxsize=64)
def country_vocabulary(threshold: float = 90.0, scorer: Scorer = "ratio") -> Vocabulary:
    return Vocabulary(country_names(), country_aliases(), threshold=threshold, scorer=scorer)


def subdivision_codes(alpha2: str) -> dict[str, str]:
    """``{"CA": "California", ...}`` for one country."""
    subdivisions = pycountry.subdivisions.get(country_code=alpha2) or []
    return {sub.code.split("-", 1)[1]: sub.name for sub in subdivisions}


def known_country_code(alpha2: str) -> bool:
    return pycountry.countries.get(alpha_2=alpha2) is not None
