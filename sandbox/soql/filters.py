"""WHERE conditions -> parameterised SQL with Salesforce's null semantics.

SOQL treats null as a value, not as SQL's "unknown": ``Industry != 'Banking'`` includes accounts
with no industry, ``= null`` finds them, and NOT is plain negation. The compiler pushes NOT down
to the leaves (De Morgan) and writes every negated leaf so that a NULL column makes it true;
un-negated leaves may evaluate to NULL, which only ever behaves as false since AND and OR are
monotone. Text equality and order ignore case (COLLATE NOCASE), as Salesforce's do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sandbox.ids import normalise
from sandbox.schema import NUMBER_TYPES, TEXT_TYPES, Field
from sandbox.soql.dates import date_range
from sandbox.soql.errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    MALFORMED_QUERY,
    SoqlError,
)
from sandbox.soql.nodes import (
    And,
    Comparison,
    Condition,
    DateConstant,
    FieldPath,
    InList,
    Literal,
    Not,
    Or,
    SemiJoin,
)
from sandbox.soql.scope import Column, Scope, Sql, join_sql

#: compiles a semi-join's sub-select into ``SELECT <one column> FROM ... WHERE ...``
SemiJoinCompiler = Callable[[SemiJoin], Sql]

_NEGATED = {"=": "!=", "!=": "="}
_ID_KINDS = frozenset({"id", "reference"})
STRING_KINDS = TEXT_TYPES - _ID_KINDS
#: Salesforce cannot filter or sort on long text areas
_LONG_TEXT = 255


def is_long_text(found: Field) -> bool:
    return found.type == "textarea" and found.length > _LONG_TEXT


@dataclass
class ConditionCompiler:
    scope: Scope
    today: date
    #: compiles (or, where Salesforce forbids them, refuses) semi-join sub-selects
    semi_join: SemiJoinCompiler

    def compile(self, condition: Condition, negated: bool = False, top: bool = True) -> Sql:
        if isinstance(condition, And | Or):
            conjunction = isinstance(condition, And) != negated
            parts = [self.compile(op, negated, top and conjunction) for op in condition.operands]
            return Sql(f"({join_sql(parts, ' AND ' if conjunction else ' OR ').text})",
                       join_sql(parts, "").params)
        if isinstance(condition, Not):
            return self.compile(condition.operand, not negated, top=False)
        if isinstance(condition, SemiJoin):
            return self._semi_join(condition, negated, top)
        if isinstance(condition, Comparison):
            return self._comparison(condition, negated)
        return self._in_list(condition, negated)

    # -- leaves -----------------------------------------------------------------------------

    def _comparison(self, leaf: Comparison, negated: bool) -> Sql:
        column = self._filterable(leaf.field)
        op: str = leaf.op
        if leaf.value.kind == "null":
            return self._null(leaf, column, negated)
        if op == "LIKE":
            self._check_like(leaf, column)
            like = Sql(f"{column.sql.text} LIKE ? ESCAPE '\\'",
                       (*column.sql.params, leaf.value.like))
            return _negate(column, like) if negated else like
        self._check_operator(leaf.field, column.field, op)
        if negated and op in ("=", "!="):
            # = and != are each other's exact negation, nulls included
            op, negated = _NEGATED[op], False
        if leaf.value.kind == "date_constant":
            positive = self._date_range(leaf, column, op)
        else:
            value = self._value(leaf.field, column.field, leaf.value)
            collate = " COLLATE NOCASE" if column.field.type in STRING_KINDS else ""
            operator = "IS NOT" if op == "!=" else op
            positive = Sql(f"{column.sql.text} {operator} ?{collate}",
                           (*column.sql.params, value))
        return _negate(column, positive) if negated else positive

    def _null(self, leaf: Comparison, column: Column, negated: bool) -> Sql:
        if leaf.op not in ("=", "!="):
            raise self._error(INVALID_QUERY_FILTER_OPERATOR, leaf.field,
                              f"invalid operator {leaf.op} with null on field "
                              f"'{column.field.name}'")
        wants_null = (leaf.op == "=") != negated
        if column.field.type == "boolean":
            # Salesforce: a checkbox is never null; `= null` means false (SOQL docs, "null").
            return Sql(f"{column.sql.text} IS {'NOT ' if wants_null else ''}1", column.sql.params)
        return Sql(f"{column.sql.text} IS {'' if wants_null else 'NOT '}NULL", column.sql.params)

    def _date_range(self, leaf: Comparison, column: Column, op: str) -> Sql:
        constant = leaf.value.value
        assert isinstance(constant, DateConstant)
        if column.field.type not in ("date", "datetime"):
            raise self._type_error(leaf.field, column.field)
        first, end = date_range(constant.name, constant.n, self.today)
        start_value, end_value = (_bound(column.field, first), _bound(column.field, end))
        text, params = column.sql.text, column.sql.params
        if op == "=":
            return Sql(f"({text} >= ? AND {text} < ?)", (*params, start_value, *params, end_value))
        if op == "!=":
            return Sql(f"({text} IS NULL OR {text} < ? OR {text} >= ?)",
                       (*params, *params, start_value, *params, end_value))
        bound = {"<": ("<", start_value), "<=": ("<", end_value), ">": (">=", end_value),
                 ">=": (">=", start_value)}[op]
        return Sql(f"{text} {bound[0]} ?", (*params, bound[1]))

    def _in_list(self, leaf: InList, negated: bool) -> Sql:
        column = self._filterable(leaf.field)
        self._check_operator(leaf.field, column.field, "IN")
        wants_null = any(v.kind == "null" for v in leaf.values)
        values = [v for v in leaf.values if v.kind != "null"]
        parts: list[Sql] = []
        if any(v.kind == "date_constant" for v in values):
            parts += [self._date_range(Comparison(leaf.field, "=", v, leaf.pos), column, "=")
                      if v.kind == "date_constant"
                      else self._comparison(Comparison(leaf.field, "=", v, leaf.pos), False)
                      for v in values]
        elif values:
            converted = [self._value(leaf.field, column.field, v) for v in values]
            collate = " COLLATE NOCASE" if column.field.type in STRING_KINDS else ""
            marks = ", ".join("?" for _ in converted)
            parts.append(Sql(f"{column.sql.text}{collate} IN ({marks})",
                             (*column.sql.params, *converted)))
        if wants_null:
            parts.append(Sql(f"{column.sql.text} IS NULL", column.sql.params))
        positive = join_sql(parts, " OR ")
        positive = Sql(f"({positive.text})", positive.params)
        if leaf.negated != negated:
            return _negate(column, positive) if not wants_null else Sql(
                f"NOT {positive.text}", positive.params)
        return positive

    def _semi_join(self, leaf: SemiJoin, negated: bool, top: bool) -> Sql:
        if not top:
            raise self._error(MALFORMED_QUERY, leaf.field,
                              "Semi join sub-selects are only allowed at the top level WHERE "
                              "expressions and not in nested WHERE expressions.")
        column = self.scope.resolve(leaf.field)
        if column.field.type not in _ID_KINDS:
            raise self._error(INVALID_FIELD, leaf.field,
                              f"Invalid semi join sub-select: the left operand "
                              f"'{column.field.name}' must be an Id or reference field")
        sub = self.semi_join(leaf)
        anti = leaf.negated != negated
        if anti:
            return Sql(f"({column.sql.text} IS NULL OR {column.sql.text} NOT IN ({sub.text}))",
                       (*column.sql.params, *column.sql.params, *sub.params))
        return Sql(f"{column.sql.text} IN ({sub.text})", (*column.sql.params, *sub.params))

    # -- checks and values ----------------------------------------------------------------

    def _filterable(self, path: FieldPath) -> Column:
        column = self.scope.resolve(path)
        if is_long_text(column.field):
            raise self._error(INVALID_FIELD, path,
                              f"field '{column.field.name}' can not be filtered in a query call")
        return column

    def _check_operator(self, path: FieldPath, found: Field, op: str) -> None:
        if found.type == "boolean" and op not in ("=", "!=", "IN"):
            raise self._error(INVALID_QUERY_FILTER_OPERATOR, path,
                              f"invalid operator {op} on boolean field '{found.name}'")

    def _check_like(self, leaf: Comparison, column: Column) -> None:
        if column.field.type not in STRING_KINDS:
            raise self._error(INVALID_QUERY_FILTER_OPERATOR, leaf.field,
                              f"invalid operator LIKE on {_type_name(column.field)} field "
                              f"'{column.field.name}'")
        if leaf.value.kind != "string":
            raise self._type_error(leaf.field, column.field)

    def _value(self, path: FieldPath, found: Field, literal: Literal) -> object:
        """The stored form of ``literal`` compared with ``found``, or a type error."""
        kind = found.type
        if literal.kind == "string" and literal.like_escapes:
            raise self._error(MALFORMED_QUERY, path,
                              f"Invalid string literal {literal.text}. Illegal character "
                              "sequence '\\_' or '\\%' outside LIKE.")
        if kind in _ID_KINDS:
            if literal.kind != "string":
                raise self._type_error(path, found)
            normalised = normalise(str(literal.value))
            if normalised is None:
                raise self._error(INVALID_QUERY_FILTER_OPERATOR, path,
                                  f"invalid ID field: {literal.value}")
            return normalised
        if kind in STRING_KINDS:
            if literal.kind != "string":
                raise self._type_error(path, found)
            return literal.value
        expected = {"boolean": ("boolean",), "date": ("date",), "datetime": ("datetime",)}.get(
            kind, ("number",) if kind == "int" or kind in NUMBER_TYPES else ())
        if literal.kind not in expected:
            raise self._type_error(path, found)
        if kind == "boolean":
            return int(bool(literal.value))
        if kind in NUMBER_TYPES:
            return float(literal.value)  # type: ignore[arg-type]
        return literal.value

    def _type_error(self, path: FieldPath, found: Field) -> SoqlError:
        if found.type in STRING_KINDS:
            text = "must be of type string and should be enclosed in quotes"
        else:
            text = f"must be of type {_type_name(found)} and should not be enclosed in quotes"
        return self._error(INVALID_FIELD, path,
                           f"value of filter criterion for field '{found.name}' {text}")

    def _error(self, code: str, path: FieldPath, text: str) -> SoqlError:
        return SoqlError.at(code, self.scope.soql, path.pos, text)


def _negate(column: Column, positive: Sql) -> Sql:
    """NOT of a leaf that is NULL (so false) when the column is null: true for a null column."""
    return Sql(f"({column.sql.text} IS NULL OR NOT ({positive.text}))",
               (*column.sql.params, *positive.params))


def _bound(found: Field, day: date) -> str:
    """A range bound in the field's stored form: a date, or midnight UTC for datetimes."""
    return day.isoformat() if found.type == "date" else f"{day.isoformat()}T00:00:00.000+0000"


def _type_name(found: Field) -> str:
    if found.type in _ID_KINDS:
        return "id"
    if found.type in STRING_KINDS:
        return "string"
    if found.type in NUMBER_TYPES:
        return "double"
    return {"datetime": "dateTime"}.get(found.type, found.type)
