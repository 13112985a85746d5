"""The typed syntax tree of a parsed SOQL query. Every node keeps the 0-based offset in the
query text where it starts, so that later errors (unknown field, bad value) can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as Kind
from typing import TypeAlias

ComparisonOp: TypeAlias = Kind["=", "!=", "<", "<=", ">", ">=", "LIKE"]
LiteralKind: TypeAlias = Kind["string", "number", "boolean", "null", "date", "datetime",
                              "date_constant"]


@dataclass(frozen=True, slots=True)
class FieldPath:
    """``Name`` or ``Owner.Manager.Email``, spelled as the query spells it."""

    parts: tuple[str, ...]
    pos: int

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class DateConstant:
    """``TODAY``, ``LAST_N_DAYS:30``: a named date range resolved against today's date."""

    name: str  # upper case
    n: int | None = None


@dataclass(frozen=True, slots=True)
class Literal:
    """A value on the right of a comparison.

    ``value`` is: str for strings (escapes decoded), int/float for numbers, bool, None,
    ``YYYY-MM-DD`` for dates, the stored datetime form (UTC, ``...+0000``) for datetimes, and a
    :class:`DateConstant` for date constants. ``like`` is the string as a SQLite LIKE pattern
    (with ``\\`` as escape character), ``text`` the literal as written.
    """

    kind: LiteralKind
    value: object
    pos: int
    text: str
    like: str | None = None
    #: the string used ``\\_`` or ``\\%``, which only mean something inside LIKE
    like_escapes: bool = False


@dataclass(frozen=True, slots=True)
class Comparison:
    field: FieldPath
    op: ComparisonOp
    value: Literal
    pos: int


@dataclass(frozen=True, slots=True)
class InList:
    field: FieldPath
    negated: bool
    values: tuple[Literal, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class SemiJoin:
    """``Id IN (SELECT WhatId FROM Task ...)``; an anti-join when negated."""

    field: FieldPath
    negated: bool
    query: Query
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition
    pos: int


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Condition, ...]


Condition: TypeAlias = Comparison | InList | SemiJoin | Not | And | Or


@dataclass(frozen=True, slots=True)
class CountAll:
    """``COUNT()``: the query answers a number, not records."""

    pos: int


@dataclass(frozen=True, slots=True)
class ChildQuery:
    """``(SELECT LastName FROM Contacts ...)`` in a select list."""

    query: Query
    pos: int


SelectItem: TypeAlias = FieldPath | CountAll | ChildQuery


@dataclass(frozen=True, slots=True)
class OrderItem:
    field: FieldPath
    descending: bool = False
    #: None means Salesforce's default: nulls first ascending, last descending
    nulls_first: bool | None = None


@dataclass(frozen=True, slots=True)
class Query:
    select: tuple[SelectItem, ...]
    #: the object (top level, semi-join) or the child relationship (child subquery) named in FROM
    source: str
    source_pos: int
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    offset_pos: int = 0
    pos: int = 0
