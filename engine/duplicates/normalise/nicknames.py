"""First names compared through nicknames: "Bob" and "Robert" name the same person.

The nickname table is the `nicknames` package's (Carlton Northern's names.csv). Equivalence is
kept narrow on purpose: two names are nicknames of each other only when the table links them
directly (Bob–Robert, Bill–William), not when they merely share a formal name (Bill and Bob
are both listed under Robert, but a Bill is rarely a Bob).
"""

from __future__ import annotations

from functools import lru_cache

from nicknames import NickNamer

from engine.duplicates.normalise.text import fold


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=1 << 16)
def relatives(first_name: str) -> frozenset[str]:
    """The folded name and every name the table links it to directly, in either direction."""
    name = fold(first_name)
    if not name:
        return frozenset()
    namer = _namer()
    return frozenset({name} | namer.nicknames_of(name) | namer.canonicals_of(name))


def are_nicknames(first_a: str, first_b: str) -> bool:
    """True when the names are equal after folding or one is a listed nickname of the other."""
    a, b = fold(first_a), fold(first_b)
    if not a or not b:
        return False
    return a == b or b in relatives(a) or a in relatives(b)
