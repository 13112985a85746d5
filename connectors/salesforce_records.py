"""Turning Salesforce's wire shapes into Weeder records (plain dicts, `attributes` removed) and
checking the names Weeder puts into SOQL. Pure functions: no I/O.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.errors import WeederError

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_OBJECT_RE = re.compile(_NAME)
_FIELD_PATH_RE = re.compile(rf"{_NAME}(?:\.{_NAME})*")

#: Fetches a nested page by its ``nextRecordsUrl`` (for child subqueries longer than a page).
FetchMore = Callable[[str], Mapping[str, Any]]


def check_object_name(name: str) -> str:
    if not isinstance(name, str) or not _OBJECT_RE.fullmatch(name):
        raise WeederError(f"{name!r} is not a Salesforce object name (like Account or Foo__c)")
    return name


def check_field(field: str) -> str:
    """A field path (``Owner.Name``) or a child subquery (``(SELECT Id FROM Contacts)``)."""
    if isinstance(field, str):
        stripped = field.strip()
        if _FIELD_PATH_RE.fullmatch(stripped):
            return stripped
        if (
            stripped.startswith("(")
            and stripped.endswith(")")
            and _balanced(stripped)
            and re.match(r"\(\s*SELECT\s", stripped, re.IGNORECASE)
        ):
            return stripped
    raise WeederError(
        f"{field!r} is not a Salesforce field (like Name, Owner.Name or a child subquery "
        "'(SELECT Id FROM Contacts)')"
    )


def _balanced(text: str) -> bool:
    depth = 0
    for _, char, in_quote in _scan(text):
        if in_quote:
            continue
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def _scan(soql: str) -> Iterator[tuple[int, str, bool]]:
    """(index, character, inside a string literal), honouring backslash escapes."""
    in_quote = False
    escaped = False
    for i, char in enumerate(soql):
        if in_quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                in_quote = False
                yield i, char, True
                continue
            yield i, char, True
        elif char == "'":
            in_quote = True
            yield i, char, True
        else:
            yield i, char, False


def _top_level(soql: str) -> tuple[str, list[str]]:
    """The query with depth>0 text blanked, and the parenthesised groups at depth 1."""
    flat: list[str] = []
    groups: list[str] = []
    depth = 0
    start = 0
    for i, char, in_quote in _scan(soql):
        if not in_quote and char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif not in_quote and char == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(soql[start : i + 1])
        flat.append(char if depth == 0 and not in_quote and char not in "()" else " ")
    return "".join(flat), groups


def child_relationships(soql: str) -> frozenset[str]:
    """Lower-cased relationship names of the child subqueries in the top-level SELECT list."""
    flat, groups = _top_level(soql)
    match = re.search(r"\bFROM\b", flat, re.IGNORECASE)
    select_end = match.start() if match else len(soql)
    names: set[str] = set()
    offset = 0
    for group in groups:
        position = soql.find(group, offset)
        offset = position + len(group)
        if position >= select_end:
            break  # semi-joins in WHERE are not child relationships
        inner_flat, _ = _top_level(group[1:-1])
        found = re.match(rf"\s*SELECT\b.*?\bFROM\s+({_NAME})", inner_flat, re.I | re.S)
        if found:
            names.add(found.group(1).lower())
    return frozenset(names)


def clean_record(
    record: Mapping[str, Any],
    children: frozenset[str] = frozenset(),
    fetch_more: FetchMore | None = None,
) -> dict[str, Any]:
    """A query row as Weeder reads it: no ``attributes`` at any depth, parents as nested dicts,
    child subqueries as lists (``null`` -> ``[]``), long child lists fetched to the end."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if _is_query_result(value):
            out[key] = _child_rows(value, fetch_more)
        elif isinstance(value, Mapping):
            out[key] = clean_record(value)
        elif value is None and key.lower() in children:
            out[key] = []
        else:
            out[key] = value
    return out


def _is_query_result(value: Any) -> bool:
    return isinstance(value, Mapping) and "records" in value and "done" in value


def _child_rows(result: Mapping[str, Any], fetch_more: FetchMore | None) -> list[dict[str, Any]]:
    rows = [clean_record(row) for row in result.get("records") or ()]
    while not result.get("done", True) and result.get("nextRecordsUrl") and fetch_more:
        result = fetch_more(str(result["nextRecordsUrl"]))
        rows.extend(clean_record(row) for row in result.get("records") or ())
    return rows


def csv_records(text: str) -> Iterator[dict[str, Any]]:
    """Rows of a Bulk API 2.0 CSV page: values stay strings, empty becomes None, and dotted
    columns (``Account.Name``) nest like a REST query (an all-empty parent becomes None)."""
    reader = csv.DictReader(io.StringIO(text.replace("\x00", "")))
    for row in reader:
        record: dict[str, Any] = {}
        for column, raw in row.items():
            if column is None:
                continue
            _put(record, column.split("."), raw if raw != "" else None)
        yield _collapse_empty_parents(record)


def _put(record: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        record = record.setdefault(part, {})
    record[path[-1]] = value


def _collapse_empty_parents(record: dict[str, Any]) -> dict[str, Any]:
    for key, value in record.items():
        if isinstance(value, dict):
            value = _collapse_empty_parents(value)
            record[key] = None if all(v is None for v in value.values()) else value
    return record


_NUMBER_TYPES = frozenset({"double", "currency", "percent"})


def typed_value(value: Any, field_type: str) -> Any:
    """A Bulk API CSV value (a string) in the JSON type a REST query would give."""
    if value is None or not isinstance(value, str):
        return value
    if field_type == "boolean":
        return value.lower() == "true"
    try:
        if field_type == "int":
            return int(float(value))
        if field_type in _NUMBER_TYPES:
            return float(value)
    except ValueError:
        return value
    return value


def typed_record(record: dict[str, Any], field_types: Mapping[str, str]) -> dict[str, Any]:
    """Bulk rows typed like REST rows, so rules see the same values either way."""
    for name, value in record.items():
        field_type = field_types.get(name)
        if field_type is not None:
            record[name] = typed_value(value, field_type)
    return record
