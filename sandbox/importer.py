"""`weeder sandbox import`: load an org's export into the sandbox, all or nothing.

Every record is checked before anything is written — unknown objects and fields, values that
do not fit their field, references that lead nowhere, missing required fields — and every
problem is reported at once, each naming its file and record. Only a clean import is written,
in one transaction, with the org's system and derived fields filled as Salesforce would
(CreatedById the admin, Name from first and last name, IsClosed/IsWon/Probability from the
stage) and the history rows a new record gets.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.errors import WeederError
from sandbox.bootstrap import ensure_org
from sandbox.db import (
    allocate_ids_in_transaction,
    connect,
    declare_custom_field,
    format_datetime,
    insert_rows,
    load_schema,
    to_storage,
)
from sandbox.derive import DeriveContext, derive
from sandbox.history import field_history_rows, opportunity_history_row
from sandbox.ids import POD
from sandbox.importer_check import Checked, Checker, Problems
from sandbox.importer_read import read_sources
from sandbox.schema import STAGE_NAMES, STANDARD, Field, Schema
from sandbox.seed_derived import load_stages, refresh_last_activity_dates

#: Custom field types an admin may declare (Salesforce's names and a few friendly ones).
DECLARABLE = {
    "string": "string", "text": "string", "textarea": "textarea", "longtext": "textarea",
    "url": "url", "email": "email", "phone": "phone", "picklist": "picklist",
    "boolean": "boolean", "checkbox": "boolean", "int": "int", "integer": "int",
    "double": "double", "number": "double", "currency": "currency", "percent": "percent",
    "date": "date", "datetime": "datetime",
}
_DECLARATION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)\s*:\s*(\w+)\s*$")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def import_path(path: str | Path, db_path: str | Path, *, declare: Sequence[str] = ()) -> str:
    """Import a data plan, tree file, Data Loader CSV file or folder of them into ``db_path``.

    ``declare`` holds custom fields to add first, as ``Object.Name__c:type``. Returns a one-line
    summary; raises WeederError listing every problem when nothing could be imported.
    """
    started = time.perf_counter()
    source = Path(path)
    if not source.exists():
        raise WeederError(f"{source}: no such file or folder", exit_code=1)
    conn = connect(db_path)
    try:
        declared = [parse_declaration(text) for text in declare]
        schema = _with_declared(load_schema(conn), declared)
        what, sources = read_sources(source, schema)
        if not sources:
            raise WeederError(f"{what}: no records to import", exit_code=1)
        stages = load_stages(conn)
        stage_names = [stage.name for stage in stages.values()] or list(STAGE_NAMES)
        checked = Checker(conn, schema, sources, stage_names).run()
        now = datetime.now(UTC)
        admin_id = ensure_org(conn, now=now)
        counts, reassigned = _write(conn, schema, declared, checked, admin_id, now)
    finally:
        conn.close()
    return _summary(what, db_path, counts, declared, reassigned, time.perf_counter() - started)


def parse_declaration(text: str) -> tuple[str, Field]:
    """``Contact.Picture__c:url`` -> ("Contact", the field). Raises WeederError when wrong."""
    match = _DECLARATION.match(text)
    if match is None:
        raise WeederError(f"--declare-field {text!r}: expected Object.Name__c:type, for example "
                          "Contact.Picture__c:url", exit_code=1)
    object_name, name, kind = match.groups()
    sobject = STANDARD.object(object_name)
    if sobject is None:
        close = difflib.get_close_matches(object_name, [o.name for o in STANDARD.objects], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise WeederError(f"--declare-field {text!r}: no object {object_name!r}{hint}",
                          exit_code=1)
    if not name.endswith("__c"):
        raise WeederError(f"--declare-field {text!r}: custom field names end in __c "
                          f"({name}__c?)", exit_code=1)
    if sobject.field(name) is not None and not sobject.field(name).custom:  # type: ignore[union-attr]
        raise WeederError(f"--declare-field {text!r}: {sobject.name} already has a field "
                          f"{name}", exit_code=1)
    field_type = DECLARABLE.get(kind.lower())
    if field_type is None:
        raise WeederError(f"--declare-field {text!r}: unknown type {kind!r}; use one of "
                          f"{', '.join(sorted(DECLARABLE))}", exit_code=1)
    length = {"string": 255, "url": 255, "email": 80, "phone": 40, "picklist": 255,
              "textarea": 32768}.get(field_type, 0)
    label = name[:-3].replace("_", " ")
    return sobject.name, Field(name, field_type, label, length, custom=True)


def _with_declared(schema: Schema, declared: list[tuple[str, Field]]) -> Schema:
    extra = []
    for object_name, custom in declared:
        sobject = schema.object(object_name)
        existing = sobject.field(custom.name) if sobject else None
        if existing is None:
            extra.append((object_name, custom))
        elif existing.type != custom.type:
            raise WeederError(f"--declare-field {object_name}.{custom.name}:{custom.type}: "
                              f"the field is already declared as {existing.type}", exit_code=1)
    return schema.with_custom(extra) if extra else schema


def _write(conn: sqlite3.Connection, schema: Schema, declared: list[tuple[str, Field]],
           checked: list[Checked], admin_id: str,
           now: datetime) -> tuple[dict[str, int], int]:
    """Write every checked record in one transaction; (count per object, owners reassigned)."""
    stamp = format_datetime(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for object_name, custom in declared:
            declare_custom_field(conn, object_name, custom)
        ids = _assign_ids(conn, checked)
        context = DeriveContext(stamp, load_stages(conn))
        by_object: dict[str, list[dict[str, Any]]] = {}
        reassigned = 0
        for record, record_id in zip(checked, ids, strict=True):
            row = _row(record, record_id, ids, admin_id, stamp, context)
            reassigned += record.to_admin
            by_object.setdefault(record.sobject.name, []).append(row)
        for object_name, rows in by_object.items():
            insert_rows(conn, schema.object(object_name), rows)  # type: ignore[arg-type]
        _creation_history(conn, schema, by_object, admin_id, stamp)
        if "Task" in by_object or "Event" in by_object:
            refresh_last_activity_dates(conn, now.date())
        _bump_sequences(conn, [record.kept_id for record in checked if record.kept_id])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {name: len(rows) for name, rows in by_object.items()}, reassigned


def _assign_ids(conn: sqlite3.Connection, checked: list[Checked]) -> list[str]:
    needed: dict[str, int] = {}
    for record in checked:
        if record.kept_id is None:
            prefix = record.sobject.key_prefix
            needed[prefix] = needed.get(prefix, 0) + 1
    pools = {prefix: iter(allocate_ids_in_transaction(conn, prefix, count))
             for prefix, count in needed.items()}
    return [record.kept_id or next(pools[record.sobject.key_prefix]) for record in checked]


def _row(record: Checked, record_id: str, ids: list[str], admin_id: str, stamp: str,
         context: DeriveContext) -> dict[str, Any]:
    row: dict[str, Any] = dict(record.values)
    row["Id"] = record_id
    for name, target in record.references.items():
        row[name] = ids[target] if isinstance(target, int) else (target or admin_id)
    given = set(record.given)
    for field in record.sobject.fields:
        if field.name in given or field.default is None:
            continue
        row[field.name] = to_storage(field, field.default)
    for name, value in (("CreatedDate", stamp), ("LastModifiedDate", stamp),
                        ("SystemModstamp", stamp), ("CreatedById", admin_id),
                        ("LastModifiedById", admin_id), ("OwnerId", admin_id),
                        ("IsDeleted", 0)):
        if record.sobject.field(name) is not None and row.get(name) is None:
            row[name] = value
    derive(record.sobject.name, None, row, given, context)
    return row


def _creation_history(conn: sqlite3.Connection, schema: Schema,
                      by_object: dict[str, list[dict[str, Any]]], admin_id: str,
                      stamp: str) -> None:
    """The history a new record gets (a ``created`` row; a deal's first OpportunityHistory),
    unless the import brings that history itself."""
    for object_name, rows in by_object.items():
        sobject = schema.object(object_name)
        history = schema.object(sobject.history_object) if sobject and \
            sobject.history_object else None
        if sobject is None or history is None or history.name in by_object:
            continue
        entries = [entry for row in rows for entry in field_history_rows(sobject, history,
                                                                        None, row)]
        if object_name == "Opportunity" and "OpportunityHistory" not in by_object:
            deals = [opportunity_history_row(None, row) for row in rows]
            _insert_history(conn, schema, "OpportunityHistory",
                            [d for d in deals if d is not None], admin_id, stamp)
        _insert_history(conn, schema, history.name, entries, admin_id, stamp)


def _insert_history(conn: sqlite3.Connection, schema: Schema, object_name: str,
                    rows: list[dict[str, Any]], admin_id: str, stamp: str) -> None:
    sobject = schema.object(object_name)
    assert sobject is not None
    history_ids = allocate_ids_in_transaction(conn, sobject.key_prefix, len(rows))
    for row, history_id in zip(rows, history_ids, strict=True):
        row.update({"Id": history_id, "IsDeleted": 0, "CreatedDate": stamp,
                    "CreatedById": admin_id, "LastModifiedDate": stamp,
                    "LastModifiedById": admin_id, "SystemModstamp": stamp})
    insert_rows(conn, sobject, rows)


def _bump_sequences(conn: sqlite3.Connection, kept: list[str]) -> None:
    """Kept ids minted by a sandbox must not be handed out again by this one."""
    highest: dict[str, int] = {}
    for record_id in kept:
        if record_id[3:5] != POD:
            continue
        counter = 0
        for char in record_id[5:15]:
            counter = counter * 62 + _BASE62.index(char)
        prefix = record_id[:3]
        highest[prefix] = max(highest.get(prefix, 0), counter)
    for prefix, counter in highest.items():
        conn.execute("INSERT INTO _sequence (prefix, next) VALUES (?, ?) ON CONFLICT(prefix) "
                     "DO UPDATE SET next = max(next, excluded.next)", (prefix, counter + 1))


def _summary(what: str, db_path: str | Path, counts: dict[str, int],
             declared: list[tuple[str, Field]], reassigned: int, seconds: float) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    text = f"Imported {total:,} records from {what} into {db_path} in {seconds:.1f} s: {parts}."
    if declared:
        text += " Declared " + ", ".join(f"{o}.{f.name} ({f.type})" for o, f in declared) + "."
    if reassigned == 1:
        text += " 1 reference to a user not in the org was given to the admin."
    elif reassigned:
        text += f" {reassigned:,} references to users not in the org were given to the admin."
    return text


__all__ = ["Problems", "import_path", "parse_declaration"]
