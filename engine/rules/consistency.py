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

from pydantic import Field, PrivateAttr, model_validator

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
from engine.model import Action, Context, Record
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

    _condition: Condition | None = PrivateAttr(default=None)
    _described: str = PrivateAttr(default="")
    _holds: Callable[[Record, Context], bool] = PrivateAttr()
    _placeholders: tuple[tuple[str, Callable[[Record, Context], object]], ...] = PrivateAttr(())

    @model_validator(mode="after")
    def _one_condition(self) -> Params:
        if (self.require is None) == (self.forbid is None):
            raise ValueError("give either 'require' or 'forbid'")
        return self


def prepare(params: Params, obj: str, schema: Schema) -> Iterator[Problem]:
    key = "require" if params.require is not None else "forbid"
    resolve = path_resolver(schema, obj)
    condition, problems = parse_condition(getattr(params, key), (key,), resolve)
    yield from problems
    placeholders = []
    for path in _PLACEHOLDER.findall(params.message or ""):
        found = resolve(path)
        if isinstance(found, str):
            yield Problem(("message",), f"placeholder {{{path}}}: {found}")
        else:
            placeholders.append((path, compile_getter(path)))
    if condition is not None:
        params._condition = condition
        params._described = describe(condition)
        params._holds = compile_condition(condition)
    params._placeholders = tuple(placeholders)


def needs(params: Params) -> Needs:
    paths = set(record_fields(params.field))
    if params._condition is not None:
        paths.update(condition_paths(params._condition))
    for path, _ in params._placeholders:
        paths.update(record_fields(path))
    stages = (params._condition is not None and uses_stages(params._condition)) or any(
        path.startswith("$stage.") for path, _ in params._placeholders)
    return Needs(fields=frozenset(paths), stages=stages)


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    holds = params._holds(record, ctx)
    if holds is (params.require is not None):
        return
    value = record.get(params.field)
    yield Violation(field=params.field, message=_message(params, record, ctx, value),
                    evidence={"value": value})


def _message(params: Params, record: Record, ctx: Context, value: object) -> str:
    if params.message is None:
        wording = "expected" if params.require is not None else "must not have"
        return f"{params.field} is {display(value)}; {wording}: {params._described}"
    values = {path: get(record, ctx) for path, get in params._placeholders}
    return _PLACEHOLDER.sub(lambda found: _shown(values.get(found.group(1))), params.message)


def _shown(value: object) -> str:
    text = display(value)
    return text[1:-1] if isinstance(value, str) else text
