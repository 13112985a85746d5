"""Generic words in company names weighted down, so only the distinctive words decide.

"First National Bank" and "First Choice Bank" share "first" and "bank"; a plain string score
calls them a pair. Here "bank" is generic (it is on the shipped list, and in a bank's CRM it
would also be frequent), so the distinctive words — "national" against "choice" — decide.

A word is generic when it is on the shipped list or when it occurs in at least ``share`` of the
names being matched (document frequency) and in at least ``min_count`` of them. The data-driven
half catches what no list knows: "Traders" in a trading-desk CRM, a town name in a local one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Words that say what kind of organisation it is, not which one. Folded (lower case ASCII).
SHIPPED_GENERIC: frozenset[str] = frozenset({
    "and", "of", "the", "for", "de", "la", "le", "du", "des", "der", "und", "y", "et",
    "bank", "banking", "bancorp", "credit", "union", "savings", "trust", "financial", "finance",
    "capital", "investments", "investment", "insurance", "assurance", "securities",
    "group", "holding", "holdings", "partners", "partnership", "associates", "association",
    "company", "companies", "enterprise", "enterprises", "industries", "industry",
    "international", "intl", "global", "worldwide", "national", "american", "america",
    "solutions", "services", "service", "systems", "system", "technologies", "technology",
    "tech", "software", "consulting", "consultants", "management", "marketing", "media",
    "digital", "network", "networks", "communications", "logistics", "trading", "traders",
    "distribution", "products", "manufacturing", "supply", "supplies", "resources",
    "energy", "health", "healthcare", "medical", "pharma", "labs", "laboratories",
    "realty", "real", "estate", "properties", "property", "construction", "development",
    "ventures", "agency", "studio", "studios", "store", "stores", "shop", "foods", "food",
    "restaurant", "hotel", "hotels", "motors", "auto", "airlines", "bros", "brothers", "sons",
    "center", "centre", "institute", "foundation", "university", "college", "school",
})


@dataclass(frozen=True, slots=True)
class TokenWeights:
    """How much each word of a company name counts: 1.0, or ``generic_weight`` if generic."""

    generic: frozenset[str]
    generic_weight: float
    #: Words generic because they are frequent in this data set (a subset of ``generic``).
    frequent: frozenset[str] = field(default=frozenset())

    @classmethod
    def from_names(
        cls,
        names: Iterable[str],
        *,
        shipped: Iterable[str] = SHIPPED_GENERIC,
        share: float = 0.01,
        min_count: int = 5,
        generic_weight: float = 0.15,
    ) -> TokenWeights:
        """Weights from folded names: the shipped list plus the words frequent in ``names``."""
        document_frequency: Counter[str] = Counter()
        total = 0
        for name in names:
            if name:
                total += 1
                document_frequency.update(set(name.split()))
        floor = max(min_count, share * total)
        frequent = frozenset(word for word, count in document_frequency.items() if count >= floor)
        shipped_set = frozenset(shipped)
        return cls(shipped_set | frequent, generic_weight, frequent - shipped_set)

    def weight(self, word: str) -> float:
        return self.generic_weight if word in self.generic else 1.0

    def why_generic(self, word: str) -> str | None:
        if word in self.frequent:
            return "frequent in this data"
        if word in self.generic:
            return "shipped generic word"
        return None
