"""Which records are compared at all: records sharing a cheap key, never all pairs.

Comparing every pair of a million contacts is 5·10¹¹ comparisons; comparing those that share a
phonetic name key, a phone tail, a postcode or an email domain is a few million. Several keys
are used side by side so that a typo in one field (which breaks one key) leaves the others.

A block larger than ``max_block_size`` is skipped (the key is too common there to mean
anything). Small blocks have all their pairs scored; larger ones are pre-filtered with
``rapidfuzz.process.cdist`` on all cores, with a score cutoff, on a short summary string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jellyfish
import numpy as np
from rapidfuzz import process

from engine.duplicates.config import Blocking, BlockingKey, KeyPart, Matcher, Transform
from engine.duplicates.prepare import Table
from engine.duplicates.scorers import rapidfuzz_scorer

# Blocks with fewer comparisons than this run cdist on one thread: starting the workers would
# cost more than the work.
_PARALLEL_FROM = 40_000


@dataclass(slots=True)
class KeyStats:
    name: str
    blocks: int = 0  # blocks with at least one candidate pair
    pairs: int = 0  # candidate pairs the key proposed (before de-duplication across keys)
    skipped_blocks: int = 0  # blocks over max_block_size
    skipped_records: int = 0


@dataclass(slots=True)
class Candidates:
    """Candidate pairs as two index arrays into the table, ``a < b`` (or ``a`` left, ``b``
    against when matching against another set)."""

    a: np.ndarray
    b: np.ndarray
    stats: list[KeyStats] = field(default_factory=list)


def candidate_pairs(table: Table, matcher: Matcher) -> Candidates:
    blocking = matcher.blocking
    signature = _signature(table, blocking)
    found: list[np.ndarray] = []
    stats: list[KeyStats] = []
    for key in blocking.key_list:
        key_stats = KeyStats(key.name)
        codes, rows = key_codes(table, key)
        key_signature = signature if key.prefilter else None
        for a, b in _pairs_in_blocks(table, blocking, codes, rows, key_signature, key_stats):
            found.append(_encode(a, b, table.size))
        stats.append(key_stats)
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, stats)
    unique = _sorted_unique(np.concatenate(found))
    return Candidates(unique // table.size, unique % table.size, stats)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for int64, by sorting: several times faster on millions of values."""
    if len(values) == 0:
        return values
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _encode(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    return a.astype(np.int64) * n + b.astype(np.int64)


# --- keys -----------------------------------------------------------------------------------


def _transform(part: KeyPart, table: Table) -> Callable[[str], str]:
    length = part.length or 1
    weights = table.token_weights
    match part.transform:
        case Transform.EXACT | Transform.DOMAIN | Transform.LOCAL_PART:
            return lambda value: value
        case Transform.METAPHONE:
            return jellyfish.metaphone
        case Transform.SOUNDEX:
            return lambda value: jellyfish.soundex(value) if value[:1].isalpha() else value
        case Transform.NYSIIS:
            return jellyfish.nysiis
        case Transform.PREFIX:
            return lambda value: value[:length]
        case Transform.TAIL:
            return lambda value: value[-length:] if len(value) >= length else ""
        case Transform.SORTED_TOKENS:
            return lambda value: " ".join(sorted(value.split()))
        case Transform.YEAR:
            return lambda value: value[:4] if len(value) >= 4 else ""
        case Transform.DISTINCTIVE_WORD:
            def distinctive(value: str) -> str:
                words = value.split()
                for word in words:
                    if weights is None or weights.weight(word) >= 1.0:
                        return word
                return words[0] if words else ""
            return distinctive
    raise AssertionError(part.transform)  # pragma: no cover - the enum is exhaustive


def _part_values(table: Table, part: KeyPart) -> list[list[str]]:
    """For each variant of the part's comparison, every row's key part ("" = no key)."""
    transform = _transform(part, table)
    result = []
    for variant in table.columns[part.comparison].variants:
        if variant.domain is not None and part.transform is not Transform.LOCAL_PART:
            # Emails: the organisation domain (never a free-mail one), or the whole address.
            assert variant.free is not None
            if part.transform is Transform.DOMAIN:
                source = np.where(variant.free | ~variant.has, "", variant.domain)
            else:
                source = np.where(variant.has, variant.text + "@" + variant.domain, "")
            result.append([transform(value) if value else "" for value in source.tolist()])
            continue
        # Once per distinct value, then spread to the rows.
        keyed = np.array([transform(value) if value else "" for value in variant.values],
                         dtype=object)
        result.append(keyed[variant.codes].tolist())
    return result


def key_codes(table: Table, key: BlockingKey) -> tuple[np.ndarray, np.ndarray]:
    """(block code, row) for every row that has the key; a row may be in several blocks when
    a comparison reads several fields (Phone and MobilePhone)."""
    per_part = [_part_values(table, part) for part in key.parts]
    codes_of: dict[str, int] = {}
    codes: list[int] = []
    rows: list[int] = []
    combos = _variant_combinations([len(values) for values in per_part])
    for combo in combos:
        columns = [per_part[p][v] for p, v in enumerate(combo)]
        if len(columns) == 1:
            joined = columns[0]
        else:
            joined = ["\x1f".join(parts) if all(parts) else ""
                      for parts in zip(*columns, strict=True)]
        for row, value in enumerate(joined):
            if value:
                codes.append(codes_of.setdefault(value, len(codes_of)))
                rows.append(row)
    return np.array(codes, dtype=np.int64), np.array(rows, dtype=np.int64)


def _variant_combinations(widths: list[int]) -> list[tuple[int, ...]]:
    combos: list[tuple[int, ...]] = [()]
    for width in widths:
        combos = [(*combo, v) for combo in combos for v in range(width)]
    return combos


# --- blocks ---------------------------------------------------------------------------------


def _pairs_in_blocks(
    table: Table,
    blocking: Blocking,
    codes: np.ndarray,
    rows: np.ndarray,
    signature: np.ndarray | None,
    stats: KeyStats,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if len(codes) == 0:
        return
    # One entry per (block, row), sorted by block.
    unique = _sorted_unique(codes * table.size + rows)
    codes, rows = unique // table.size, unique % table.size
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, len(codes)])
    against = table.has_against

    too_big = sizes > blocking.max_block_size
    stats.skipped_blocks += int(too_big.sum())
    stats.skipped_records += int(sizes[too_big].sum())

    small_limit = blocking.compare_all_up_to if signature is not None else blocking.max_block_size
    scorer: Any = None
    cutoff = 0.0
    if signature is not None:
        assert blocking.prefilter is not None
        scorer, scale = rapidfuzz_scorer(blocking.prefilter.scorer)
        cutoff = blocking.prefilter.cutoff * scale
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= small_limit)]):
        block_starts = starts[sizes == size]
        members = rows[block_starts[:, None] + np.arange(size)]
        first, second = np.triu_indices(int(size), k=1)
        a, b = members[:, first].ravel(), members[:, second].ravel()
        if against:
            a, b = _cross_only(a, b, table.n_left)
        if signature is not None and len(a):
            close = process.cpdist(signature[a], signature[b], scorer=scorer,
                                   score_cutoff=cutoff, workers=-1, dtype=np.float32)
            keep = close >= cutoff
            a, b = a[keep], b[keep]
        if len(a):
            stats.blocks += int(len(block_starts))
            stats.pairs += len(a)
            yield a, b

    if signature is None:
        return
    large = np.flatnonzero((sizes > small_limit) & ~too_big)
    for index in large:
        members = rows[starts[index] : starts[index] + sizes[index]]
        pair = _cdist_block(members, signature, table.n_left, against, scorer, cutoff)
        if pair is not None:
            stats.blocks += 1
            stats.pairs += len(pair[0])
            yield pair


def _cdist_block(
    members: np.ndarray,
    signature: np.ndarray,
    n_left: int,
    against: bool,
    scorer: Any,
    cutoff: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    if against:
        left, right = members[members < n_left], members[members >= n_left]
    else:
        left = right = members
    if len(left) == 0 or len(right) == 0:
        return None
    workers = -1 if len(left) * len(right) >= _PARALLEL_FROM else 1
    scores = process.cdist(
        signature[left], signature[right], scorer=scorer, score_cutoff=cutoff,
        workers=workers, dtype=np.float32,
    )
    if not against:
        scores = np.triu(scores, k=1)
    i, j = np.nonzero(scores >= cutoff if cutoff > 0 else scores > 0)
    if not against:
        keep = i < j
        i, j = i[keep], j[keep]
    if len(i) == 0:
        return None
    return left[i], right[j]


def _cross_only(a: np.ndarray, b: np.ndarray, n_left: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with one record of each set, the matched record first."""
    a_left, b_left = a < n_left, b < n_left
    keep = a_left != b_left
    a, b, a_left = a[keep], b[keep], a_left[keep]
    return np.where(a_left, a, b), np.where(a_left, b, a)


def _signature(table: Table, blocking: Blocking) -> np.ndarray | None:
    """The short string compared inside large blocks: the prefilter's comparisons joined."""
    if blocking.prefilter is None:
        return None
    parts = [table.columns[name].variants[0].text.tolist()
             for name in blocking.prefilter.comparisons]
    joined = [" ".join(value for value in row if value) for row in zip(*parts, strict=True)]
    return np.array(joined, dtype=object)
