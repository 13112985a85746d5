"""The ledger's tables: Weeder's memory, portable across SQLite and PostgreSQL.

Only portable column types are used, so the same metadata creates the same schema on any
SQLAlchemy backend: JSON is stored as Text (``json.dumps``) rather than SQLite's JSON1 or
PostgreSQL's JSONB, and every timestamp goes through :class:`UTCDateTime`, which stores and
returns timezone-aware UTC datetimes whatever the backend does with time zones.

Nothing here is ever deleted: the ledger's history is meant to outlive Salesforce's 18-month
field history. Bump :data:`SCHEMA_VERSION` (and write a migration) whenever a table changes.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.types import TypeEngine

SCHEMA_VERSION = 1

# Lengths are generous upper bounds, not Salesforce limits: PostgreSQL enforces VARCHAR lengths
# and SQLite ignores them, so they only need to be large enough never to bite.
_ID = 64  # Salesforce ids are 15/18 characters; run ids ~20; fingerprints 20
_NAME = 255


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware, in UTC.

    PostgreSQL stores ``timestamptz`` and returns aware datetimes in the session's zone; they
    are converted to UTC. SQLite has no date type at all, so there the value is stored as text
    in UTC, ``YYYY-MM-DD HH:MM:SS.ffffff`` (the layout SQLAlchemy's own SQLite DateTime uses):
    fixed width, so text order is time order and range queries work, and parsed back with
    ``datetime.fromisoformat``, several times faster than SQLAlchemy's regex when 200,000
    findings are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the ledger; use an aware UTC one")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else utc_from_db(value)


def utc_from_db(value: str | datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime, from SQLite's text or PostgreSQL's value."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"the ledger cannot store a {type(value).__name__} as JSON: {value!r}")


# One encoder for every call: json.dumps would build a new one each time, which shows when
# 200,000 findings are recorded.
_encode = json.JSONEncoder(default=_json_default, ensure_ascii=False, sort_keys=True).encode


def to_json(value: Any) -> str:
    """JSON text for a Text column; dates become ISO strings, enums their values."""
    return _encode(value)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


metadata = MetaData()

#: Key/value facts about the ledger itself, starting with ``schema_version``.
meta = Table(
    "weeder_meta",
    metadata,
    Column("key", String(_NAME), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime),
    Column("mode", String(32), nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("full", Boolean, nullable=False),
    Column("rules_hash", String(128), nullable=False),
    Column("api_calls", Integer, nullable=False, default=0),
    Column("api_remaining", Integer),
    Column("summary", Text, nullable=False, default="{}"),  # JSON
)

#: Each finding's current state: one row per fingerprint, updated as runs see it. Its opening is
#: ``first_seen``/``first_run_id`` (kept when a finding is reopened); later transitions are
#: rows of ``finding_events``. Indexes are only those the ledger's queries need, since each one
#: slows the first audit's 200,000 inserts.
findings = Table(
    "findings",
    metadata,
    Column("fingerprint", String(_ID), primary_key=True),
    Column("rule_id", String(_NAME), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("object", String(_NAME), nullable=False),
    Column("record_id", String(_ID), nullable=False, index=True),
    Column("field", String(_NAME)),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON
    Column("owner_id", String(_ID)),
    Column("action", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    #: A digest of everything a run may update, so persisting findings whose content did not
    #: change only need their last_seen moved (the common case, and the fast path).
    Column("content_hash", String(40), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_reason", Text),
    Column("first_run_id", String(_ID), nullable=False),
    Column("last_run_id", String(_ID), nullable=False),
    Column("resolved_run_id", String(_ID)),
)

#: Every transition after a finding's opening (resolved, reopened), for history and the digest.
finding_events = Table(
    "finding_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(_ID), nullable=False, index=True),
    Column("run_id", String(_ID), nullable=False),
    Column("kind", String(16), nullable=False),  # resolved | reopened
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text),
    Index("ix_finding_events_at_kind", "at", "kind"),
)

#: Per object and run: how far the run read. The current watermark is the latest mark set by a
#: successful run; earlier rows stay as history.
watermarks = Table(
    "watermarks",
    metadata,
    Column("run_id", String(_ID), primary_key=True),
    Column("object", String(_NAME), primary_key=True),
    Column("mark", UTCDateTime, nullable=False),
    Index("ix_watermarks_object", "object"),
)

journal = Table(
    "journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(_ID), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("object", String(_NAME), nullable=False),
    Column("record_id", String(_ID)),
    Column("field", String(_NAME)),
    Column("old", Text, nullable=False),  # JSON
    Column("new", Text, nullable=False),  # JSON
    Column("rule_id", String(_NAME)),
    Column("fingerprint", String(_ID)),
    Column("status", String(16), nullable=False, index=True),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)

#: Review tasks Weeder opened in the org, one row per task, kept after they close.
tasks = Table(
    "tasks",
    metadata,
    Column("task_id", String(_ID), primary_key=True),
    Column("fingerprint", String(_ID), nullable=False, index=True),
    # Equal to fingerprint while the task is open, NULL once closed. A UNIQUE column admits any
    # number of NULLs on SQLite, PostgreSQL and MySQL alike, so this enforces "one open task per
    # finding" without a partial index (whose syntax differs between backends).
    Column("open_fingerprint", String(_ID), unique=True),
    Column("created_run_id", String(_ID), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_run_id", String(_ID)),
    Column("closed_at", UTCDateTime),
    Column("closed_reason", Text),
)

#: Every digest attempt (sent or failed), so a re-run never sends a manager a second one.
digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(_NAME), nullable=False),
    Column("week", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("message_id", String(_NAME)),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_digests_recipient_week", "recipient", "week"),
)

#: Findings already announced to the admins, so an alert never repeats one.
announcements = Table(
    "announcements",
    metadata,
    Column("fingerprint", String(_ID), primary_key=True),
    Column("announced_at", UTCDateTime, nullable=False),
)

#: Hygiene scores per ISO week, per user id or "team:<manager id>".
scores = Table(
    "scores",
    metadata,
    Column("key", String(_NAME), primary_key=True),
    Column("week", String(16), primary_key=True),
    Column("score", Float, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

#: Records each user owns across the audited objects, as counted by a full audit run: the
#: digest's score denominator. The latest run's rows are the current snapshot; older runs' rows
#: stay as history.
owner_counts = Table(
    "owner_counts",
    metadata,
    Column("run_id", String(_ID), primary_key=True),
    Column("owner_id", String(_ID), primary_key=True),
    Column("records", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False, index=True),
)

#: Org metadata that rarely changes (describe, the stage list), kept between runs so that an
#: hourly incremental audit does not pay for it again; full passes read it afresh. Values are
#: JSON. Unlike the rest of the ledger this is a cache: rows are replaced, never history.
cache = Table(
    "cache",
    metadata,
    Column("key", String(_NAME), primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("stored_at", UTCDateTime, nullable=False),
)

#: Named mutual-exclusion locks (the audit's "no overlap"), as rows so they work across
#: processes and machines on any backend. ``token`` changes on every acquisition, which makes
#: acquisition a compare-and-swap on one row.
locks = Table(
    "locks",
    metadata,
    Column("name", String(_NAME), primary_key=True),
    Column("token", String(64), nullable=False),
    Column("holder", Text),  # NULL when free: "host pid N (user)"
    Column("acquired_at", UTCDateTime),
)
