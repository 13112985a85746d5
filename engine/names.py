"""Tidying people's and companies' names without damaging the ones already right.

Name case only touches a name written entirely in capitals or entirely in small letters
(``"JOHN"``, ``"smith"``): a mixed-case name such as ``"McDonald"``, ``"DeVries"`` or
``"van der Berg"`` was typed on purpose and is left alone.
"""

from __future__ import annotations

_PARTICLES = frozenset({"da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du",
                        "la", "le", "van", "von", "y", "zu"})


def tidy_spaces(text: str) -> str:
    """Trim and collapse runs of whitespace: ``" Acme  Corp "`` -> ``"Acme Corp"``."""
    return " ".join(text.split())


def _cap(part: str) -> str:
    return part[:1].upper() + part[1:]


def _word_case(word: str) -> str:
    lowered = word.lower()
    hyphenated = []
    for piece in lowered.split("-"):
        # O'Brien, D'Angelo: one letter then an apostrophe starts a second capitalised part.
        if len(piece) > 2 and piece[1] in "'’":
            piece = piece[0].upper() + piece[1] + _cap(piece[2:])
        elif piece.startswith("mc") and len(piece) > 3:
            piece = "Mc" + _cap(piece[2:])
        else:
            piece = _cap(piece)
        hyphenated.append(piece)
    return "-".join(hyphenated)


def name_case(text: str) -> str:
    """``"JOHN"`` -> ``"John"``, ``"o'brien"`` -> ``"O'Brien"``, ``"mcdonald"`` -> ``"McDonald"``.
    """
    if not (text.isupper() or text.islower()):
        return text
    words = text.split(" ")
    out = []
    for index, word in enumerate(words):
        if index > 0 and word.lower() in _PARTICLES:
            out.append(word.lower())
        else:
            out.append(_word_case(word))
    return " ".join(out)
