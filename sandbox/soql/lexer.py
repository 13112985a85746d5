"""SOQL text -> tokens, each with the offset where it starts.

Keywords are not told apart from names here (``IDENT`` for both): SOQL's keywords are
case-insensitive and the parser decides by position. Strings are decoded with SOQL's escapes;
dates and datetimes are recognised and validated, since ``2024-01-31`` is one token in SOQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal as Kind
from typing import TypeAlias

from sandbox.db import format_datetime, parse_datetime
from sandbox.soql.errors import MALFORMED_QUERY, SoqlError

TokenKind: TypeAlias = Kind["IDENT", "STRING", "NUMBER", "DATE", "DATETIME", "OP", "LPAREN",
                            "RPAREN", "COMMA", "DOT", "COLON", "EOF"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    pos: int
    value: object = None
    #: for strings: the LIKE pattern form (see nodes.Literal.like)
    like: str | None = None
    like_escapes: bool = False

    @property
    def upper(self) -> str:
        return self.text.upper()


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCTUATION: dict[str, TokenKind] = {
    "(": "LPAREN", ")": "RPAREN", ",": "COMMA", ".": "DOT", ":": "COLON",
}
#: SOQL's escapes (Salesforce docs, "Quoted String Escape Sequences"), letters either case
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    pos, end = 0, len(soql)
    while pos < end:
        char = soql[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "'":
            token = _string(soql, pos)
        elif char.isdigit() or (char in "+-." and pos + 1 < end and soql[pos + 1].isdigit()):
            token = _number_or_date(soql, pos)
        elif char.isalpha() or char == "_":
            match = _IDENT.match(soql, pos)
            assert match is not None
            token = Token("IDENT", match.group(), pos)
        elif char in _PUNCTUATION:
            token = Token(_PUNCTUATION[char], char, pos)
        else:
            operator = next((op for op in _OPERATORS if soql.startswith(op, pos)), None)
            if operator is None:
                raise SoqlError.at(MALFORMED_QUERY, soql, pos, f"unexpected token: '{char}'")
            token = Token("OP", "!=" if operator == "<>" else operator, pos)
            pos += len(operator)
            tokens.append(token)
            continue
        tokens.append(token)
        pos += len(token.text)
    tokens.append(Token("EOF", "<EOF>", end))
    return tokens


def _string(soql: str, start: int) -> Token:
    plain: list[str] = []
    like: list[str] = []
    like_escapes = False
    pos = start + 1
    while pos < len(soql):
        char = soql[pos]
        if char == "'":
            return Token("STRING", soql[start : pos + 1], start, "".join(plain), "".join(like),
                         like_escapes)
        if char == "\\":
            escaped = soql[pos + 1 : pos + 2]
            if escaped in ("_", "%"):
                like_escapes = True
                plain.append(escaped)
                like.append("\\" + escaped)
            elif escaped and escaped.lower() in _ESCAPES:
                decoded = _ESCAPES[escaped.lower()]
                plain.append(decoded)
                like.append("\\\\" if decoded == "\\" else decoded)
            else:
                raise SoqlError.at(
                    MALFORMED_QUERY, soql, pos,
                    f"Invalid string literal '{soql[start:]}'. Illegal character sequence "
                    f"'\\{escaped}' in string literal.",
                )
            pos += 2
            continue
        plain.append(char)
        like.append(char)
        pos += 1
    raise SoqlError.at(MALFORMED_QUERY, soql, start, f"unterminated string literal: {soql[start:]}")


def _number_or_date(soql: str, start: int) -> Token:
    if _DATE_START.match(soql, start):
        moment = _DATETIME.match(soql, start)
        if moment:
            return _checked(soql, start, moment.group(), "DATETIME")
        if soql.startswith("T", start + 10):
            raise SoqlError.at(
                MALFORMED_QUERY, soql, start,
                f"invalid datetime literal: {_word(soql, start)} (a datetime needs seconds and "
                "a zone: 2024-01-31T00:00:00Z or +hh:mm)",
            )
        return _checked(soql, start, soql[start : start + 10], "DATE")
    match = _NUMBER.match(soql, start)
    assert match is not None
    text = match.group()
    if _IDENT.match(soql, match.end()):
        raise _unexpected_word(soql, start)
    is_float = any(c in text for c in ".eE")
    return Token("NUMBER", text, start, float(text) if is_float else int(text))


def _checked(soql: str, start: int, text: str, kind: TokenKind) -> Token:
    follower = soql[start + len(text) : start + len(text) + 1]
    if follower and (follower.isalnum() or follower in "_:.+-"):
        raise _unexpected_word(soql, start)
    try:
        value = (date.fromisoformat(text).isoformat() if kind == "DATE"
                 else format_datetime(parse_datetime(text)))
    except ValueError:
        raise SoqlError.at(MALFORMED_QUERY, soql, start,
                           f"invalid {kind.lower()} literal: {text}") from None
    return Token(kind, text, start, value)


def _word(soql: str, start: int) -> str:
    match = re.compile(r"[^\s(),']+").match(soql, start)
    return match.group() if match else soql[start : start + 1]


def _unexpected_word(soql: str, start: int) -> SoqlError:
    return SoqlError.at(MALFORMED_QUERY, soql, start, f"unexpected token: '{_word(soql, start)}'")
