"""A pair's score: the weighted mean similarity of the comparisons present on both sides.

A field empty on either side is left out of the mean (its weight too), so missing values are
neither rewarded nor punished. A similarity under the comparison's ``floor`` counts as 0, and
its weight slides from ``differ_weight`` (values differ) to ``weight`` (values agree). A pair
with less than ``min_compared_weight`` of evidence is not judged, and a ``required``
comparison that disagrees vetoes the pair.

Everything runs on arrays of candidate pairs: rapidfuzz ``cpdist`` for string similarity, and
Python only once per distinct pair of values where a scorer needs it (company names,
nicknames), and only for pairs that could still reach the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from engine.duplicates.config import Comparison, Kind, Matcher, Scorer
from engine.duplicates.normalise.nicknames import are_nicknames
from engine.duplicates.prepare import Column, Table, Variant
from engine.duplicates.scorers import (
    cap_other_numbers,
    email_similarities,
    similarities,
    weighted_token_similarity,
)

# Pairs scored at a time: bounds memory on very large candidate sets.
_CHUNK = 2_000_000
# Swapped names must beat the direct reading by this much (sum of two similarities).
_SWAP_MARGIN = 0.2


@dataclass(slots=True)
class Scored:
    """The accepted pairs of a batch, with what it takes to explain each."""

    a: np.ndarray
    b: np.ndarray
    score: np.ndarray
    sim: np.ndarray  # (pairs, comparisons) float32
    present: np.ndarray  # (pairs, comparisons) bool
    nickname: np.ndarray  # (pairs, comparisons) bool: similarity raised by a nickname match
    swapped: np.ndarray  # (pairs, comparisons) bool: read against the swap partner's value


def score_pairs(table: Table, matcher: Matcher, a: np.ndarray, b: np.ndarray) -> Scored:
    """Score candidate pairs and keep those that are duplicates."""
    parts = [
        _score_chunk(table, matcher, a[start : start + _CHUNK], b[start : start + _CHUNK])
        for start in range(0, max(len(a), 1), _CHUNK)
    ]
    return Scored(*(np.concatenate([getattr(p, name) for p in parts]) for name in Scored.__slots__))


def _score_chunk(table: Table, matcher: Matcher, a: np.ndarray, b: np.ndarray) -> Scored:
    comparisons = matcher.comparisons
    n, k = len(a), len(comparisons)
    sim = np.zeros((n, k), dtype=np.float32)
    present = np.zeros((n, k), dtype=bool)
    nickname = np.zeros((n, k), dtype=bool)
    swapped = np.zeros((n, k), dtype=bool)
    deferred = _deferred(comparisons)
    for index, comparison in enumerate(comparisons):
        column = table.columns[comparison.name]
        if index in deferred:
            present[:, index] = _column_present(column, a, b)
            continue
        sim[:, index], present[:, index] = _column_similarity(table, column, a, b)
        if comparison.kind is Kind.FIRST_NAME:
            nickname[:, index] = _raise_nicknames(comparison, column, a, b, sim[:, index],
                                                  present[:, index])
    position = {comparison.name: index for index, comparison in enumerate(comparisons)}
    for index, comparison in enumerate(comparisons):
        if comparison.swap_with is not None:
            other = position[comparison.swap_with]
            _apply_swap(table, comparisons, index, other, a, b, sim, present, swapped)
    _apply_floors(comparisons, sim, range(k))

    weights = np.array([c.weight for c in comparisons], dtype=np.float32)
    at_zero = np.array([c.weight_at_zero for c in comparisons], dtype=np.float32)
    if deferred:
        # The costly comparisons run only where they could still lift the pair over the
        # threshold: with them all agreeing (similarity 1) the score is at its highest.
        sim[:, deferred] = 1.0
        promising = np.flatnonzero(_score(sim, present, weights, at_zero) >= matcher.threshold)
        sim[:, deferred] = 0.0
        for index in deferred:
            column = table.columns[comparisons[index].name]
            sim[promising, index], _ = _column_similarity(table, column, a[promising],
                                                          b[promising])
        _apply_floors(comparisons, sim, deferred)

    score = _score(sim, present, weights, at_zero)
    compared = present @ weights
    accepted = (compared > 0) & (compared >= matcher.min_compared_weight)
    accepted &= score >= matcher.threshold
    for index, comparison in enumerate(comparisons):
        if comparison.required:
            accepted &= ~(present[:, index] & (sim[:, index] < comparison.agree))
    keep = np.flatnonzero(accepted)
    return Scored(a[keep], b[keep], score[keep], sim[keep], present[keep], nickname[keep],
                  swapped[keep])


def _score(sim: np.ndarray, present: np.ndarray, weights: np.ndarray,
           at_zero: np.ndarray) -> np.ndarray:
    """Weighted mean similarity over the comparisons present on both sides; each weight slides
    from its ``differ_weight`` (similarity 0) to its ``weight`` (similarity 1)."""
    counted = np.where(present, at_zero + (weights - at_zero) * sim, 0.0)
    total = (counted * sim).sum(axis=1)
    denominator = counted.sum(axis=1)
    return np.divide(total, denominator, out=np.zeros(len(sim), dtype=np.float32),
                     where=denominator > 0)


def _deferred(comparisons: list[Comparison]) -> list[int]:
    """Comparisons scored in Python per distinct pair (company names), left for last."""
    swapping = {c.name for c in comparisons if c.swap_with} | {
        c.swap_with for c in comparisons if c.swap_with
    }
    return [
        index for index, comparison in enumerate(comparisons)
        if comparison.effective_scorer is Scorer.WEIGHTED_TOKENS
        and comparison.name not in swapping
    ]


def _apply_floors(comparisons: list[Comparison], sim: np.ndarray, indexes: Iterable[int]) -> None:
    for index in indexes:
        floor = comparisons[index].floor
        if floor > 0:
            column = sim[:, index]
            column[column < floor] = 0.0


def _column_present(column: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    present = np.zeros(len(a), dtype=bool)
    for left in column.variants:
        for right in column.variants:
            present |= left.has[a] & right.has[b]
    return present


def _column_similarity(
    table: Table, column: Column, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best similarity over the column's variant combinations, and whether any was comparable."""
    best = np.zeros(len(a), dtype=np.float32)
    present = np.zeros(len(a), dtype=bool)
    for left in column.variants:
        for right in column.variants:
            sim, here = _variant_similarity(table, column.comparison, left, right, a, b)
            best = np.maximum(best, np.where(here, sim, 0.0))
            present |= here
    return best, present


def _variant_similarity(
    table: Table,
    comparison: Comparison,
    left: Variant,
    right: Variant,
    a: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    present = left.has[a] & right.has[b]
    sim = np.zeros(len(a), dtype=np.float32)
    rows = np.flatnonzero(present)
    if len(rows) == 0:
        return sim, present
    ia, ib = a[rows], b[rows]
    scorer = comparison.effective_scorer
    if scorer is Scorer.EMAIL:
        assert left.domain is not None and right.domain is not None
        assert left.free is not None and right.free is not None
        sim[rows] = email_similarities(
            left.text[ia], right.text[ib], left.domain[ia], right.domain[ib], left.free[ia],
            right.free[ib],
            None if left.digits is None else left.digits[ia],
            None if right.digits is None else right.digits[ib],
        )
    elif scorer is Scorer.WEIGHTED_TOKENS:
        weights = table.token_weights
        assert weights is not None
        sim[rows] = per_distinct_pair(
            left, right, ia, ib, lambda x, y: weighted_token_similarity(x, y, weights)
        )
    elif left.sorted_text is not None and right.sorted_text is not None:
        # token_sort_ratio is ratio over the sorted words, sorted once in prepare.
        part = similarities(Scorer.RATIO, left.sorted_text[ia], right.sorted_text[ib])
        if comparison.kind is Kind.STREET and left.digits is not None and right.digits is not None:
            cap_other_numbers(part, left.digits[ia], right.digits[ib])
        sim[rows] = part
    else:
        part = similarities(scorer, left.text[ia], right.text[ib])
        if comparison.kind is Kind.STREET and left.digits is not None and right.digits is not None:
            cap_other_numbers(part, left.digits[ia], right.digits[ib])
        sim[rows] = part
    return sim, present


def per_distinct_pair(
    left: Variant,
    right: Variant,
    ia: np.ndarray,
    ib: np.ndarray,
    function: Callable[[str, str], float],
) -> np.ndarray:
    """``function`` over pairs of rows, computed once per distinct pair of values: a million
    candidate pairs of contacts hold far fewer distinct pairs of company names."""
    width = max(len(right.values), 1)
    keys = left.codes[ia] * width + right.codes[ib]
    distinct, inverse = np.unique(keys, return_inverse=True)
    results = np.fromiter(
        (function(left.values[key // width], right.values[key % width])
         for key in distinct.tolist()),
        dtype=np.float32, count=len(distinct),
    )
    return results[inverse]


def _raise_nicknames(
    comparison: Comparison,
    column: Column,
    a: np.ndarray,
    b: np.ndarray,
    sim: np.ndarray,
    present: np.ndarray,
) -> np.ndarray:
    """Bob against Robert: raise the similarity to ``nickname_similarity``. Returns the flags."""
    flags = np.zeros(len(a), dtype=bool)
    rows = np.flatnonzero(present & (sim < comparison.nickname_similarity))
    if len(rows) == 0:
        return flags
    variant = column.variants[0]
    related = per_distinct_pair(variant, variant, a[rows], b[rows],
                                lambda x, y: 1.0 if are_nicknames(x, y) else 0.0)
    flags[rows[related > 0]] = True
    sim[flags] = comparison.nickname_similarity
    return flags


def _apply_swap(
    table: Table,
    comparisons: list[Comparison],
    first: int,
    second: int,
    a: np.ndarray,
    b: np.ndarray,
    sim: np.ndarray,
    present: np.ndarray,
    swapped: np.ndarray,
) -> None:
    """Given name and surname typed into each other's boxes: take the better reading."""
    one, two = comparisons[first], comparisons[second]
    doubtful = np.flatnonzero(
        (sim[:, first] < one.agree) | (sim[:, second] < two.agree)
    )
    if len(doubtful) == 0:
        return
    col_one = table.columns[one.name].variants[0]
    col_two = table.columns[two.name].variants[0]
    rows_a, rows_b = a[doubtful], b[doubtful]
    cross_one, here_one = _variant_similarity(table, one, col_one, col_two, rows_a, rows_b)
    cross_two, here_two = _variant_similarity(table, two, col_two, col_one, rows_a, rows_b)
    direct = sim[doubtful, first] + sim[doubtful, second]
    better = here_one & here_two & (cross_one + cross_two > direct + _SWAP_MARGIN)
    rows = doubtful[better]
    sim[rows, first], sim[rows, second] = cross_one[better], cross_two[better]
    present[rows, first] = present[rows, second] = True
    swapped[rows, first] = swapped[rows, second] = True
