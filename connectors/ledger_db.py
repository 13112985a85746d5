"""Where the ledger lives (URL, engine, schema created on open) and how it talks in bulk."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Insert, Update, create_engine, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from connectors import ledger_schema as t
from connectors.ledger_schema import SCHEMA_VERSION
from connectors.ledger_types import LedgerError

# Well under SQLite's historical limit of 999 host parameters per statement, so IN lists work
# on any SQLite build as well as on PostgreSQL.
IN_CHUNK = 900

T = TypeVar("T")

ENV_URL = "WEEDER_DB_URL"
DEFAULT_PATH = Path(".weeder") / "weeder.db"


def default_url() -> str:
    """``WEEDER_DB_URL`` if set, else the SQLite file ``.weeder/weeder.db`` under the cwd."""
    configured = os.environ.get(ENV_URL, "").strip()
    if configured:
        return configured
    return f"sqlite:///{(Path.cwd() / DEFAULT_PATH).as_posix()}"


def shown(url: URL) -> str:
    """A URL fit for messages and logs: its password hidden."""
    return url.render_as_string(hide_password=True)


def parse_url(raw: str) -> URL:
    try:
        return make_url(raw)
    except ArgumentError:
        # The raw value is not echoed: it may hold a password.
        raise LedgerError(
            f"the ledger URL ({ENV_URL} or the one given) is not a SQLAlchemy database URL; "
            "expected e.g. sqlite:///path/to/weeder.db or postgresql+psycopg://user@host/weeder"
        ) from None


def make_engine(url: URL) -> Engine:
    """An engine for ``url``; a SQLite file's parent directories are created."""
    if url.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as error:
            raise LedgerError(
                f"cannot use the ledger at {shown(url)}: {error}. Install the database driver "
                "the URL names (for PostgreSQL: psycopg, with postgresql+psycopg://...)."
            ) from None

    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(url.query)
    if in_memory:
        # One shared connection, or every pooled connection would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LedgerError(
                f"cannot create the ledger's folder {folder}: {error.strerror}. "
                f"Set {ENV_URL} to a writable place."
            ) from None
        # Processes wait up to 30 s for each other's write locks instead of failing at once.
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            # WAL (a SQLite-only pragma, hence here and nowhere else) lets `weeder findings` and
            # the digest read while an audit writes; NORMAL sync is durable enough under WAL.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def create_schema(engine: Engine) -> None:
    """Create missing tables and record the schema version; refuse a newer ledger."""
    try:
        _create_tables(engine)
        with engine.connect() as conn:
            stored = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "schema_version")
            ).scalar_one_or_none()
        if stored is None:
            try:
                with engine.begin() as conn:
                    conn.execute(
                        insert(t.meta).values(key="schema_version", value=str(SCHEMA_VERSION))
                    )
            except IntegrityError:
                pass  # another process wrote it first
    except OperationalError as error:
        raise LedgerError(
            f"cannot open the ledger at {shown(engine.url)}: {error.orig}. "
            f"Check {ENV_URL} and that the database is reachable and writable."
        ) from None
    if stored is not None and int(stored) > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger at {shown(engine.url)} has schema version {stored}, newer than this "
            f"Weeder understands ({SCHEMA_VERSION}): upgrade Weeder"
        )


def _create_tables(engine: Engine) -> None:
    for attempt in range(3):
        try:
            t.metadata.create_all(engine)
            return
        except OperationalError as error:
            # Two processes creating a fresh database at once: the loser's CREATE TABLE fails
            # with "already exists", and its next pass finds the tables there.
            if "already exists" not in str(error.orig) or attempt == 2:
                raise


def chunked(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def executemany(
    conn: Connection, statement: Insert | Update, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run ``statement`` once per row, as fast as the backend allows.

    On SQLite, through the driver's own executemany: SQLAlchemy would convert every parameter
    of every row through its column type, several microseconds a row, most of the time it takes
    to record 200,000 findings. Here the constants given to ``.values()`` (timestamps, the run
    id) are converted once, with the column types' own processors, and the rows must carry only
    values that need no conversion (strings, numbers, None). The SQL is still SQLAlchemy's.

    Elsewhere (PostgreSQL), through SQLAlchemy, whose "insertmanyvalues" batches inserts into
    multi-row statements: network round trips, not conversions, are the cost there.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, list(rows))
        return
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))
    constants: dict[str, Any] = {}
    for name, value in compiled.params.items():
        if name in rows[0]:
            continue
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        constants[name] = processor(value) if processor is not None else value
    order = compiled.positiontup or []  # pysqlite's paramstyle is positional ("qmark")
    template = [constants.get(name) for name in order]
    slots = [(i, name) for i, name in enumerate(order) if name not in constants]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = template.copy()
        for i, name in slots:
            values[i] = row[name]
        params.append(tuple(values))
    conn.exec_driver_sql(compiled.string, params)
