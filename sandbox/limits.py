"""Daily API requests, really counted and kept in the database per UTC day.

The allowance follows Salesforce's Enterprise formula (100,000 + 1,000 per active user)
unless the database's ``_meta`` sets ``daily_api_requests_max`` (tests use a small one).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sandbox.db import meta_get, meta_set

MAX_KEY = "daily_api_requests_max"
BASE_ALLOWANCE = 100_000
PER_USER_ALLOWANCE = 1_000


def _today() -> date:
    return datetime.now(UTC).date()


class ApiUsage:
    def __init__(self, conn: sqlite3.Connection, *, daily_max: int | None = None,
                 today: Callable[[], date] = _today) -> None:
        self._conn = conn
        self._today = today
        self.max = daily_max if daily_max is not None else self._configured_max()
        self._day = ""
        self._used = 0

    def _configured_max(self) -> int:
        configured = meta_get(self._conn, MAX_KEY)
        if configured is not None:
            return int(configured)
        users = self._conn.execute(
            'SELECT count(*) FROM "User" WHERE coalesce(IsActive, 1) = 1 '
            "AND coalesce(IsDeleted, 0) = 0").fetchone()[0]
        return BASE_ALLOWANCE + PER_USER_ALLOWANCE * users

    def _key(self) -> str:
        day = self._today().isoformat()
        if day != self._day:
            self._day = day
            self._used = int(meta_get(self._conn, f"api_usage:{day}") or 0)
        return f"api_usage:{day}"

    @property
    def used(self) -> int:
        self._key()
        return self._used

    @property
    def remaining(self) -> int:
        return max(0, self.max - self.used)

    def take(self) -> bool:
        """Count one request; False (and nothing counted) when today's allowance is spent."""
        key = self._key()
        if self._used >= self.max:
            return False
        self._used += 1
        meta_set(self._conn, key, str(self._used))
        return True

    def header(self) -> str:
        return f"api-usage={self.used}/{self.max}"

    def limits_body(self) -> dict[str, Any]:
        def pair(maximum: int, remaining: int | None = None) -> dict[str, int]:
            return {"Max": maximum, "Remaining": maximum if remaining is None else remaining}

        return {
            "ConcurrentAsyncGetReportInstances": pair(200),
            "ConcurrentSyncReportRuns": pair(20),
            "DailyApiRequests": pair(self.max, self.remaining),
            "DailyAsyncApexExecutions": pair(250000),
            "DailyBulkApiBatches": pair(15000),
            "DailyBulkV2QueryFileStorageMB": pair(976562),
            "DailyBulkV2QueryJobs": pair(10000),
            "DataStorageMB": pair(1024),
            "FileStorageMB": pair(1024),
            "HourlyTimeBasedWorkflow": pair(1000),
            "SingleEmail": pair(5000),
        }
