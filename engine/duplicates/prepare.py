"""Records turned into columns of normalised values, one column per comparison.

Matching reads each value many times (once per candidate pair), so every value is normalised
once, here, into numpy object arrays that rapidfuzz's ``cpdist``/``cdist`` take directly.
Missing values are ``""`` and are never compared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np

from engine.duplicates.config import Comparison, Kind, Matcher, Scorer
from engine.duplicates.normalise.emails import split_email
from engine.duplicates.normalise.generic_words import SHIPPED_GENERIC, TokenWeights
from engine.duplicates.normalise.identifiers import (
    normalise_date,
    normalise_identifier,
    normalise_postcode,
    normalise_text,
    website_domain,
)
from engine.duplicates.normalise.legal_forms import company_core
from engine.duplicates.normalise.phones import to_e164
from engine.duplicates.normalise.streets import house_numbers, normalise_street

Record = Mapping[str, Any]
Normaliser = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Variant:
    """One reading of a comparison for every record: ``text`` is what gets scored.

    For emails ``text`` is the local part, with the domain and its free-mail flag beside it.
    """

    text: np.ndarray  # object array of str, "" when missing
    has: np.ndarray  # bool array: text is not empty
    #: Distinct texts numbered (index into ``values``), for scorers that work per distinct pair
    #: of values in Python (company names, nicknames) rather than per pair of records.
    codes: np.ndarray
    values: tuple[str, ...]
    domain: np.ndarray | None = None  # emails only: object array of str
    free: np.ndarray | None = None  # emails only: bool array
    #: Emails and streets: the numbers in the value ("2" in jo.li2, "12" in 12 Main St), which
    #: tell namesakes and neighbours apart.
    digits: np.ndarray | None = None
    #: For token_sort_ratio: the words of ``text`` in order, so scoring is a plain ratio.
    sorted_text: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Column:
    comparison: Comparison
    #: One variant when fields are joined; one per field position for ``combine: best``.
    variants: tuple[Variant, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """The matched records, normalised. Rows ``[0, n_left)`` are the records matched, rows
    ``[n_left, n)`` the records they are matched ``against`` (none when matching a set with
    itself)."""

    ids: np.ndarray  # object array of record ids
    n_left: int
    columns: Mapping[str, Column]
    token_weights: TokenWeights | None

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def has_against(self) -> bool:
        return self.n_left < len(self.ids)


def normaliser_for(kind: Kind, phone_region: str) -> Normaliser:
    table: dict[Kind, Normaliser] = {
        Kind.TEXT: normalise_text,
        Kind.FIRST_NAME: normalise_text,
        Kind.LAST_NAME: normalise_text,
        Kind.COMPANY: company_core,
        Kind.PHONE: partial(to_e164, region=phone_region),
        Kind.STREET: normalise_street,
        Kind.POSTCODE: normalise_postcode,
        Kind.DATE: normalise_date,
        Kind.WEBSITE: website_domain,
        Kind.IDENTIFIER: normalise_identifier,
    }
    return table[kind]


def field_getter(path: str) -> Callable[[Record], str]:
    """Reads ``"Email"`` or a parent's field ``"Account.Name"``; anything missing reads ``""``."""
    if "." not in path:
        return lambda record: _as_text(record.get(path))
    steps = path.split(".")

    def nested(record: Record) -> str:
        if path in record:  # a CSV column literally named "Account.Name"
            return _as_text(record[path])
        value: Any = record  # a query result nests the parent: {"Account": {"Name": …}}
        for step in steps:
            if not isinstance(value, Mapping):
                return ""
            value = value.get(step)
        return _as_text(value)

    return nested


def _text(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN from a data frame is a missing value
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def prepare(
    records: Sequence[Record],
    matcher: Matcher,
    *,
    against: Sequence[Record] | None = None,
    id_field: str = "Id",
    phone_region: str = "US",
) -> Table:
    read_id = field_getter(id_field)
    ids = [read_id(record) for record in records]
    if against is not None:
        ids += [read_id(record) for record in against]
    columns: dict[str, Column] = {}
    for comparison in matcher.comparisons:
        columns[comparison.name] = _column(comparison, records, against, phone_region)
    token_weights = None
    if any(c.kind is Kind.COMPANY for c in matcher.comparisons):
        token_weights = _token_weights(matcher, columns)
    return Table(np.array(ids, dtype=object), len(records), columns, token_weights)


def _column(
    comparison: Comparison,
    records: Sequence[Record],
    against: Sequence[Record] | None,
    phone_region: str,
) -> Column:
    left_fields = comparison.fields_for(against=False)
    right_fields = comparison.fields_for(against=True) if against is not None else []
    if comparison.combine == "join":
        groups = [(left_fields, right_fields)]
    else:
        width = max(len(left_fields), len(right_fields))
        groups = [
            (left_fields[i : i + 1], right_fields[i : i + 1]) for i in range(width)
        ]
    variants = []
    for left, right in groups:
        raw = _read(records, left)
        if against is not None:
            raw += _read(against, right)
        variant = _variant(comparison.kind, raw, phone_region)
        if comparison.effective_scorer is Scorer.TOKEN_SORT_RATIO:
            variant = replace(variant, sorted_text=_sorted_words(variant))
        variants.append(variant)
    return Column(comparison, tuple(variants))


def _sorted_words(variant: Variant) -> np.ndarray:
    ordered = [" ".join(sorted(value.split())) for value in variant.values]
    return np.array(ordered, dtype=object)[variant.codes]


def _read(records: Sequence[Record], fields: Sequence[str]) -> list[Any]:
    """Each record's fields joined by a space (empty fields skipped); ``""`` with no fields.

    Values may come back as non-strings (numbers, dates); :func:`_variant` turns them to text
    once per distinct value.
    """
    if not fields:
        return [""] * len(records)
    if len(fields) == 1 and "." not in fields[0]:
        name = fields[0]
        return [record.get(name) for record in records]  # the hot path: a plain column
    getters = [field_getter(name) for name in fields]
    if len(getters) == 1:
        only = getters[0]
        return [only(record) for record in records]
    return [" ".join(part for get in getters if (part := get(record))) for record in records]


def _variant(kind: Kind, raw: list[Any], phone_region: str) -> Variant:
    # Normalise each distinct value once: CRM columns repeat names, cities and companies.
    position: dict[Any, int] = {}
    index = np.fromiter((position.setdefault(value, len(position)) for value in raw),
                        dtype=np.int64, count=len(raw))
    texts = [_as_text(value) for value in position]
    if kind is Kind.EMAIL:
        parts = [split_email(text) for text in texts]
        return _spread(
            [p.local for p in parts], index,
            domain=[p.domain for p in parts],
            free=[p.free for p in parts],
            digits=[p.digits for p in parts],
        )
    normalise = normaliser_for(kind, phone_region)
    normalised = [normalise(text) for text in texts]
    if kind is Kind.STREET:
        return _spread(normalised, index, digits=[house_numbers(v) for v in normalised])
    return _spread(normalised, index)


def _spread(distinct_text: list[str], index: np.ndarray, **distinct_extra: list[Any]) -> Variant:
    """Per-distinct-value results spread back to every record, with codes per distinct text."""
    numbering: dict[str, int] = {}
    code_of = np.fromiter((numbering.setdefault(v, len(numbering)) for v in distinct_text),
                          dtype=np.int64, count=len(distinct_text))
    text = np.array(distinct_text, dtype=object)[index] if len(index) else np.array([], object)
    extra = {
        name: np.array(values, dtype=bool if name == "free" else object)[index]
        for name, values in distinct_extra.items()
    }
    return Variant(text, has=text != "", codes=code_of[index], values=tuple(numbering), **extra)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _text(value)


def _token_weights(matcher: Matcher, columns: Mapping[str, Column]) -> TokenWeights:
    settings = matcher.generic_words
    shipped = set(SHIPPED_GENERIC) if settings.use_shipped_list else set()
    shipped |= {normalise_text(word) for word in settings.extra}
    shipped -= {normalise_text(word) for word in settings.not_generic}
    # Distinct names: fifty contacts of one account are one company, not fifty uses of its words.
    names: set[str] = set()
    for column in columns.values():
        if column.comparison.kind is Kind.COMPANY:
            for variant in column.variants:
                names.update(variant.text.tolist())
    weights = TokenWeights.from_names(
        names,
        shipped=shipped,
        share=settings.share,
        min_count=settings.min_count,
        generic_weight=settings.weight,
    )
    if settings.not_generic:
        keep = frozenset(normalise_text(word) for word in settings.not_generic)
        weights = TokenWeights(weights.generic - keep, weights.generic_weight,
                               weights.frequent - keep)
    return weights
