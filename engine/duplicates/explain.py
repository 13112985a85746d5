"""Accepted pairs explained: each comparison's values, similarity, weight, verdict and note."""

from __future__ import annotations

import numpy as np

from engine.duplicates.config import Comparison, Kind, Matcher
from engine.duplicates.prepare import Table, Variant
from engine.duplicates.result import FieldScore, Pair, Verdict
from engine.duplicates.scoring import Scored


def explain_pairs(table: Table, matcher: Matcher, scored: Scored) -> list[Pair]:
    """A :class:`Pair` (with every field's similarity, weight and verdict) per accepted pair."""
    comparisons = matcher.comparisons
    rows_a, rows_b = scored.a, scored.b
    count = len(rows_a)
    columns: list[list[FieldScore]] = []
    for index, comparison in enumerate(comparisons):
        variants = table.columns[comparison.name].variants
        labels = _labels(comparison, table)
        values_a = _shown_values(variants, rows_a)
        values_b = _shown_values(variants, rows_b)
        present = scored.present[:, index].tolist()
        similarity = scored.sim[:, index].tolist()
        notes = _notes(table, comparison, variants, scored, index, values_a, values_b)
        low, high = comparison.weight_at_zero, comparison.weight
        column = []
        for row in range(count):
            if not present[row]:
                column.append(FieldScore(comparison.name, labels, values_a[row], values_b[row],
                                         None, high, Verdict.MISSING))
                continue
            value = similarity[row]
            column.append(FieldScore(
                comparison.name, labels, values_a[row], values_b[row], round(value, 4),
                round(low + (high - low) * value, 4),
                Verdict.AGREED if value >= comparison.agree else Verdict.DIFFERED, notes[row],
            ))
        columns.append(column)
    ids_a = table.ids[rows_a].tolist()
    ids_b = table.ids[rows_b].tolist()
    scores = scored.score.tolist()
    return [
        Pair(str(ids_a[row]), str(ids_b[row]), round(scores[row], 4),
             tuple(column[row] for column in columns))
        for row in range(count)
    ]


def _shown_values(variants: tuple[Variant, ...], rows: np.ndarray) -> list[str]:
    """Each row's first non-empty variant, as compared (emails with their domain)."""
    shown = [""] * len(rows)
    for variant in reversed(variants):
        text = variant.text[rows].tolist()
        if variant.domain is not None:
            domains = variant.domain[rows].tolist()
            text = [f"{t}@{d}" if t else "" for t, d in zip(text, domains, strict=True)]
        shown = [t if t else s for t, s in zip(text, shown, strict=True)]
    return shown


def _notes(
    table: Table,
    comparison: Comparison,
    variants: tuple[Variant, ...],
    scored: Scored,
    index: int,
    values_a: list[str],
    values_b: list[str],
) -> list[str]:
    notes = [""] * len(values_a)
    if comparison.kind is Kind.EMAIL:
        variant = variants[0]
        assert variant.free is not None
        free = (variant.free[scored.a] | variant.free[scored.b]).tolist()
        for row, (x, y) in enumerate(zip(values_a, values_b, strict=True)):
            notes[row] = _email_note(x, y, free[row])
    elif comparison.kind is Kind.COMPANY and table.token_weights is not None:
        weights = table.token_weights
        for row, (x, y) in enumerate(zip(values_a, values_b, strict=True)):
            generic = sorted({w for w in (*x.split(), *y.split()) if weights.why_generic(w)})
            if generic:
                notes[row] = "generic words weighted down: " + ", ".join(generic)
    for row in np.flatnonzero(scored.nickname[:, index]).tolist():
        notes[row] = "nickname"
    for row in np.flatnonzero(scored.swapped[:, index]).tolist():
        notes[row] = f"read swapped with {comparison.swap_with}"
    return notes


def _email_note(address_a: str, address_b: str, free: bool) -> str:
    if address_a and address_a == address_b:
        return "same mailbox"
    if free:
        return "free-mail domain, not evidence"
    if address_a.rpartition("@")[2] == address_b.rpartition("@")[2]:
        return "same organisation domain"
    return "different domains"


def _labels(comparison: Comparison, table: Table) -> tuple[str, ...]:
    if table.has_against and comparison.against_fields:
        own = comparison.fields
        other = [f for f in comparison.against_fields if f not in own]
        return tuple(own + other)
    return tuple(comparison.fields)


