"""Conditions in rule files: a small, safe language of field tests — parsed, checked, compiled.

A condition is a mapping. A *test* names a field and exactly one operator::

    {field: StageName, equals: Closed Won}
    {field: Email, present: true}
    {field: CloseDate, older_than_days: 0}
    {field: Owner.ManagerId, absent: true}
    {field: Probability, equals_field: $stage.DefaultProbability}

and tests combine with ``all`` (every one holds), ``any`` (at least one holds) and ``not``::

    {all: [{field: StageName, equals: Closed Won}, {not: {field: Amount, present: true}}]}

There is no eval and no code: only the operators below. A missing value (null, empty text)
fails every comparison, so ``greater_than`` on an empty Amount is false; test it with
``present``/``absent``. Parsing reports every mistake with its location; compiling produces a
closure ``predicate(record, ctx) -> bool`` that does no parsing or lookup at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import WithJsonSchema

from engine.fieldpath import Getter, compile_getter, record_fields
from engine.located import Loc, Problem, did_you_mean
from engine.model import Context, FieldInfo, Record
from engine.values import date_key, days_before, is_blank, same_value, to_number

Predicate = Callable[[Record, Context], bool]
#: Marks a condition in a generated JSON Schema; replaced by a reference to its definition.
CONDITION_MARK = "x-weeder-condition"
#: A condition as written in YAML, in a params model; the loader parses and checks it.
ConditionData = Annotated[Any, WithJsonSchema({CONDITION_MARK: True})]
#: Resolves a field path of the rule's object to its info, or says why it does not resolve.
PathResolver = Callable[[str], FieldInfo | str]

_DATE_TYPES = frozenset({"date", "datetime", "anytype"})


@dataclass(frozen=True, slots=True)
class Test:
    path: str
    op: str
    operand: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Condition


Condition = Test | AllOf | AnyOf | NotOf

#: operator -> (operand kind, wording in messages)
OPERATORS: dict[str, tuple[str, str]] = {
    "equals": ("scalar", "equals"),
    "not_equals": ("scalar", "does not equal"),
    "in": ("list", "is one of"),
    "not_in": ("list", "is none of"),
    "present": ("bool", "is present"),
    "absent": ("bool", "is absent"),
    "matches": ("regex", "matches"),
    "greater_than": ("ordered", "is greater than"),
    "less_than": ("ordered", "is less than"),
    "at_least": ("ordered", "is at least"),
    "at_most": ("ordered", "is at most"),
    "older_than_days": ("days", "is more than N days ago"),
    "newer_than_days": ("days", "is within the last N days"),
    "equals_field": ("path", "equals"),
    "not_equals_field": ("path", "does not equal"),
}
COMBINATORS = ("all", "any", "not")


# ---------------------------------------------------------------------------------- parsing


def parse_condition(
    data: Any, loc: Loc, resolve: PathResolver
) -> tuple[Condition | None, list[Problem]]:
    problems: list[Problem] = []
    condition = _parse(data, loc, resolve, problems)
    return (condition if not problems else None), problems


def _parse(data: Any, loc: Loc, resolve: PathResolver, problems: list[Problem]) -> Condition | None:
    if not isinstance(data, dict):
        problems.append(Problem(loc, "a condition is a mapping such as "
                                     "{field: StageName, equals: Closed Won}"))
        return None
    combinators = [key for key in COMBINATORS if key in data]
    if combinators:
        if len(data) != 1:
            others = ", ".join(sorted(k for k in data if k != combinators[0]))
            problems.append(Problem(loc, f"'{combinators[0]}' must be alone in its condition, "
                                         f"found also: {others}"))
            return None
        key = combinators[0]
        inner = data[key]
        if key == "not":
            item = _parse(inner, (*loc, key), resolve, problems)
            return NotOf(item) if item is not None else None
        if not isinstance(inner, list) or not inner:
            problems.append(Problem((*loc, key), f"'{key}' takes a non-empty list of conditions"))
            return None
        items = [_parse(item, (*loc, key, index), resolve, problems)
                 for index, item in enumerate(inner)]
        if any(item is None for item in items):
            return None
        parts = tuple(item for item in items if item is not None)
        return AllOf(parts) if key == "all" else AnyOf(parts)
    return _parse_test(data, loc, resolve, problems)


def _parse_test(
    data: dict[str, Any], loc: Loc, resolve: PathResolver, problems: list[Problem]
) -> Test | None:
    known = ("field", *COMBINATORS, *OPERATORS)
    unknown = [key for key in data if key not in known]
    for key in unknown:
        problems.append(Problem((*loc, key), f"unknown condition operator '{key}'"
                                             f"{did_you_mean(key, known)}", at_key=True))
    if "field" not in data:
        if not unknown:
            problems.append(Problem(loc, "a condition needs 'field' (or one of all, any, not)"))
        return None
    path = data["field"]
    if not isinstance(path, str) or not path:
        problems.append(Problem((*loc, "field"), "'field' must be a field name such as Email"))
        return None
    operators = [key for key in data if key in OPERATORS]
    if unknown:
        return None
    if not operators:
        problems.append(Problem(loc, f"the condition on '{path}' needs an operator: "
                                     + ", ".join(OPERATORS)))
        return None
    if len(operators) > 1:
        problems.append(Problem(loc, f"the condition on '{path}' has {len(operators)} operators "
                                     f"({', '.join(operators)}); combine tests with all: [...]"))
        return None
    op = operators[0]
    info = resolve(path)
    if isinstance(info, str):
        problems.append(Problem((*loc, "field"), info))
        return None
    operand = _check_operand(op, data[op], (*loc, op), info, resolve, problems)
    if operand is _INVALID:
        return None
    return Test(path, op, operand)


_INVALID = object()
_SCALARS = (str, int, float, bool, date)


def _check_operand(
    op: str, value: Any, loc: Loc, info: FieldInfo, resolve: PathResolver, problems: list[Problem]
) -> Any:
    kind = OPERATORS[op][0]

    def bad(message: str) -> object:
        problems.append(Problem(loc, message))
        return _INVALID

    if kind == "scalar":
        if value is None or not isinstance(value, _SCALARS):
            return bad(f"'{op}' takes one value (text, number, true/false or a date); "
                       "use 'in' for a list and 'absent' for an empty field")
        return value
    if kind == "list":
        if not isinstance(value, list) or not value:
            return bad(f"'{op}' takes a non-empty list of values, "
                       "e.g. [Prospecting, Qualification]")
        if not all(isinstance(item, _SCALARS) for item in value):
            return bad(f"'{op}' takes a list of plain values, not lists or mappings")
        return tuple(value)
    if kind == "bool":
        if not isinstance(value, bool):
            return bad(f"'{op}' takes true or false")
        return value
    if kind == "regex":
        if not isinstance(value, str):
            return bad(f"'{op}' takes a regular expression as text")
        try:
            return re.compile(value)
        except re.error as error:
            return bad(f"bad regular expression {value!r}: {error}")
    if kind == "ordered":
        if isinstance(value, bool) or not isinstance(value, int | float | date):
            return bad(f"'{op}' takes a number or a date (YYYY-MM-DD)")
        return value
    if kind == "days":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return bad(f"'{op}' takes a whole number of days (0 or more)")
        if info.type not in _DATE_TYPES:
            return bad(f"'{op}' needs a date or datetime field; {info.name} is {info.type}")
        return value
    if kind == "path":
        if not isinstance(value, str) or not value:
            return bad(f"'{op}' takes another field's name")
        other = resolve(value)
        if isinstance(other, str):
            return bad(other)
        return value
    raise AssertionError(f"operator kind {kind} has no check")  # pragma: no cover


# ---------------------------------------------------------------------------------- reading


def condition_paths(condition: Condition) -> Iterator[str]:
    """Every field path a condition reads (for the pull plan)."""
    if isinstance(condition, Test):
        yield from record_fields(condition.path)
        if condition.op in ("equals_field", "not_equals_field"):
            yield from record_fields(condition.operand)
    elif isinstance(condition, NotOf):
        yield from condition_paths(condition.item)
    else:
        for item in condition.items:
            yield from condition_paths(item)


def uses_stages(condition: Condition) -> bool:
    if isinstance(condition, Test):
        operands = (condition.path, condition.operand if condition.op.endswith("_field") else "")
        return any(isinstance(p, str) and p.startswith("$stage.") for p in operands)
    if isinstance(condition, NotOf):
        return uses_stages(condition.item)
    return any(uses_stages(item) for item in condition.items)


def describe(condition: Condition) -> str:
    """The condition in words, for messages and ``rules explain``."""
    if isinstance(condition, AllOf):
        return " and ".join(_grouped(item) for item in condition.items)
    if isinstance(condition, AnyOf):
        return " or ".join(_grouped(item) for item in condition.items)
    if isinstance(condition, NotOf):
        return f"not ({describe(condition.item)})"
    op, operand = condition.op, condition.operand
    if op in ("present", "absent"):
        positive = operand if op == "present" else not operand
        return f"{condition.path} is {'present' if positive else 'absent'}"
    if op == "older_than_days":
        return f"{condition.path} is more than {operand} days ago"
    if op == "newer_than_days":
        return f"{condition.path} is within the last {operand} days"
    if op == "matches":
        return f"{condition.path} matches /{operand.pattern}/"
    if op in ("in", "not_in"):
        return f"{condition.path} {OPERATORS[op][1]} {', '.join(map(str, operand))}"
    return f"{condition.path} {OPERATORS[op][1]} {operand}"


def _grouped(condition: Condition) -> str:
    text = describe(condition)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text


# ---------------------------------------------------------------------------------- compiling


def _comparable(value: Any) -> Any:
    """Dates from YAML compare as the ISO text Salesforce sends."""
    if isinstance(value, datetime | date):
        return date_key(value)
    return value


def compile_condition(condition: Condition) -> Predicate:
    if isinstance(condition, NotOf):
        inner = compile_condition(condition.item)
        return lambda record, ctx: not inner(record, ctx)
    if isinstance(condition, AllOf | AnyOf):
        parts = tuple(compile_condition(item) for item in condition.items)
        if isinstance(condition, AllOf):
            if len(parts) == 2:
                first, second = parts
                return lambda record, ctx: first(record, ctx) and second(record, ctx)
            return lambda record, ctx: all(part(record, ctx) for part in parts)
        if len(parts) == 2:
            first, second = parts
            return lambda record, ctx: first(record, ctx) or second(record, ctx)
        return lambda record, ctx: any(part(record, ctx) for part in parts)
    return _compile_test(condition)


def _compile_test(test: Test) -> Predicate:
    get = compile_getter(test.path)
    op, operand = test.op, test.operand
    if op in ("equals", "not_equals"):
        expected = _comparable(operand)
        negate = op == "not_equals"

        def equals(record: Record, ctx: Context) -> bool:
            value = get(record, ctx)
            if type(value) is not str:
                value = _comparable(value)
            return (value == expected) is not negate

        return equals
    if op in ("in", "not_in"):
        allowed = frozenset(_comparable(item) for item in operand)
        negate = op == "not_in"

        def member(record: Record, ctx: Context) -> bool:
            value = get(record, ctx)
            if type(value) is not str:
                value = _comparable(value)
                if isinstance(value, list | dict):
                    return negate
            return (value in allowed) is not negate

        return member
    if op in ("present", "absent"):
        wants_blank = (op == "absent") is operand
        return lambda record, ctx: is_blank(get(record, ctx)) is wants_blank
    if op == "matches":
        search = operand.search

        def matches(record: Record, ctx: Context) -> bool:
            value = get(record, ctx)
            if value is None:
                return False
            return search(value if type(value) is str else str(value)) is not None

        return matches
    if op in ("greater_than", "less_than", "at_least", "at_most"):
        return _compile_ordered(get, op, operand)
    if op in ("older_than_days", "newer_than_days"):
        return _compile_age(get, op == "older_than_days", operand)
    if op in ("equals_field", "not_equals_field"):
        other = compile_getter(operand)
        negate = op == "not_equals_field"
        return lambda record, ctx: same_value(get(record, ctx), other(record, ctx)) is not negate
    raise AssertionError(f"operator {op} has no compiler")  # pragma: no cover


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "greater_than": lambda a, b: a > b,
    "less_than": lambda a, b: a < b,
    "at_least": lambda a, b: a >= b,
    "at_most": lambda a, b: a <= b,
}


def _compile_ordered(get: Getter, op: str, operand: Any) -> Predicate:
    compare = _ORDER[op]
    if isinstance(operand, date):
        bound = date_key(operand)

        def by_date(record: Record, ctx: Context) -> bool:
            key = date_key(get(record, ctx))
            return key is not None and compare(key, bound)

        return by_date
    number = float(operand)

    def by_number(record: Record, ctx: Context) -> bool:
        value = to_number(get(record, ctx))
        return value is not None and compare(value, number)

    return by_number


def _compile_age(get: Getter, older: bool, days: int) -> Predicate:
    # The threshold depends only on ctx.today: computed once per day seen, not per record.
    memo: tuple[date | None, str] = (None, "")

    def age(record: Record, ctx: Context) -> bool:
        nonlocal memo
        current = memo
        if current[0] is not ctx.today:
            current = (ctx.today, days_before(ctx.today, days))
            memo = current
        key = date_key(get(record, ctx))
        if key is None:
            return False
        return key < current[1] if older else key >= current[1]

    return age


def condition_schema() -> dict[str, Any]:
    """JSON Schema of a condition, for editors (the loader's own checks are stricter)."""
    scalar = {"type": ["string", "number", "boolean"]}
    test_properties: dict[str, Any] = {"field": {"type": "string", "description": "field path"}}
    by_kind: dict[str, dict[str, Any]] = {
        "scalar": scalar,
        "list": {"type": "array", "items": scalar, "minItems": 1},
        "bool": {"type": "boolean"},
        "regex": {"type": "string", "format": "regex"},
        "ordered": {"type": ["number", "string"]},
        "days": {"type": "integer", "minimum": 0},
        "path": {"type": "string"},
    }
    for name, (kind, wording) in OPERATORS.items():
        test_properties[name] = {**by_kind[kind], "description": f"the field {wording}"}
    ref = {"$ref": "#/$defs/Condition"}
    return {
        "description": "A field test ({field: X, <operator>: value}) or all/any/not of conditions.",
        "type": "object",
        "oneOf": [
            {"properties": test_properties, "required": ["field"], "additionalProperties": False,
             "minProperties": 2, "maxProperties": 2},
            {"properties": {"all": {"type": "array", "items": ref, "minItems": 1}},
             "required": ["all"], "additionalProperties": False},
            {"properties": {"any": {"type": "array", "items": ref, "minItems": 1}},
             "required": ["any"], "additionalProperties": False},
            {"properties": {"not": ref}, "required": ["not"], "additionalProperties": False},
        ],
    }


def as_mapping(condition: Condition) -> Mapping[str, Any]:
    """The condition back in its YAML form (for explain and tests)."""
    if isinstance(condition, AllOf):
        return {"all": [as_mapping(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"any": [as_mapping(item) for item in condition.items]}
    if isinstance(condition, NotOf):
        return {"not": as_mapping(condition.item)}
    operand = condition.operand
    if isinstance(operand, re.Pattern):
        operand = operand.pattern
    elif isinstance(operand, tuple):
        operand = list(operand)
    return {"field": condition.path, condition.op: operand}
