"""decay: records nobody has touched for too long — data rots all the time, so look continuously.

The rule reads a date field (usually ``LastActivityDate``) and flags the record when that date is
more than ``days`` days or ``months`` calendar months before today. When the field is empty,
``fallback_field`` (say ``CreatedDate``) is used instead, so a record created yesterday is not
stale; with no date at all the record is flagged as never touched. Use ``when`` to limit it
(open deals only, say).

Keys: ``field``; ``days`` or ``months``; ``fallback_field``.
Actions: report, task.

Example — open deals with no activity for 60 days::

    - id: opportunity-stale
      kind: decay
      object: Opportunity
      field: LastActivityDate
      fallback_field: CreatedDate
      days: 60
      when: {field: IsClosed, equals: false}

with today 2026-11-22 passes ``{LastActivityDate: 2026-11-01}``;
fails ``{LastActivityDate: 2026-08-01}`` with "no activity since 2026-08-01 (113 days; the
limit is 60 days)".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cached_property

from pydantic import Field, model_validator

from engine.located import Problem
from engine.model import Action, Context, Record
from engine.rules.base import Needs, ParamsBase, Violation
from engine.sfschema import Schema
from engine.values import as_date, date_key, days_before, months_before

KIND = "decay"
ACTIONS = (Action.REPORT, Action.TASK)
FIELD_PARAMS = ("field", "fallback_field")

_DATE_TYPES = ("date", "datetime", "anytype")


class Params(ParamsBase):
    field: str = Field(description="the date of the last touch, e.g. LastActivityDate")
    days: int | None = Field(default=None, ge=1, description="stale after this many days")
    months: int | None = Field(default=None, ge=1, description="stale after this many months")
    fallback_field: str | None = Field(default=None, description="date used when field is empty")

    @model_validator(mode="after")
    def _one_limit(self) -> Params:
        if (self.days is None) == (self.months is None):
            raise ValueError("give either 'days' or 'months'")
        return self

    @cached_property
    def memo(self) -> list[tuple[date | None, str]]:
        """The last (today, cutoff) computed: the cutoff changes once a day, not per record."""
        return [(None, "")]

    def threshold(self, today: date) -> str:
        memo = self.memo[0]
        if memo[0] is not today:
            cutoff = (days_before(today, self.days) if self.days is not None
                      else months_before(today, self.months or 0))
            memo = (today, cutoff)
            self.memo[0] = memo
        return memo[1]

    @property
    def limit(self) -> str:
        return f"{self.days} days" if self.days is not None else f"{self.months} months"


def prepare(params: Params, obj: str, schema: Schema) -> Iterator[Problem]:
    for key in ("field", "fallback_field"):
        name = getattr(params, key)
        info = schema.field(obj, name) if name else None
        if info is not None and info.type not in _DATE_TYPES:
            yield Problem((key,), f"'{key}' must be a date or datetime field; "
                                  f"{obj}.{name} is {info.type}")


def needs(params: Params) -> Needs:
    extra = (params.fallback_field,) if params.fallback_field else ()
    return Needs(fields=frozenset((params.field, *extra)))


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    key = date_key(record.get(params.field))
    source = params.field
    if key is None and params.fallback_field is not None:
        key = date_key(record.get(params.fallback_field))
        source = params.fallback_field
    if key is not None and key >= params.threshold(ctx.today):
        return
    if key is None:
        yield Violation(field=params.field, message=f"no activity recorded (limit {params.limit})",
                        evidence={"last": None, "limit": params.limit})
        return
    last = as_date(key)
    age = (ctx.today - last).days if last is not None else None
    yield Violation(
        field=params.field,
        message=f"no activity since {key} ({age} days; the limit is {params.limit})",
        evidence={"last": key, "source": source, "days": age, "limit": params.limit},
    )
