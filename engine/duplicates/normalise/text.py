"""Case, accents, punctuation and spacing folded away: comparison sees letters and digits."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Characters NFKD does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ð": "d", "þ": "th",
                          "ł": "l", "đ": "d", "ı": "i", "&": " and "})


@lru_cache(maxsize=1 << 18)
def fold(raw: str) -> str:
    """Lower case ASCII words separated by single spaces.

    ``"  Zoë O'Brien-Smith "`` → ``"zoe o brien smith"``.
    """
    if not raw:
        return ""
    lowered = raw.lower().translate(_SPECIAL)
    if not lowered.isascii():
        lowered = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub(" ", lowered).strip()


def fold_compact(raw: str) -> str:
    """Like :func:`fold` without the spaces, for codes where spacing carries no meaning."""
    return fold(raw).replace(" ", "")
