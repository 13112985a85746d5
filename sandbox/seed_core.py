"""The seed's working parts: buffered chunked writes, id pools, the clock, the manifest.

Rows go to SQLite in the stored form of :func:`sandbox.db.insert_rows`, in chunks, one
transaction per chunk, so a million records stream through without being held in memory.
Every random choice comes from a generator named after its phase (``seed:accounts``), so the
same seed and the same day give the same org, and a change in one phase does not reshuffle
the others.
"""

from __future__ import annotations

import random
import sqlite3
import string
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sandbox.db import format_datetime
from sandbox.history import field_history_rows
from sandbox.ids import POD
from sandbox.schema import STANDARD, SObject

if TYPE_CHECKING:
    from sandbox.derive import Stage
    from sandbox.seed_names import PeoplePool
    from sandbox.seed_places import PhoneBook
    from sandbox.seed_setup import Staff

Row = dict[str, Any]
CHUNK = 5000
ID_BLOCK_MIN, ID_BLOCK_MAX = 64, 65536


class Writer:
    """Buffers rows per object and writes each full buffer in its own transaction."""

    def __init__(self, conn: sqlite3.Connection, chunk: int = CHUNK) -> None:
        self.conn = conn
        self.chunk = chunk
        self.counts: Counter[str] = Counter()
        self._buffers: dict[str, list[Row]] = {}
        self._statements: dict[str, tuple[str, tuple[str, ...]]] = {}

    def add(self, object_name: str, row: Row) -> None:
        buffer = self._buffers.setdefault(object_name, [])
        buffer.append(row)
        if len(buffer) >= self.chunk:
            self._write(object_name)

    def flush(self) -> None:
        for object_name in list(self._buffers):
            self._write(object_name)

    def _write(self, object_name: str) -> None:
        rows = self._buffers.pop(object_name, [])
        if not rows:
            return
        statement = self._statements.get(object_name)
        if statement is None:
            sobject = STANDARD.object(object_name)
            assert sobject is not None, object_name
            names = sobject.field_names
            columns = ", ".join(f'"{name}"' for name in names)
            statement = self._statements[object_name] = (
                f'INSERT INTO "{sobject.name}" ({columns}) '
                f'VALUES ({", ".join("?" * len(names))})', names)
        sql, names = statement
        self.conn.execute("BEGIN")
        try:
            # insert_rows' statement, with rows turned to tuples by map(): the hot loop.
            self.conn.executemany(sql, [tuple(map(row.get, names)) for row in rows])
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.counts[object_name] += len(rows)


class Ids:
    """New record ids, reserved from the database's id sequences in growing blocks.

    The reservation is :func:`sandbox.db.allocate_ids`'s (same table, same rule), but the ids
    of a block are spelt here incrementally: a million ids cost a second, not twenty.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._pools: dict[str, Iterator[str]] = {}
        self._block: dict[str, int] = {}

    def take(self, prefix: str) -> str:
        pool = self._pools.get(prefix)
        if pool is not None:
            next_id = next(pool, None)
            if next_id is not None:
                return next_id
        block = min(ID_BLOCK_MAX, max(ID_BLOCK_MIN, 2 * self._block.get(prefix, 0)))
        self._block[prefix] = block
        start = _reserve(self._conn, prefix, block)
        pool = self._pools[prefix] = id_range(prefix, start, block)
        return next(pool)


def _reserve(conn: sqlite3.Connection, prefix: str, count: int) -> int:
    """Reserve ``count`` counters of ``prefix`` (as allocate_ids does); the first of them."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT next FROM _sequence WHERE prefix = ?", (prefix,)).fetchone()
        start = row[0] if row else 1
        conn.execute("INSERT INTO _sequence (prefix, next) VALUES (?, ?) "
                     "ON CONFLICT(prefix) DO UPDATE SET next = excluded.next",
                     (prefix, start + count))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(start)


_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@lru_cache(maxsize=1 << 16)
def _chunk_bits(chunk: str) -> str:
    return _SUFFIX[sum(1 << j for j, char in enumerate(chunk) if "A" <= char <= "Z")]


def id_range(prefix: str, start: int, count: int) -> Iterator[str]:
    """The ids :func:`sandbox.ids.make_id` gives counters ``start`` .. ``start + count - 1``."""
    head = prefix + POD
    head_bits = _chunk_bits(head)
    for counter in range(start, start + count):
        high, low = divmod(counter, 62**5)
        low_text = _base62(low)
        high_text = _base62(high)
        yield (head + high_text + low_text + head_bits + _chunk_bits(high_text)
               + _low_bits(low_text))


@lru_cache(maxsize=1 << 12)
def _base62_cached(value: int) -> str:
    digits = []
    for _ in range(5):
        value, remainder = divmod(value, 62)
        digits.append(_BASE62[remainder])
    return "".join(reversed(digits))


def _base62(value: int) -> str:
    if value < 4096:
        return _base62_cached(value)
    high, low = divmod(value, 62**2)
    return _base62_cached(high)[2:] + _BASE62[low // 62] + _BASE62[low % 62]


def _low_bits(chunk: str) -> str:
    return _SUFFIX[sum(1 << j for j, char in enumerate(chunk) if "A" <= char <= "Z")]


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the manifest: a planted defect or a control."""

    kind: str
    object: str
    record_id: str
    field: str | None
    group: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "object": self.object,
                                "record_id": self.record_id, "field": self.field}
        if self.group is not None:
            data["group"] = self.group
        return data


@dataclass
class Manifest:
    defects: list[Entry] = field(default_factory=list)
    controls: list[Entry] = field(default_factory=list)

    def defect(self, kind: str, object_name: str, record_id: str, field_name: str | None,
               group: str | None = None) -> None:
        self.defects.append(Entry(kind, object_name, record_id, field_name, group))

    def control(self, kind: str, object_name: str, record_id: str, field_name: str | None,
                group: str | None = None) -> None:
        self.controls.append(Entry(kind, object_name, record_id, field_name, group))

    def as_json(self, seed: int, size: int, today: date) -> dict[str, Any]:
        def ordered(entries: list[Entry]) -> list[dict[str, Any]]:
            keyed = sorted(entries, key=lambda e: (e.kind, e.object, e.record_id,
                                                   e.field or "", e.group or ""))
            return [entry.as_json() for entry in keyed]

        return {"seed": seed, "size": size, "today": today.isoformat(),
                "defects": ordered(self.defects), "controls": ordered(self.controls)}


class Clock:
    """Time relative to the seed's ``today``: everything seeded happened before it began."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.start_of_today = datetime.combine(today, time(0), UTC)

    def at(self, days_ago: float, rng: random.Random) -> datetime:
        """A moment ``days_ago`` days back, during office hours (UTC), never today."""
        day = self.today - timedelta(days=max(1, int(days_ago)))
        return datetime.combine(day, time(8), UTC) + timedelta(
            minutes=rng.randrange(0, 9 * 60), seconds=rng.randrange(60),
            milliseconds=rng.randrange(1000))

    def day(self, days_from_today: int) -> date:
        return self.today + timedelta(days=days_from_today)

    def days_before(self, moment: datetime | date) -> int:
        day = moment.date() if isinstance(moment, datetime) else moment
        return (self.today - day).days


def system(created: datetime, created_by: str, modified: datetime | None = None,
           modified_by: str | None = None) -> Row:
    """The system fields of a row created (and last changed) at these moments by these users."""
    stamp = format_datetime(modified or created)
    made = stamp if modified is None or modified == created else format_datetime(created)
    return {"IsDeleted": 0, "CreatedDate": made, "CreatedById": created_by,
            "LastModifiedDate": stamp, "LastModifiedById": modified_by or created_by,
            "SystemModstamp": stamp}


def later(moment: datetime, rng: random.Random, *, max_days: float, before: datetime) -> datetime:
    """A moment after ``moment`` by up to ``max_days`` days, but strictly before ``before``."""
    span = (before - moment).total_seconds()
    wanted = max_days * 86400.0
    offset = rng.uniform(0.05, 1.0) * min(wanted, max(span - 60.0, 0.0))
    return moment + timedelta(seconds=offset)


def rng_for(seed: int, phase: str) -> random.Random:
    return random.Random(f"{seed}:{phase}")


def merge(row: Row, extra: Mapping[str, Any]) -> Row:
    row.update(extra)
    return row


@dataclass
class Context:
    """Everything a seeding phase needs: where to write, the clock, the staff, the manifest."""

    writer: Writer
    ids: Ids
    clock: Clock
    manifest: Manifest
    seed: int
    size: int
    staff: Staff
    phones: PhoneBook
    people: PeoplePool
    stages: dict[str, Stage]

    def rng(self, phase: str) -> random.Random:
        return rng_for(self.seed, phase)


def field_history(ctx: Context, object_name: str, before: Row | None, after: Row,
                  when: datetime, by: str, *, skip: frozenset[str] = frozenset()) -> None:
    """The field-history rows Salesforce keeps for one change (or the ``created`` row)."""
    sobject, history = _tracked(object_name)
    stamp = system(when, by)
    for row in field_history_rows(sobject, history, before, after):
        if row["Field"] in skip:
            continue
        row["Id"] = ctx.ids.take(history.key_prefix)
        row.update(stamp)
        ctx.writer.add(history.name, row)


@lru_cache(maxsize=16)
def _tracked(object_name: str) -> tuple[SObject, SObject]:
    sobject = STANDARD.object(object_name)
    history = STANDARD.object(sobject.history_object or "") if sobject else None
    assert sobject is not None and history is not None, object_name
    return sobject, history
