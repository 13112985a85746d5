"""Reading values out of records as Salesforce returns them: blanks, dates, timestamps, children.

Records arrive as JSON-shaped mappings (dates as ``"2026-11-22"``, datetimes as
``"2026-11-22T10:00:00.000+0000"``) or, in tests, with ``date`` objects from YAML. These helpers
accept both so rules never care which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from engine.model import Record


def is_blank(value: Any) -> bool:
    """None, an empty or all-space string, or an empty list: nothing filled in."""
    if value is None:
        return True
    if type(value) is str:
        return not value or value.isspace()
    if isinstance(value, list | tuple):
        return not value
    return False


def date_key(value: Any) -> str | None:
    """The ``YYYY-MM-DD`` part of a date or datetime value (ISO strings compare as dates)."""
    if type(value) is str:
        return value[:10] if len(value) >= 10 else None
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None


def as_date(value: Any) -> date | None:
    key = date_key(value)
    if key is None:
        return None
    try:
        return date.fromisoformat(key)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _parse_timestamp_text(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def timestamp(value: Any) -> datetime | None:
    """A timezone-aware instant from a datetime or date value; dates count as midnight UTC."""
    if type(value) is str:
        return _parse_timestamp_text(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def days_before(today: date, days: int) -> str:
    return (today - timedelta(days=days)).isoformat()


def months_before(today: date, months: int) -> str:
    """Today minus calendar months, clamped to the month's last day (31 March - 1 = 28/29 Feb)."""
    total = today.year * 12 + (today.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def to_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def same_value(left: Any, right: Any) -> bool:
    """Equality across the ways one value travels (``50000`` vs ``"50000.0"`` in field history)."""
    if left == right:
        return True
    if is_blank(left) and is_blank(right):
        return True
    left_number, right_number = to_number(left), to_number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    left_day, right_day = date_key(left), date_key(right)
    if isinstance(left, date) or isinstance(right, date):
        return left_day is not None and left_day == right_day
    return False


def like(sample: Any, value: Any) -> Any:
    """``value`` converted to the type ``sample`` has, so a written-back value keeps its type."""
    if isinstance(sample, bool) or value is None:
        return value
    if isinstance(sample, int | float) and not isinstance(value, int | float):
        number = to_number(value)
        return number if number is not None else value
    return value


def children(record: Record, relationship: str) -> Sequence[Record]:
    """Rows of a child subquery, whether flattened to a list or left as a query result."""
    rows = record.get(relationship)
    if rows is None:
        return ()
    if isinstance(rows, Mapping):
        inner = rows.get("records")
        return inner if isinstance(inner, list) else ()
    return rows if isinstance(rows, list | tuple) else ()


def get_path(record: Record, path: str) -> Any:
    """``Owner.ManagerId`` read through nested parent mappings; None when any hop is empty."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def display(value: Any, *, quoted: bool = True) -> str:
    """A value as a person reads it in a message (text in quotes unless ``quoted=False``)."""
    if value is None:
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value) if quoted else value
    return str(value)
