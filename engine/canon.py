"""Matching a typed value to an allowed vocabulary: exact, by alias, by shape, or fuzzily.

``"United States"`` is exact; ``"USA"`` is an alias; ``"united states."`` matches once case and
punctuation are set aside; ``"Untied States"`` matches fuzzily (rapidfuzz) when its score reaches
the threshold, and ``"Frnace"`` when it is one typing slip (a letter missing, extra or wrong, or
two letters swapped) from exactly one allowed value. Otherwise there is no match, only the
nearest candidates to name in a finding. Short aliases (codes such as ``US``, ``GBR``) only
ever match exactly, and values shorter than four letters are never repaired: fuzzy matching on
two or three letters guesses. Results are cached per distinct value:
real data repeats a few values many times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

Scorer = Literal["ratio", "wratio", "token_sort_ratio", "partial_ratio"]
_SCORERS = {"ratio": fuzz.ratio, "wratio": fuzz.WRatio, "token_sort_ratio": fuzz.token_sort_ratio,
            "partial_ratio": fuzz.partial_ratio}
_DROPPED = re.compile(r"[.'’]")
_SPACED = re.compile(r"[\s,;:/()&_-]+")
_CACHE_LIMIT = 50_000
#: aliases, and written values, shorter than this match exactly or not at all
FUZZY_MIN_LENGTH = 4
#: values shorter than this are not repaired by the one-slip rule
SLIP_MIN_LENGTH = 5


def match_key(text: str) -> str:
    """Case and punctuation set aside: ``"U.K."`` -> ``"uk"``, ``"N.Y."`` -> ``"ny"``."""
    return _SPACED.sub(" ", _DROPPED.sub("", text)).strip().casefold()


@dataclass(frozen=True, slots=True)
class Match:
    value: str
    #: the allowed value to use instead, or None when nothing is close enough
    canonical: str | None
    how: Literal["exact", "alias", "normalised", "fuzzy", "none"]
    score: float
    nearest: tuple[str, ...] = ()


class Vocabulary:
    """Allowed values plus aliases (alias -> allowed value), matched as described above."""

    def __init__(self, values: Iterable[str], aliases: Mapping[str, str] | None = None, *,
                 threshold: float = 90.0, scorer: Scorer = "ratio", nearest: int = 3,
                 max_edits: int = 1) -> None:
        self.values = frozenset(values)
        self.threshold = threshold
        self.nearest = nearest
        self.max_edits = max_edits
        self._scorer = _SCORERS[scorer]
        self._by_key: dict[str, str] = {}
        self._alias_keys: set[str] = set()
        for alias, canonical in (aliases or {}).items():
            self._by_key.setdefault(match_key(alias), canonical)
            self._alias_keys.add(match_key(alias))
        for value in sorted(self.values):
            key = match_key(value)
            self._by_key[key] = value  # a value's own spelling beats an alias with the same key
            self._alias_keys.discard(key)
        # Allowed values are all candidates; short aliases (codes: US, GBR) only match exactly.
        self._keys = [key for key in self._by_key
                      if key not in self._alias_keys or len(key) >= FUZZY_MIN_LENGTH]
        self._cache: dict[str, Match] = {}

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def match(self, value: str) -> Match:
        found = self._cache.get(value)
        if found is None:
            found = self._match(value)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[value] = found
        return found

    def _match(self, value: str) -> Match:
        if value in self.values:
            return Match(value, value, "exact", 100.0)
        key = match_key(value)
        canonical = self._by_key.get(key)
        if canonical is not None:
            how: Literal["alias", "normalised"] = (
                "alias" if key in self._alias_keys else "normalised")
            return Match(value, canonical, how, 100.0)
        if len(key) < FUZZY_MIN_LENGTH:
            return Match(value, None, "none", 0.0)
        candidates = process.extract(key, self._keys, scorer=self._scorer,
                                     limit=max(self.nearest * 3, 5))
        nearest: list[str] = []
        for candidate_key, _score, _index in candidates:
            canonical_value = self._by_key[candidate_key]
            if canonical_value not in nearest:
                nearest.append(canonical_value)
        shown = tuple(nearest[: self.nearest])
        if candidates and candidates[0][1] >= self.threshold:
            return Match(value, self._by_key[candidates[0][0]], "fuzzy", candidates[0][1], shown)
        slip = self._one_slip(key)
        if slip is not None:
            return Match(value, slip, "fuzzy", fuzz.ratio(key, match_key(slip)), shown)
        best = candidates[0][1] if candidates else 0.0
        return Match(value, None, "none", best, shown)

    def _one_slip(self, key: str) -> str | None:
        """The one allowed value within ``max_edits`` Damerau-Levenshtein edits, if unique."""
        if self.max_edits < 1 or len(key) < SLIP_MIN_LENGTH:
            return None
        close = process.extract(key, self._keys, scorer=DamerauLevenshtein.distance,
                                score_cutoff=self.max_edits, limit=None)
        targets = {self._by_key[candidate] for candidate, _distance, _index in close}
        return targets.pop() if len(targets) == 1 else None
