"""Legal-form suffixes removed from company names: "Acme Corp." and "ACME Corporation" are one name.

The list of legal forms (Inc, LLC, GmbH, Ltd, S.A., Pty Ltd, …, per country) is cleanco's, which
is maintained upstream; this module only folds what is left.
"""

from __future__ import annotations

from functools import lru_cache

from cleanco import basename

from engine.duplicates.normalise.text import fold

_LEADING_ARTICLES = ("the ",)


@lru_cache(maxsize=1 << 18)
def company_core(raw: str) -> str:
    """The company name without its legal form, folded: ``"The Acme Corp., Inc."`` → ``"acme"``."""
    if not raw or not raw.strip():
        return ""
    stripped = basename(raw)
    # cleanco leaves a trailing legal form when another one follows it ("Acme Corp., Inc.").
    again = basename(stripped)
    core = fold(again or stripped or raw)
    for article in _LEADING_ARTICLES:
        if core.startswith(article) and len(core) > len(article):
            core = core[len(article):]
    return core
