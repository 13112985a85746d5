"""Reading import files into plain source records, each knowing where it came from.

Formats: the Salesforce CLI sObject tree format — a data plan (a JSON list of
``{sobject, saveRefs, resolveRefs, files}``) or a single tree file (``{"records": [...]}``,
child records nested under their relationship name) — and Data Loader CSV (one object per
file, named by the file: ``Account.csv``, ``Accounts.csv``; the header names fields).

Nothing here looks at the database: the importer validates and writes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import WeederError
from sandbox.schema import Schema, SObject


class ImportFileError(WeederError):
    """A file that cannot be read as any import format (the message says where and why)."""


@dataclass
class Source:
    """One record to import, as written in its file."""

    place: str  # "Contacts.json: record ContactRef1", "Account.csv: line 3"
    file: str
    object_name: str
    values: dict[str, Any]
    reference_id: str | None = None
    save_ref: bool = True
    resolve_refs: bool = True
    csv: bool = False
    #: (position of the parent in the source list, lookup field) for nested tree children
    parent: tuple[int, str] | None = None
    children: list[int] = field(default_factory=list)


def read_sources(path: Path, schema: Schema) -> tuple[str, list[Source]]:
    """(a description of what was read, the records) for a plan, tree file, CSV or folder."""
    if not path.exists():
        raise ImportFileError(f"{path}: no such file or folder")
    if path.is_dir():
        csvs = sorted(path.glob("*.csv"))
        if csvs:
            return f"{len(csvs)} CSV files in {path}", _read_csvs(csvs, schema)
        plans = sorted(path.glob("*plan*.json"))
        if len(plans) == 1:
            return read_sources(plans[0], schema)
        raise ImportFileError(f"{path}: no Data Loader CSV files and no single data plan "
                           "(*plan*.json) in this folder")
    if path.suffix.lower() == ".csv":
        return path.name, _read_csvs([path], schema)
    document = _load_json(path)
    if isinstance(document, list):
        return path.name, _read_plan(path, document, schema)
    if isinstance(document, dict) and "records" in document:
        sources: list[Source] = []
        _read_tree(path, document, schema, sources, None, save=True, resolve=True)
        return path.name, sources
    raise ImportFileError(f"{path.name}: neither a data plan (a JSON list) nor a tree file (an "
                       'object with "records"); expected the Salesforce CLI sObject tree format')


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ImportFileError(f"{path.name}:{error.lineno}:{error.colno}: not valid JSON: "
                           f"{error.msg}") from None


def _read_plan(path: Path, plan: list[Any], schema: Schema) -> list[Source]:
    sources: list[Source] = []
    for number, entry in enumerate(plan, start=1):
        where = f"{path.name}: entry {number}"
        if not isinstance(entry, dict):
            raise ImportFileError(f"{where}: expected an object with sobject and files")
        sobject = schema.object(str(entry.get("sobject", "")))
        if sobject is None:
            raise ImportFileError(f"{where}: unknown sobject {entry.get('sobject')!r} "
                               "(INVALID_TYPE)")
        files = entry.get("files")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise ImportFileError(f"{where}: 'files' must be a list of file names")
        for name in files:
            tree_path = path.parent / name
            if not tree_path.is_file():
                raise ImportFileError(f"{where}: {name}: no such file next to the plan")
            document = _load_json(tree_path)
            if not isinstance(document, dict) or not isinstance(document.get("records"), list):
                raise ImportFileError(f'{name}: expected a tree file: {{"records": [...]}}')
            _read_tree(tree_path, document, schema, sources, sobject.name,
                       save=bool(entry.get("saveRefs", False)),
                       resolve=bool(entry.get("resolveRefs", False)))
    return sources


def _read_tree(path: Path, document: dict[str, Any], schema: Schema, sources: list[Source],
               default_type: str | None, *, save: bool, resolve: bool,
               parent: tuple[int, str] | None = None, parent_object: SObject | None = None,
               ) -> list[int]:
    records = document.get("records")
    if not isinstance(records, list):
        raise ImportFileError(f'{path.name}: expected "records" to be a list')
    positions = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ImportFileError(f"{path.name}: record {number}: expected an object")
        attributes = record.get("attributes") or {}
        reference = attributes.get("referenceId") if isinstance(attributes, dict) else None
        place = f"{path.name}: record {reference or number}"
        type_name = (attributes.get("type") if isinstance(attributes, dict) else None) \
            or default_type
        sobject = schema.object(str(type_name or ""))
        if sobject is None:
            raise ImportFileError(f"{place}: unknown sObject type {type_name!r} (INVALID_TYPE)")
        values: dict[str, Any] = {}
        nested: list[tuple[str, dict[str, Any]]] = []
        for key, value in record.items():
            if key == "attributes":
                continue
            if isinstance(value, dict) and "records" in value:
                nested.append((key, value))
            else:
                values[key] = value
        position = len(sources)
        sources.append(Source(place, path.name, sobject.name, values, reference, save, resolve,
                              parent=parent))
        positions.append(position)
        for relationship, children in nested:
            link = schema.child_relationship(sobject.name, relationship)
            if link is None:
                raise ImportFileError(f"{place}: {sobject.name} has no child relationship "
                                   f"{relationship!r}")
            child_type = link.child_object
            sources[position].children += _read_tree(
                path, children, schema, sources, child_type, save=save, resolve=resolve,
                parent=(position, link.field), parent_object=sobject)
    return positions


def object_for_file(path: Path, schema: Schema) -> SObject:
    """The object a Data Loader file holds, from its name: Account.csv, accounts.csv,
    Opportunities.csv."""
    stem = path.stem.lower().replace(" ", "").replace("_", "")
    for sobject in schema.objects:
        names = {sobject.name.lower(), sobject.name.lower() + "s",
                 sobject.label_plural.lower().replace(" ", "")}
        if stem in names:
            return sobject
    raise ImportFileError(f"{path.name}: cannot tell which object this file holds; name it after "
                       "the object, e.g. Account.csv or Contacts.csv")


def _read_csvs(paths: list[Path], schema: Schema) -> list[Source]:
    order = {sobject.name: n for n, sobject in enumerate(schema.objects)}
    tagged = sorted(((object_for_file(p, schema), p) for p in paths),
                    key=lambda pair: (order[pair[0].name], pair[1].name))
    sources: list[Source] = []
    for sobject, path in tagged:
        sources.extend(_read_csv(path, sobject))
    return sources


def _read_csv(path: Path, sobject: SObject) -> Iterator[Source]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text (Data Loader writes UTF-8; re-save "
                           "the file as UTF-8)") from None
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise ImportFileError(f"{path.name}: no header row naming the fields")
    names = [name.strip() for name in header]
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise ImportFileError(f"{path.name}: line {line}: {len(cells)} values for "
                               f"{len(names)} columns")
        values = {name: (cell if cell != "" else None) for name, cell in zip(names, cells,
                                                                              strict=True)}
        yield Source(f"{path.name}: line {line}", path.name, sobject.name, values, csv=True)
