"""The pure half of writing to Salesforce: request bodies, per-record results, stamps. No I/O."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any, TypeVar

from connectors.salesforce_errors import WriteError, WriteResult, write_errors
from engine.errors import WeederError
from engine.model import TaskRequest

#: sObject Collections take at most this many records per request.
MAX_COLLECTION_SIZE = 200
LOCK_ERROR = "UNABLE_TO_LOCK_ROW"
_RECORD_ID_RE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_record_id(record_id: str) -> str:
    if not isinstance(record_id, str) or not _RECORD_ID_RE.fullmatch(record_id):
        raise WeederError(f"{record_id!r} is not a Salesforce record id (15 or 18 characters)")
    return record_id


def same_record(a: str, b: str) -> bool:
    """15- and 18-character forms of one id are the same record (the first 15 are the id)."""
    return a[:15] == b[:15]


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (Salesforce's clock)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def http_date_ceil(moment: datetime) -> str:
    """``If-Unmodified-Since`` value. HTTP dates have whole seconds; rounding *up* keeps a
    record last modified at 12:00:00.500 (the stamp we read) from counting as changed."""
    moment = utc(moment)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return format_datetime(moment, usegmt=True)


def parse_stamp(stamp: str) -> datetime | None:
    try:
        return utc(datetime.fromisoformat(stamp))
    except (TypeError, ValueError):
        return None


def same_instant(a: str, b: str) -> bool:
    """SystemModstamps compare as instants: ``...000+0000`` and ``...000Z`` are equal."""
    left, right = parse_stamp(a), parse_stamp(b)
    if left is None or right is None:
        return a == b
    return left == right


def jsonable(value: Any) -> Any:
    """Values as Salesforce's JSON expects them: dates ISO, datetimes UTC with ``Z``."""
    if isinstance(value, datetime):
        return utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def collection_record(object_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: jsonable(v) for k, v in record.items() if k != "attributes"}
    return {"attributes": {"type": object_name}, **body}


def collection_result(item: Any, fallback_id: str | None) -> WriteResult:
    """One entry of an sObject Collections reply (``{"id","success","errors"}``)."""
    if not isinstance(item, Mapping):
        return WriteResult(fallback_id, "failed", (WriteError("NO_RESULT", "Salesforce returned no "
                                                              "result for this record"),))
    record_id = item.get("id") or fallback_id
    if item.get("success"):
        return WriteResult(record_id, "ok")
    errors = write_errors(item.get("errors") or [])
    return WriteResult(record_id, "failed", errors or (WriteError("UNKNOWN_ERROR", ""),))


def only_lock_errors(result: WriteResult) -> bool:
    """Failed only because another transaction held the row: worth sending again."""
    return (
        result.status == "failed"
        and bool(result.errors)
        and all(e.code == LOCK_ERROR for e in result.errors)
    )


def failed_all(count: int, ids: Sequence[str | None], errors: tuple[WriteError, ...]) -> list[
    WriteResult
]:
    return [WriteResult(ids[i] if i < len(ids) else None, "failed", errors) for i in range(count)]


def task_record(task: TaskRequest) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Subject": task.subject,
        "Description": task.description,
        "OwnerId": task.owner_id,
        "ActivityDate": task.due_date.isoformat(),
        "Priority": task.priority,
        "Status": "Not Started",
    }
    if task.what_id:
        record["WhatId"] = task.what_id
    if task.who_id:
        record["WhoId"] = task.who_id
    return record


def closed_description(current: str | None, comment: str) -> str:
    return f"{current.rstrip()}\n\n{comment}" if current and current.strip() else comment


def conflict(record_id: str, code: str, message: str) -> WriteResult:
    return WriteResult(record_id, "conflict", (WriteError(code, message),))
