"""A pair's score: the weighted mean similarity of the comparisons present on both sides.

A field empty on either side is left out of the mean (its weight too), so missing values are
neither rewarded nor punished. A pair with less than ``min_compared_weight`` of evidence is not
judged, and a ``required`` comparison that disagrees vetoes the pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.duplicates.config import Comparison, Kind, Matcher, Scorer
from engine.duplicates.normalise.nicknames import are_nicknames
from engine.duplicates.prepare import Column, Table, Variant
from engine.duplicates.result import FieldScore, Pair, Verdict
from engine.duplicates.scorers import company_similarities, email_similarities, similarities

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
    for index, comparison in enumerate(comparisons):
        column = table.columns[comparison.name]
        sim[:, index], present[:, index] = _column_similarity(table, column, a, b)
        if comparison.kind is Kind.FIRST_NAME:
            nickname[:, index] = _raise_nicknames(comparison, column, a, b, sim[:, index],
                                                  present[:, index])
    position = {comparison.name: index for index, comparison in enumerate(comparisons)}
    for index, comparison in enumerate(comparisons):
        if comparison.swap_with is not None:
            other = position[comparison.swap_with]
            _apply_swap(table, comparisons, index, other, a, b, sim, present, swapped)

    for index, comparison in enumerate(comparisons):
        if comparison.floor > 0:
            column = sim[:, index]
            column[column < comparison.floor] = 0.0

    weights = np.array([c.weight for c in comparisons], dtype=np.float32)
    compared = present @ weights
    total = (np.where(present, sim, 0.0)) @ weights
    score = np.divide(total, compared, out=np.zeros(n, dtype=np.float32), where=compared > 0)
    accepted = (compared > 0) & (compared >= matcher.min_compared_weight)
    accepted &= score >= matcher.threshold
    for index, comparison in enumerate(comparisons):
        if comparison.required:
            accepted &= ~(present[:, index] & (sim[:, index] < comparison.agree))
    keep = np.flatnonzero(accepted)
    return Scored(a[keep], b[keep], score[keep], sim[keep], present[keep], nickname[keep],
                  swapped[keep])


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
    x, y = left.text[a], right.text[b]
    present = (x != "") & (y != "")
    sim = np.zeros(len(a), dtype=np.float32)
    rows = np.flatnonzero(present)
    if len(rows) == 0:
        return sim, present
    x, y = x[rows], y[rows]
    scorer = comparison.effective_scorer
    if scorer is Scorer.EMAIL:
        assert left.domain is not None and right.domain is not None
        assert left.free is not None and right.free is not None
        sim[rows] = email_similarities(
            x, y, left.domain[a[rows]], right.domain[b[rows]], left.free[a[rows]],
            right.free[b[rows]],
        )
    elif scorer is Scorer.WEIGHTED_TOKENS:
        assert table.token_weights is not None
        sim[rows] = company_similarities(x, y, table.token_weights)
    else:
        sim[rows] = similarities(scorer, x, y)
    return sim, present


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
    text = column.variants[0].text
    cache: dict[tuple[str, str], bool] = {}
    for row, x, y in zip(rows.tolist(), text[a[rows]].tolist(), text[b[rows]].tolist(),
                         strict=True):
        key = (x, y)
        related = cache.get(key)
        if related is None:
            related = cache[key] = are_nicknames(x, y)
        if related:
            flags[row] = True
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


# --- explanation ----------------------------------------------------------------------------


def explain_pairs(table: Table, matcher: Matcher, scored: Scored) -> list[Pair]:
    """A :class:`Pair` (with every field's similarity, weight and verdict) per accepted pair."""
    comparisons = matcher.comparisons
    ids = table.ids
    texts = [table.columns[c.name].variants for c in comparisons]
    pairs: list[Pair] = []
    for row in range(len(scored.a)):
        ia, ib = int(scored.a[row]), int(scored.b[row])
        fields = []
        for index, comparison in enumerate(comparisons):
            variants = texts[index]
            value_a = _first_value(variants, ia)
            value_b = _first_value(variants, ib)
            if not scored.present[row, index]:
                fields.append(FieldScore(comparison.name, _labels(comparison, table), value_a,
                                         value_b, None, comparison.weight, Verdict.MISSING))
                continue
            similarity = float(scored.sim[row, index])
            verdict = Verdict.AGREED if similarity >= comparison.agree else Verdict.DIFFERED
            note = _note(table, comparison, variants, ia, ib, bool(scored.nickname[row, index]),
                         bool(scored.swapped[row, index]))
            fields.append(FieldScore(comparison.name, _labels(comparison, table), value_a,
                                     value_b, round(similarity, 4), comparison.weight, verdict,
                                     note))
        pairs.append(Pair(str(ids[ia]), str(ids[ib]), round(float(scored.score[row]), 4),
                          tuple(fields)))
    return pairs


def _labels(comparison: Comparison, table: Table) -> tuple[str, ...]:
    if table.has_against and comparison.against_fields:
        own = comparison.fields
        other = [f for f in comparison.against_fields if f not in own]
        return tuple(own + other)
    return tuple(comparison.fields)


def _first_value(variants: tuple[Variant, ...], row: int) -> str:
    for variant in variants:
        value = variant.text[row]
        if value:
            if variant.domain is not None:
                return f"{value}@{variant.domain[row]}"
            return str(value)
    return ""


def _note(
    table: Table,
    comparison: Comparison,
    variants: tuple[Variant, ...],
    ia: int,
    ib: int,
    nickname: bool,
    swapped: bool,
) -> str:
    if swapped:
        return f"read swapped with {comparison.swap_with}"
    if nickname:
        return "nickname"
    if comparison.kind is Kind.EMAIL:
        variant = variants[0]
        assert variant.domain is not None and variant.free is not None
        if variant.free[ia] or variant.free[ib]:
            return "free-mail domain not counted"
        if variant.domain[ia] == variant.domain[ib]:
            return "same organisation domain"
        return "different organisation domains"
    if comparison.kind is Kind.COMPANY and table.token_weights is not None:
        words = sorted(
            {w for w in (*_first_value(variants, ia).split(), *_first_value(variants, ib).split())
             if table.token_weights.why_generic(w)}
        )
        if words:
            return "generic words weighted down: " + ", ".join(words)
    return ""
