"""Query results kept between pages, addressed by Salesforce-style locators.

A locator is ``01g…-<offset>``: the cursor's 18-character id and how many records were already
returned. Records are kept encoded, one JSON array per page, so serving a page is a
concatenation of bytes and 100,000 records take a few tens of megabytes. (A locator whose offset
falls inside a page — possible only if a client builds its own — is served by re-slicing.)
Cursors idle out after 15 minutes, as Salesforce's do, and the oldest are dropped when the
cache holds more than ``max_records``.
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.ids import make_id
from sandbox.wire import dumps, loads

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_BATCH = 2000
IDLE_SECONDS = 900.0


@dataclass(slots=True)
class Cursor:
    id: str
    #: page k holds records [k * batch, (k + 1) * batch) as one encoded JSON array
    pages: list[bytes]
    total: int
    batch: int
    last_used: float = field(default=0.0)

    def records(self, offset: int, end: int) -> bytes:
        """Records [offset, end) as an encoded JSON array."""
        first = offset // self.batch
        if offset % self.batch == 0 and end == min(self.total, offset + self.batch):
            return self.pages[first]
        items: list[object] = []
        for index in range(first, (end - 1) // self.batch + 1):
            items.extend(loads(self.pages[index]))
        start = offset - first * self.batch
        return dumps(items[start:start + end - offset])


def encode_pages(records: list[dict[str, object]], batch: int) -> list[bytes]:
    """The records as one encoded JSON array per page, releasing each page's dicts as it goes
    (so a large result never exists twice in memory)."""
    pages = []
    for start in range(0, len(records), batch):
        end = min(len(records), start + batch)
        pages.append(dumps(records[start:end]))
        records[start:end] = [None] * (end - start)  # type: ignore[list-item]
    return pages


def batch_size(query_options: str | None) -> int:
    """The page size asked for in ``Sforce-Query-Options: batchSize=N`` (200-2,000)."""
    if not query_options:
        return DEFAULT_BATCH
    for option in query_options.split(","):
        key, _, value = option.strip().partition("=")
        if key.strip().lower() == "batchsize":
            try:
                return max(MIN_BATCH, min(MAX_BATCH, int(value.strip())))
            except ValueError:
                return DEFAULT_BATCH
    return DEFAULT_BATCH


class Cursors:
    def __init__(self, *, max_records: int = 2_000_000, idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._max_records = max_records
        self._idle = idle_seconds
        self._clock = clock
        self._held = 0
        self._counter = itertools.count(1)
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()

    def open(self, pages: list[bytes], total: int, batch: int) -> Cursor:
        self._expire()
        cursor = Cursor(make_id("01g", next(self._counter)), pages, total, batch, self._clock())
        self._cursors[cursor.id] = cursor
        self._held += total
        while self._held > self._max_records and len(self._cursors) > 1:
            _, dropped = self._cursors.popitem(last=False)
            self._held -= dropped.total
        return cursor

    def find(self, locator: str) -> tuple[Cursor, int] | None:
        """The cursor and offset a locator names, or None when unknown or expired."""
        cursor_id, _, offset_text = locator.partition("-")
        self._expire()
        cursor = self._cursors.get(cursor_id)
        if cursor is None or not offset_text.isdigit():
            return None
        offset = int(offset_text)
        if offset > cursor.total:
            return None
        cursor.last_used = self._clock()
        self._cursors.move_to_end(cursor_id)
        return cursor, offset

    def _expire(self) -> None:
        now = self._clock()
        for cursor_id in [c.id for c in self._cursors.values() if now - c.last_used > self._idle]:
            self._held -= self._cursors.pop(cursor_id).total


def page(total: int, records: bytes, next_url: str | None) -> bytes:
    """One query page around an encoded JSON array of records."""
    head = b'{"totalSize":%d,"done":%s' % (total, b"false" if next_url else b"true")
    if next_url:
        head += b',"nextRecordsUrl":"' + next_url.encode() + b'"'
    return head + b',"records":' + records + b"}"
