"""Result rows (tuples) -> records in Salesforce's JSON shape.

A :class:`RecordShape` says, for one record level, which column holds its Id and which keys
it has in SELECT order: plain fields, parent records (nested shapes over the same row) and
child subquery results (filled in by the executor). :func:`make_builder` turns a shape into a
function of one row, doing per-query work (key lists, converters, url prefixes) once rather than
per row: query_all of 100,000 records must stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sandbox.schema import NUMBER_TYPES, Field

Converter = Callable[[Any], Any]
Builder = Callable[[tuple[Any, ...]], dict[str, Any]]


def _to_bool(value: Any) -> Any:
    return value if value is None else bool(value)


def _to_int(value: Any) -> Any:
    return value if value is None or type(value) is int else int(value)


def _to_float(value: Any) -> Any:
    return value if value is None or type(value) is float else float(value)


def converter(found: Field) -> Converter | None:
    """The stored -> JSON conversion of :func:`sandbox.db.from_storage`; None when identity."""
    if found.type == "boolean":
        return _to_bool
    if found.type == "int":
        return _to_int
    if found.type in NUMBER_TYPES:
        return _to_float
    return None


@dataclass
class Slot:
    key: str
    #: the column read for this key: the field's value, a parent's Id, or the record's own Id
    #: for a child subquery (replaced by the executor)
    index: int
    convert: Converter | None = None
    parent: RecordShape | None = None
    child: bool = False


@dataclass
class RecordShape:
    #: the object's name, or None for a polymorphic parent (type from the id's key prefix)
    type_name: str | None
    id_index: int
    type_by_prefix: dict[str, str] = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)

    def slot(self, key: str) -> Slot | None:
        return next((s for s in self.slots if s.key == key), None)


def make_builder(shape: RecordShape, url_base: str) -> Builder:
    """A function building one record of ``shape`` from a row; ``url_base`` ends in
    ``/sobjects/``."""
    keys = ("attributes", *(s.key for s in shape.slots))
    indexes = tuple(s.index for s in shape.slots)
    if len(indexes) == 1:
        only = indexes[0]

        def values(row: tuple[Any, ...]) -> tuple[Any, ...]:
            return (row[only],)
    else:
        values = itemgetter(*indexes)  # type: ignore[assignment]
    converted = tuple((s.key, s.convert) for s in shape.slots if s.convert is not None)
    parents = tuple((s.key, make_builder(s.parent, url_base))
                    for s in shape.slots if s.parent is not None)
    id_index = shape.id_index
    type_name = shape.type_name
    by_prefix = shape.type_by_prefix
    url = f"{url_base}{type_name}/"
    if type_name is not None and len(indexes) == 1 and not converted and not parents:
        # `Owner.Name`, `Account.Name`: the most common parent shape, built in one literal
        (key,) = keys[1:]
        (index,) = indexes

        def build_one(row: tuple[Any, ...]) -> dict[str, Any]:
            return {"attributes": {"type": type_name, "url": url + row[id_index]},
                    key: row[index]}

        return build_one

    def build(row: tuple[Any, ...]) -> dict[str, Any]:
        record_id = row[id_index]
        if type_name is None:
            concrete = by_prefix.get(record_id[:3])
            attributes = {"type": concrete, "url": f"{url_base}{concrete}/{record_id}"}
        else:
            attributes = {"type": type_name, "url": url + record_id}
        record: dict[str, Any] = dict(zip(keys, (attributes, *values(row)), strict=True))
        for key, convert in converted:
            record[key] = convert(record[key])
        for key, parent in parents:
            # The slot's column is the parent's Id: NULL when the lookup is empty.
            if record[key] is not None:
                record[key] = parent(row)
        return record

    return build


def field_value(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a shaped record (``Owner.Manager.Email``); None when a
    parent on the way is null. For flat outputs such as Bulk API CSV."""
    value: Any = record
    for key in path.split("."):
        if value is None:
            return None
        value = value[key]
    return value
