"""normalise: rewrite a value into its house form — tidy spaces, name case, E.164 phones.

Steps run in the order given; when the result differs from the stored value, the rule proposes
a fix (with ``action: fix`` it is written back; otherwise it is reported with the suggestion).

Steps:
  ``trim`` (no leading/trailing spaces), ``collapse_spaces`` (runs of whitespace become one
  space), ``name_case`` (``JOHN`` -> ``John``, ``o'brien`` -> ``O'Brien``, ``mcdonald`` ->
  ``McDonald``; names already in mixed case are left alone), ``lower``, ``upper``,
  ``e164`` (``(415) 555-0123`` -> ``+14155550123``; text that is not a phone number is left for
  ``format`` to report).
Keys: ``field``/``fields``; ``steps``; ``default_region`` and ``region_field`` (for ``e164``,
as in ``format``).
Actions: report, task, fix.

Example::

    - id: account-name-spaces
      kind: normalise
      object: Account
      field: Name
      steps: [trim, collapse_spaces]
      action: fix

passes ``{Name: Acme Corp}``; fixes ``{Name: "Acme  Corp "}`` to ``Acme Corp``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Literal

import phonenumbers
from pydantic import Field, field_validator

from engine import phones
from engine.model import Action, Context, FieldChange, Record
from engine.names import name_case
from engine.rules.base import FieldsParams, Needs, Violation
from engine.rules.format import region_of

KIND = "normalise"
ACTIONS = (Action.REPORT, Action.TASK, Action.FIX)
FIELD_PARAMS = ("field", "fields", "region_field")

Step = Literal["trim", "collapse_spaces", "name_case", "lower", "upper", "e164"]
Transform = Callable[[str, Record], str]

_RUNS = re.compile(r"\s{2,}|[\t\n\r\f\v]")


def _collapse(text: str, record: Record) -> str:
    return _RUNS.sub(" ", text) if _RUNS.search(text) else text


_SIMPLE: dict[str, Transform] = {
    "trim": lambda text, record: text.strip(),
    "collapse_spaces": _collapse,
    "name_case": lambda text, record: name_case(text),
    "lower": lambda text, record: text.lower(),
    "upper": lambda text, record: text.upper(),
}


class Params(FieldsParams):
    steps: list[Step] = Field(min_length=1, description="transformations, in order")
    default_region: str = Field(default="US", description="e164: region of numbers without +")
    region_field: str | None = Field(default=None,
                                     description="e164: country field picking the region")

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {region!r}; use an ISO country code like US")
        return region.upper()

    @cached_property
    def transforms(self) -> tuple[Transform, ...]:
        return tuple(self._e164 if step == "e164" else _SIMPLE[step] for step in self.steps)

    def _e164(self, text: str, record: Record) -> str:
        if phones.looks_e164(text):
            return text
        region = (region_of(record.get(self.region_field), self.default_region)
                  if self.region_field else self.default_region)
        return phones.to_e164(text, region) or text


def needs(params: Params) -> Needs:
    extra = (params.region_field,) if params.region_field else ()
    return Needs(fields=frozenset((*params.targets, *extra)))


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    transforms = params.transforms
    for name in params.targets:
        value = record.get(name)
        if type(value) is not str or not value:
            continue
        result = value
        for transform in transforms:
            result = transform(result, record)
        if result != value:
            yield Violation(
                field=name,
                message=f"{name} {value!r} should be {result!r}",
                evidence={"value": value, "suggestion": result},
                changes={name: FieldChange(value, result)},
            )
