"""The sandbox's SQLite file: tables from the schema, custom-field declarations, id counters,
and value conversion between Salesforce's JSON forms and the stored forms.

Everything above this module (the store, the SOQL compiler, the seed, the importer) reads and
writes through these conventions; see :mod:`sandbox.schema` for the storage layout.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sandbox.ids import make_id
from sandbox.schema import STANDARD, Field, Schema, SObject

_META_DDL = (
    "CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS _sequence (prefix TEXT PRIMARY KEY, next INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS _custom_field (
        object TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,
        PRIMARY KEY (object, name))""",
)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) a sandbox database with the standard tables."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    for statement in _META_DDL:
        conn.execute(statement)
    create_tables(conn, load_schema(conn))
    return conn


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def create_tables(conn: sqlite3.Connection, schema: Schema) -> None:
    """Create every object's table and indexes; add columns for newly declared custom fields."""
    for sobject in schema.objects:
        table = _quote(sobject.name)
        existing = {row[1].lower() for row in conn.execute(f"PRAGMA table_info({table})")}
        if not existing:
            columns = ", ".join(
                f"{_quote(f.name)} {f.sql_type}" + (" PRIMARY KEY" if f.name == "Id" else "")
                for f in sobject.fields
            )
            conn.execute(f"CREATE TABLE {_quote(sobject.name)} ({columns})")
        else:
            for f in sobject.fields:
                if f.name.lower() not in existing:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {_quote(f.name)} {f.sql_type}")
        for f in sobject.fields:
            if f.type == "reference" or f.name in ("SystemModstamp", "Name", "Email"):
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {_quote('ix_' + sobject.name + '_' + f.name)} "
                    f"ON {_quote(sobject.name)} ({_quote(f.name)})"
                )


def load_schema(conn: sqlite3.Connection) -> Schema:
    """The standard schema plus the custom fields declared in this database."""
    rows = conn.execute("SELECT object, definition FROM _custom_field ORDER BY rowid").fetchall()
    if not rows:
        return STANDARD
    return STANDARD.with_custom((obj, field_from_json(definition)) for obj, definition in rows)


def declare_custom_field(conn: sqlite3.Connection, object_name: str, custom: Field) -> Schema:
    """Declare a custom field (its name must end in ``__c``) and add its column."""
    if not custom.name.endswith("__c"):
        raise ValueError(f"custom field names end in __c: {custom.name}")
    sobject = STANDARD.object(object_name)
    if sobject is None:
        raise ValueError(f"unknown object {object_name}")
    conn.execute(
        "INSERT OR REPLACE INTO _custom_field (object, name, definition) VALUES (?, ?, ?)",
        (sobject.name, custom.name, field_to_json(custom)),
    )
    schema = load_schema(conn)
    create_tables(conn, schema)
    return schema


def field_to_json(custom: Field) -> str:
    return json.dumps({
        "name": custom.name, "type": custom.type, "label": custom.label,
        "length": custom.length, "nillable": custom.nillable,
        "reference_to": list(custom.reference_to), "relationship_name": custom.relationship_name,
        "child_relationship": custom.child_relationship, "picklist": list(custom.picklist),
        "restricted_picklist": custom.restricted_picklist, "external_id": custom.external_id,
        "unique": custom.unique, "tracked": custom.tracked,
    })


def field_from_json(text: str) -> Field:
    data = json.loads(text)
    return Field(
        data["name"], data["type"], data.get("label") or data["name"], data.get("length", 0),
        nillable=data.get("nillable", True),
        reference_to=tuple(data.get("reference_to", ())),
        relationship_name=data.get("relationship_name"),
        child_relationship=data.get("child_relationship"),
        picklist=tuple(data.get("picklist", ())),
        restricted_picklist=data.get("restricted_picklist", False),
        external_id=data.get("external_id", False), unique=data.get("unique", False),
        tracked=data.get("tracked", False), custom=True,
    )


def allocate_ids(conn: sqlite3.Connection, key_prefix: str, count: int) -> list[str]:
    """Reserve ``count`` new ids for an object; safe across processes sharing the file."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT next FROM _sequence WHERE prefix = ?", (key_prefix,)).fetchone()
        start = row[0] if row else 1
        conn.execute(
            "INSERT INTO _sequence (prefix, next) VALUES (?, ?) "
            "ON CONFLICT(prefix) DO UPDATE SET next = excluded.next",
            (key_prefix, start + count),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return [make_id(key_prefix, n) for n in range(start, start + count)]


def allocate_ids_in_transaction(conn: sqlite3.Connection, key_prefix: str,
                                count: int) -> list[str]:
    """Like :func:`allocate_ids`, inside a write transaction the caller already holds.

    The reservation commits or rolls back with the caller's transaction, so ids of a
    rolled-back write are simply handed out again.
    """
    if not conn.in_transaction:
        raise RuntimeError("allocate_ids_in_transaction needs an open transaction")
    row = conn.execute("SELECT next FROM _sequence WHERE prefix = ?", (key_prefix,)).fetchone()
    start = row[0] if row else 1
    conn.execute(
        "INSERT INTO _sequence (prefix, next) VALUES (?, ?) "
        "ON CONFLICT(prefix) DO UPDATE SET next = excluded.next",
        (key_prefix, start + count),
    )
    return [make_id(key_prefix, n) for n in range(start, start + count)]


def insert_rows(conn: sqlite3.Connection, sobject: SObject, rows: Iterable[Mapping[str, Any]],
                columns: Sequence[str] | None = None) -> int:
    """Bulk-insert rows already in stored form (see :func:`to_storage`). Returns the count.

    No validation, no history, no attribution: for the seed and the importer, which set every
    system field themselves. The API's writes go through the store instead.
    """
    names = list(columns) if columns is not None else list(sobject.field_names)
    sql = (f"INSERT INTO {_quote(sobject.name)} ({', '.join(_quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    count = 0

    def values() -> Iterable[tuple[Any, ...]]:
        nonlocal count
        for row in rows:
            count += 1
            yield tuple(row.get(name) for name in names)

    conn.executemany(sql, values())
    return count


def meta_get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def meta_set(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)", (key, value))


# -- value conversion ----------------------------------------------------------------------

def format_datetime(moment: datetime) -> str:
    """Salesforce's datetime form: UTC, milliseconds, offset without a colon."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime:
    """Accept ISO-8601 with ``Z``, ``+hh:mm`` or ``+hhmm``, with or without milliseconds."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    elif len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit() and ":" not in value[-5:]:
        value = value[:-2] + ":" + value[-2:]
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_storage(field: Field, value: Any) -> Any:
    """A JSON value for ``field`` in its stored form. Raises ValueError when it does not fit."""
    if value is None:
        return None
    kind = field.type
    if kind == "boolean":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return int(value.lower() == "true")
        raise ValueError(f"value not of required type: {value}")
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"value not of required type: {value}")
        return int(value)
    if kind in ("double", "currency", "percent"):
        if isinstance(value, bool):
            raise ValueError(f"value not of required type: {value}")
        return float(value)
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.isoformat()
        return date.fromisoformat(str(value)[:10]).isoformat()
    if kind == "datetime":
        if isinstance(value, datetime):
            return format_datetime(value)
        return format_datetime(parse_datetime(str(value)))
    if isinstance(value, (dict, list)):
        raise ValueError(f"value not of required type: {value}")
    return str(value)


def from_storage(field: Field, value: Any) -> Any:
    """A stored value in the JSON form Salesforce returns."""
    if value is None:
        return None
    if field.type == "boolean":
        return bool(value)
    if field.type == "int":
        return int(value)
    if field.type in ("double", "currency", "percent"):
        return float(value)
    return value
