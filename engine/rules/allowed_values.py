"""allowed_values: a field holds one of a fixed set of values, and near misses are corrected.

A value that is not allowed is looked up, in order: as an alias (``USA`` -> ``United States``),
with case and punctuation set aside (``u.s.a`` / ``N.Y.`` -> ``NY``), then fuzzily with rapidfuzz.
A match scoring at least ``threshold`` (0-100), or a single typing slip away from exactly one
allowed value (``Frnace`` -> ``France``; ``max_edits``), becomes a fix; anything weaker becomes a
finding that names the nearest allowed values, and nothing is written. Codes of two or three
letters are only ever matched exactly.

Keys:
  ``field``/``fields``;
  ``values``: the allowed values, or ``values_from``: ``countries`` (ISO 3166 short names, as
  Salesforce's country picklist labels them), ``states`` (ISO 3166-2 codes such as ``CA``,
  ``ON``, for the countries in ``countries``, default ``[US, CA]``; ``country_field`` names the
  field holding the record's country, and records in other countries are skipped),
  ``picklist`` (the field's active picklist values from describe), ``stages`` (opportunity stages);
  ``aliases``: ``{written: allowed}``; ``threshold`` (default 90); ``scorer``: ``ratio`` (default),
  ``wratio``, ``token_sort_ratio`` or ``partial_ratio``; ``max_edits`` (default 1, 0 turns the
  slip rule off); ``nearest``: how many to name (3).
Actions: report, task, fix.

Example::

    - id: account-billing-country
      kind: allowed_values
      object: Account
      field: BillingCountry
      values_from: countries
      action: fix

passes ``{BillingCountry: Germany}``; fixes ``{BillingCountry: Germny}`` to ``Germany`` and
``{BillingCountry: USA}`` to ``United States``; fails ``{BillingCountry: Atlantis}`` with
"BillingCountry 'Atlantis' is not an allowed value; nearest: Albania, Latvia, Malawi".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from engine.canon import Scorer, Vocabulary
from engine.model import Action, Context, FieldChange, Record
from engine.places import (
    TRADITIONAL_STATE_ABBREVIATIONS,
    alpha2_of,
    country_aliases,
    country_names,
    country_vocabulary,
    known_country_code,
    subdivision_codes,
)
from engine.rules.base import FieldsParams, Needs, Violation

KIND = "allowed_values"
ACTIONS = (Action.REPORT, Action.TASK, Action.FIX)
FIELD_PARAMS = ("field", "fields", "country_field")


class Params(FieldsParams):
    values: list[str] | None = Field(default=None, min_length=1, description="allowed values")
    values_from: Literal["countries", "states", "picklist", "stages"] | None = Field(
        default=None, description="a built-in list of allowed values")
    country_field: str | None = Field(default=None,
                                      description="states: the record's country field")
    countries: list[str] = Field(default_factory=lambda: ["US", "CA"], min_length=1,
                                 description="states: ISO alpha-2 codes of countries to check")
    aliases: dict[str, str] = Field(default_factory=dict,
                                    description="written value -> allowed value")
    threshold: float = Field(default=90.0, ge=0, le=100, description="lowest fuzzy score fixed")
    scorer: Scorer = Field(default="ratio", description="rapidfuzz scorer")
    nearest: int = Field(default=3, ge=1, le=10, description="how many near values to name")
    max_edits: int = Field(default=1, ge=0, le=2,
                           description="typing slips repaired below the threshold (0: none)")

    @field_validator("countries")
    @classmethod
    def _iso_codes(cls, codes: list[str]) -> list[str]:
        unknown = [code for code in codes if not known_country_code(code.upper())]
        if unknown:
            raise ValueError(f"unknown ISO country code {unknown[0]!r}; use codes like US, CA")
        return [code.upper() for code in codes]

    @field_validator("aliases")
    @classmethod
    def _aliases_point_at_allowed_values(cls, aliases: dict[str, str],
                                         info: ValidationInfo) -> dict[str, str]:
        values, source = info.data.get("values"), info.data.get("values_from")
        if values is not None:
            allowed, what = set(values), "one of the allowed values"
        elif source == "countries":
            allowed, what = set(country_names()), "a country name such as United States"
        elif source == "states":
            countries = info.data.get("countries") or ()
            allowed = {code for country in countries for code in subdivision_codes(country)}
            what = "a state code such as CA"
        else:
            return aliases
        for alias, target in aliases.items():
            if target not in allowed:
                raise ValueError(f"alias {alias!r} points to {target!r}, which is not {what}")
        return aliases

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if (self.values is None) == (self.values_from is None):
            raise ValueError("give either 'values' or 'values_from'")
        if self.country_field is not None and self.values_from != "states":
            raise ValueError("'country_field' only applies to values_from: states")
        return self

    @cached_property
    def fixed_vocabulary(self) -> Vocabulary | None:
        """The vocabulary when it does not depend on the record or the context."""
        if self.values is not None:
            return self._vocabulary_of(self.values)
        if self.values_from != "countries":
            return None
        if self.aliases or self.threshold != 90.0 or self.scorer != "ratio" or self.max_edits != 1:
            return self._vocabulary_of(country_names(), country_aliases())
        return country_vocabulary()

    @cached_property
    def states_by_country_value(self) -> dict[object, Vocabulary | None]:
        """Country field value as written -> the state vocabulary to use (memo per value)."""
        return {}

    @cached_property
    def states_by_codes(self) -> dict[tuple[str, ...], Vocabulary]:
        return {}

    @cached_property
    def context_memo(self) -> list[tuple[object, Vocabulary | None]]:
        """The vocabulary built from the last context seen (picklist or stages)."""
        return [(None, None)]

    def _vocabulary_of(self, values: Iterable[str],
                       builtin: Mapping[str, str] | None = None) -> Vocabulary:
        aliases = {**(builtin or {}), **self.aliases}
        return Vocabulary(values, aliases, threshold=self.threshold, scorer=self.scorer,
                          nearest=self.nearest, max_edits=self.max_edits)

    def vocabulary_for(self, record: Record, ctx: Context) -> Vocabulary | None:
        if self.values_from == "states":
            if self.country_field is None:
                return self._states_of(tuple(self.countries))
            country = record.get(self.country_field)
            memo = self.states_by_country_value
            if country not in memo:
                if len(memo) > 10_000:
                    memo.clear()
                memo[country] = self._states_in(country)
            return memo[country]
        return self._from_ctx(ctx)

    def _states_in(self, country: object) -> Vocabulary | None:
        if not isinstance(country, str) or not country.strip():
            return None
        canonical = country_vocabulary().match(country).canonical
        code = alpha2_of(canonical) if canonical else None
        if code is None or code not in self.countries:
            return None
        return self._states_of((code,))

    def _states_of(self, codes: tuple[str, ...]) -> Vocabulary:
        vocabulary = self.states_by_codes.get(codes)
        if vocabulary is None:
            values: set[str] = set()
            aliases: dict[str, str] = {}
            for code in codes:
                names = subdivision_codes(code)
                values.update(names)
                aliases.update({name: sub for sub, name in names.items()})
                aliases.update(TRADITIONAL_STATE_ABBREVIATIONS.get(code, {}))
            vocabulary = self._vocabulary_of(values, aliases)
            self.states_by_codes[codes] = vocabulary
        return vocabulary

    def _from_ctx(self, ctx: Context) -> Vocabulary | None:
        source: object = ctx.stages if self.values_from == "stages" else ctx.fields
        cached_source, cached = self.context_memo[0]
        if cached_source is source:
            return cached
        if self.values_from == "stages":
            values: list[str] = [stage.name for stage in ctx.stages]
        else:
            info = ctx.fields.get(self.rule_object, {}).get(self.targets[0])
            values = list(info.picklist_values) if info else []
        vocabulary = self._vocabulary_of(values) if values else None
        self.context_memo[0] = (source, vocabulary)
        return vocabulary


def needs(params: Params) -> Needs:
    extra = (params.country_field,) if params.country_field else ()
    return Needs(fields=frozenset((*params.targets, *extra)),
                 stages=params.values_from == "stages")


def check(params: Params, record: Record, ctx: Context) -> Iterator[Violation]:
    fixed = params.fixed_vocabulary
    for name in params.targets:
        value = record.get(name)
        if type(value) is not str or not value:
            continue
        vocabulary = fixed if fixed is not None else params.vocabulary_for(record, ctx)
        if vocabulary is None or value in vocabulary.values:
            continue
        match = vocabulary.match(value)
        if match.canonical is not None:
            yield Violation(
                field=name,
                message=f"{name} {value!r} should be {match.canonical!r}",
                evidence={"value": value, "suggestion": match.canonical, "matched": match.how,
                          "score": round(match.score, 1)},
                changes={name: FieldChange(value, match.canonical)},
            )
        else:
            nearest = ", ".join(match.nearest) or "none"
            yield Violation(
                field=name,
                message=f"{name} {value!r} is not an allowed value; nearest: {nearest}",
                evidence={"value": value, "nearest": list(match.nearest),
                          "score": round(match.score, 1)},
            )
