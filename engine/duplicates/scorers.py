"""Similarity functions in [0, 1] over arrays of pairs: rapidfuzz's, and two of our own.

rapidfuzz's scorers run through ``process.cpdist`` (element-wise, C++, all cores). The two
scorers of our own need per-pair Python, and are used on the fields that need them: company
names (generic words weighted down) and emails (free-mail domains not evidence).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, Indel, Jaro, JaroWinkler, Levenshtein

from engine.duplicates.config import Scorer
from engine.duplicates.normalise.generic_words import TokenWeights

_RAPIDFUZZ: dict[Scorer, tuple[Any, float]] = {
    Scorer.RATIO: (fuzz.ratio, 100.0),
    Scorer.PARTIAL_RATIO: (fuzz.partial_ratio, 100.0),
    Scorer.TOKEN_SORT_RATIO: (fuzz.token_sort_ratio, 100.0),
    Scorer.TOKEN_SET_RATIO: (fuzz.token_set_ratio, 100.0),
    Scorer.TOKEN_RATIO: (fuzz.token_ratio, 100.0),
    Scorer.WRATIO: (fuzz.WRatio, 100.0),
    Scorer.QRATIO: (fuzz.QRatio, 100.0),
    Scorer.JARO_WINKLER: (JaroWinkler.normalized_similarity, 1.0),
    Scorer.JARO: (Jaro.normalized_similarity, 1.0),
    Scorer.LEVENSHTEIN: (Levenshtein.normalized_similarity, 1.0),
    Scorer.DAMERAU_LEVENSHTEIN: (DamerauLevenshtein.normalized_similarity, 1.0),
    Scorer.INDEL: (Indel.normalized_similarity, 1.0),
}

# Pairs scored per cpdist call: bounds the temporary arrays on very large inputs.
_CHUNK = 1 << 20


def rapidfuzz_scorer(scorer: Scorer) -> tuple[Any, float]:
    """The rapidfuzz function and the value it gives for identical strings (1 or 100)."""
    return _RAPIDFUZZ[scorer]


def similarities(scorer: Scorer, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Element-wise similarity of two equally long object arrays of strings, as float32."""
    if len(left) == 0:
        return np.zeros(0, dtype=np.float32)
    if scorer is Scorer.EXACT:
        return (left == right).astype(np.float32)
    function, scale = _RAPIDFUZZ[scorer]
    out = np.empty(len(left), dtype=np.float32)
    for start in range(0, len(left), _CHUNK):
        stop = start + _CHUNK
        out[start:stop] = process.cpdist(
            left[start:stop], right[start:stop], scorer=function, workers=-1, dtype=np.float32
        )
    if scale != 1.0:
        out /= scale
    return out


# --- emails ---------------------------------------------------------------------------------

#: How much a shared organisation domain counts beside the local part.
DOMAIN_SHARE = 0.2
#: What the local part is worth when the domains differ or are free-mail: "maria.chen" at two
#: providers is mostly the person's name again, which the name comparisons already count.
OTHER_DOMAIN_FACTOR = 0.6
#: The most local parts that differ in their digits can score ("john.smith" / "john.smith2").
NUMBERED_CAP = 0.5


def email_similarities(
    local_a: np.ndarray,
    local_b: np.ndarray,
    domain_a: np.ndarray,
    domain_b: np.ndarray,
    free_a: np.ndarray,
    free_b: np.ndarray,
    digits_a: np.ndarray | None = None,
    digits_b: np.ndarray | None = None,
) -> np.ndarray:
    """One mailbox scores 1; otherwise the local parts are compared, and the domain decides
    how much that is worth.

    - Same organisation domain: ``0.8 · local + 0.2`` (a typo in jane.doe@acme.com is still
      Jane at Acme).
    - Different domains, or free-mail on either side: ``0.6 · local``. A shared free-mail
      domain is not evidence: ``john@gmail.com`` / ``mary@gmail.com`` scores exactly as
      ``john@gmail.com`` / ``mary@yahoo.com``.
    - Local parts that differ in their digits ("john.smith" / "john.smith2") are namesakes a
      mail admin already told apart: at most ``NUMBERED_CAP`` for the local part.
    """
    local = similarities(Scorer.RATIO, local_a, local_b)
    if digits_a is not None and digits_b is not None:
        numbered = digits_a != digits_b
        local[numbered] = np.minimum(local[numbered], NUMBERED_CAP)
    same_domain = domain_a == domain_b
    same_organisation = same_domain & ~free_a & ~free_b
    sim = np.where(same_organisation, (1.0 - DOMAIN_SHARE) * local + DOMAIN_SHARE,
                   OTHER_DOMAIN_FACTOR * local)
    sim[same_domain & (local_a == local_b)] = 1.0
    return sim.astype(np.float32)


# --- streets -------------------------------------------------------------------------------

#: The most two street lines with different house numbers can score ("12 Main St" / "14 Main St").
OTHER_NUMBER_CAP = 0.5


def cap_other_numbers(sim: np.ndarray, numbers_a: np.ndarray, numbers_b: np.ndarray) -> None:
    """Neighbours are not one address: where both lines have numbers and they differ, cap."""
    differ = (numbers_a != numbers_b) & (numbers_a != "") & (numbers_b != "")
    sim[differ] = np.minimum(sim[differ], OTHER_NUMBER_CAP)


# --- company names --------------------------------------------------------------------------

#: Words closer than this (rapidfuzz ratio, 0–100) count as the same word, by their similarity.
WORD_MATCH = 80.0


def weighted_token_similarity(a: str, b: str, weights: TokenWeights) -> float:
    """Soft overlap of the words of two names, each word counting by its weight.

    Every word looks for its closest word on the other side (typos allowed); the similarity is
    the weighted share of words found, over both sides. Generic words weigh little, so
    "First National Bank" / "First Choice Bank" score 0.35 while "Acme Solutions" /
    "Acme Solutions Group" score 0.93.
    """
    if not a or not b:
        return 0.0
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return 1.0
    words_a, words_b = a.split(), b.split()
    found_a, total_a = _found(words_a, words_b, weights)
    found_b, total_b = _found(words_b, words_a, weights)
    return (found_a + found_b) / (total_a + total_b)


def _found(words: list[str], others: list[str], weights: TokenWeights) -> tuple[float, float]:
    found = total = 0.0
    for word in words:
        weight = weights.weight(word)
        total += weight
        best = process.extractOne(word, others, scorer=fuzz.ratio, score_cutoff=WORD_MATCH)
        if best is not None:
            found += weight * best[1] / 100.0
    return found, total
