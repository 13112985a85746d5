"""Reporting weeks: an ISO week ("2026-W47") and its window ``[start, end)`` in a time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from engine.errors import WeederError

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def as_aware(moment: datetime) -> datetime:
    """A datetime with a zone. The ledger may hand back naive ones (SQLite keeps no zone): UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ReportWeek:
    iso: str
    start: datetime
    end: datetime

    @classmethod
    def parse(cls, iso: str, tz: tzinfo = UTC) -> ReportWeek:
        match = _ISO_WEEK.match(iso.strip())
        if not match:
            raise WeederError(f"week {iso!r}: expected an ISO week such as 2026-W47")
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as error:
            raise WeederError(f"week {iso!r}: {error}") from None
        # Built from dates, not by adding 7 x 24 hours, so a DST change keeps midnight at midnight.
        return cls(iso=f"{match[1]}-W{match[2]}",
                   start=datetime.combine(monday, time(0), tzinfo=tz),
                   end=datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz))

    @classmethod
    def of(cls, day: date, tz: tzinfo = UTC) -> ReportWeek:
        year, week, _ = day.isocalendar()
        return cls.parse(f"{year}-W{week:02d}", tz)

    @classmethod
    def last_complete(cls, now: datetime) -> ReportWeek:
        """The last whole week before ``now``, in ``now``'s zone: what a Monday digest reports."""
        if now.tzinfo is None:
            raise WeederError("ReportWeek.last_complete needs a datetime with a time zone")
        return cls.of(now.date() - timedelta(days=7), now.tzinfo)

    @property
    def number(self) -> int:
        return int(self.iso[-2:])

    @property
    def label(self) -> str:
        """Short form for charts: "W47"."""
        return self.iso[-3:]

    def shifted(self, weeks: int) -> ReportWeek:
        return ReportWeek.of(self.start.date() + timedelta(weeks=weeks), self.start.tzinfo or UTC)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= as_aware(moment) < self.end
