"""consistency: fields that must agree with each other, or with the stage the deal is in.

Written as a condition the record must satisfy (``require``) or must not (``forbid``), usually
with a ``when`` saying which records it concerns. Conditions may read ``$stage.IsClosed``,
``$stage.IsWon``, ``$stage.SortOrder`` and ``$stage.DefaultProbability`` on opportunities.

Keys:
  ``field``: the field the finding is about; ``require`` or ``forbid``: a condition;
  ``message``: the finding's text, where ``{Field}`` or ``{$stage.X}`` is replaced by the value
  (default: the field's value and the condition in words).
Actions: report, task.

Example — an open deal whose close date has passed::

    - id: opportunity-close-date-passed
      kind: consistency
      object: Opportunity
      field: CloseDate
      when: {field: IsClosed, equals: false}
      forbid: {field: CloseDate, older_than_days: 0}
      message: "open deal with CloseDate {CloseDate} in the past"

passes ``{IsClosed: false, CloseDate: <today>}`` and ``{IsClosed: true, CloseDate: 2020-01-31}``;
fails ``{IsClosed: false, CloseDate: 2020-01-31}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from pydantic import Field, model_validator

from engine.conditions import (
    Condition,
    ConditionData,
    compile_condition,
    condition_paths,
    describe,
    parse_condition,
    uses_stages,
)
from engine.fieldpath import compile_getter, path_resolver, record_fields
from engine.located import Problem
from engine.model import Action, Context, FieldInfo, Record
from engine.rules.base import Needs, ParamsBase, Violation
from engine.sfschema import Schema
from engine.values import display

KIND = "consistency"
ACTIONS = (Action.REPORT, Action.TASK)
FIELD_PARAMS = ("field",)

_PLACEHOLDER = re.compile(r"\{([A-Za-z$][A-Za-z0-9_.$]*)\}")


class Params(ParamsBase):
    field: str = Field(description="the field the finding is about")
    require: ConditionData = Field(default=None, description="a condition that must hold")
    forbid: ConditionData = Field(default=None, description="a condition that must not hold")
    message: str | None = Field(default=None, description="finding text; {Field} is replaced")

    @model_validator(mode="after")
    def _one_condition(self) -> Params:
        if (self.require is None) == (self.forbid is None):
            raise ValueError("give either 'require' or 'forbid'")
        return self

    @property
    def condition_data(self) -> object:
        return self.require if self.require is not None else self.forbid

    @cached_property
    def compiled(self) -> _Compiled:
        """The condition and message placeholders, compiled (checked by :func:`prepare`)."""
        condition, _ = parse_condition(self.condition_data, (), _checked_already)
        if condition is None:
            raise ValueError(f"consistency condition was not checked: {self.condition_data!r}")
        placeholders = tuple((path, compile_getter(path))
                             for path in _PLACEHOLDER.findall(self.message or ""))
        return _Compiled(condition, compile_condition(condition), describe(condition),
                         placeholders, self.require is not None)


@dataclass(frozen=True, slots=True)
class _Compiled:
    condition: Condition
    holds: Callable[[Record, Context], bool]
    described: str
    placeholders: tuple[tuple[str, Callable[[Record, Context], object]], ...]
    required: bool


def _checked_already(path: str) -> FieldInfo:
    # prepare() resolved every path against the schema; compiling needs no second look.
    return FieldInfo(name=path, type="anytype")


def prepare(params: Params, obj: str, schema: Schema) -> Iterator[Problem]:
    key = "require" if params.require is not None else "forbid"
    resolve = path_resolver(schema, obj)
    _, problems = parse_condition(params.condition_data, (key,), resolve)
    yield from problems
    for path in _PLACEHOLDER.findall(params.message or ""):
        found = resolve(path)
        if isinstance(found, str):
            yield Problem(("message",), f"placeholder {{{path}}}: {found}")


def needs(params: Params) -> Needs:
    compiled = params.compiled
    paths = set(record_fields(params.field))
    paths.update(condition_paths(compiled.condition))
    for path, _ in compiled.placeholders:
        paths.update(record_fields(path))
    stages = uses_stages(compiled.condition) or any(
        path.startswith("$stage.") for path, _ in compiled.placeholders)
    return Needs(fields=frozenset(paths), stages=stages)


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    compiled = params.compiled
    if compiled.holds(record, ctx) is compiled.required:
        return
    value = record.get(params.field)
    yield Violation(field=params.field, message=_message(params, compiled, record, ctx, value),
                    evidence={"value": value})


def _message(params: Params, compiled: _Compiled, record: Record, ctx: Context,
             value: object) -> str:
    if params.message is None:
        wording = "expected" if compiled.required else "must not have"
        return f"{params.field} is {display(value)}; {wording}: {compiled.described}"
    values = {path: get(record, ctx) for path, get in compiled.placeholders}
    return _PLACEHOLDER.sub(lambda found: display(values.get(found.group(1)), quoted=False),
                            params.message)
