"""Problems found while reading configuration, located by their path in the parsed data.

Validation code (conditions, rule kinds) knows *which part* of the data is wrong but not the file
it came from; it returns :class:`Problem` values, and the loader turns their ``loc`` into
``path:line:column`` through the parsed document.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

#: Keys and list indexes from the document root (or from a rule) to a value.
Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    loc: Loc
    message: str
    #: point at the key rather than the value (unknown or misplaced keys)
    at_key: bool = False


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'severity'?)`` for a near miss, or an empty string."""
    options = list(choices)
    by_lower = {option.lower(): option for option in options}
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean '{by_lower[match[0]]}'?)" if match else ""
