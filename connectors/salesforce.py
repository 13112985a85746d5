"""Weeder's door to Salesforce: read records, write fixes and review tasks.

`SalesforceClient` is what flows use. Every request it makes goes through
`SalesforceSession.call` (``salesforce_session``): bounded retries, a single re-login, errors
in plain words. simple-salesforce is imported here and in that session module, nowhere else.

Helpers beside it: settings and login kinds (``salesforce_settings``), the HTTP layer and retry
policy (``salesforce_transport``), record shapes (``salesforce_records``), write bodies and
per-record results (``salesforce_writes``, ``salesforce_errors``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import requests
import structlog
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.format import quote_soql_value
from simple_salesforce.util import exception_handler

from connectors.salesforce_errors import (
    ApiLimitExceeded,
    AuthenticationFailed,
    BulkJobFailed,
    SalesforceError,
    SalesforceUnavailable,
    SessionExpired,
    WriteError,
    WriteResult,
)
from connectors.salesforce_records import (
    check_field,
    check_object_name,
    child_relationships,
    clean_record,
    csv_records,
)
from connectors.salesforce_session import SalesforceSession
from connectors.salesforce_settings import LoginKind, SalesforceConfigError, SalesforceSettings
from connectors.salesforce_transport import DEFAULT_TIMEOUT, RetryPolicy
from connectors.salesforce_writes import (
    MAX_COLLECTION_SIZE,
    check_record_id,
    chunks,
    closed_description,
    collection_record,
    collection_result,
    conflict,
    failed_all,
    http_date_ceil,
    jsonable,
    only_lock_errors,
    same_instant,
    task_record,
    utc,
)
from engine.model import FieldInfo, TaskRequest

__all__ = [
    "ApiLimitExceeded", "AuthenticationFailed", "BulkJobFailed", "LoginKind", "RetryPolicy",
    "SalesforceClient", "SalesforceConfigError", "SalesforceError", "SalesforceSettings",
    "SalesforceUnavailable", "SessionExpired", "WriteError", "WriteResult", "format_soql",
    "soql_in", "soql_quote",
]

log = structlog.get_logger(__name__)
T = TypeVar("T")

# Failures that end the run rather than one record's write.
_SYSTEMIC = (AuthenticationFailed, ApiLimitExceeded, SalesforceUnavailable)


def soql_quote(value: Any) -> str:
    """A Python value as a SOQL literal, escaped (strings quoted, datetimes in UTC)."""
    if isinstance(value, datetime):
        value = utc(value)
    return quote_soql_value(value)


def soql_in(field: str, values: Iterable[Any]) -> str:
    """``Field IN ('a','b')`` with every value escaped. SOQL has no empty ``IN ()``."""
    items = list(values)
    if not items:
        raise ValueError(f"soql_in({field!r}) needs at least one value")
    return f"{check_field(field)} IN {quote_soql_value(items)}"


class SalesforceClient:
    """One org, one session, one run. Not meant to be shared between threads.

    ``api_calls`` counts every HTTP request made, logins and retries included.
    """

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        chunk_size: int = MAX_COLLECTION_SIZE,
        bulk_poll_interval: float = 1.0,
        bulk_timeout: float = 600.0,
        bulk_page_size: int = 50_000,
    ) -> None:
        if not 1 <= chunk_size <= MAX_COLLECTION_SIZE:
            raise ValueError(f"chunk_size must be 1..{MAX_COLLECTION_SIZE}, not {chunk_size}")
        self.settings = settings
        self.chunk_size = chunk_size
        self.bulk_poll_interval = bulk_poll_interval
        self.bulk_timeout = bulk_timeout
        self.bulk_page_size = bulk_page_size
        self._session = SalesforceSession(
            settings, retry=retry, sleep=sleep, rng=rng, timeout=timeout
        )
        self._describes: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_env(cls, **options: Any) -> SalesforceClient:
        return cls(SalesforceSettings.from_env(), **options)

    def __repr__(self) -> str:
        return (
            f"SalesforceClient(login={self.settings.login_kind.value}, "
            f"instance={self.instance_url!r}, api_calls={self.api_calls})"
        )

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def api_calls(self) -> int:
        return self._session.api_calls

    @property
    def instance_url(self) -> str | None:
        return self._session.instance_url

    @property
    def retry(self) -> RetryPolicy:
        return self._session.retry

    def login(self) -> None:
        """Log in now rather than on the first call (to fail fast on bad credentials)."""
        self._session.call("log in", lambda sf: None)

    def _call(self, what: str, fn: Callable[[Salesforce], T], *, idempotent: bool = True) -> T:
        return self._session.call(what, fn, idempotent=idempotent)

    def _rest(self, what: str, path: str, *, method: str = "GET", idempotent: bool = True,
              **kwargs: Any) -> Any:
        """JSON of a REST call under ``/services/data/vXX.X/`` (None for 204 No Content)."""
        return self._call(what, lambda sf: sf.restful(path, method=method, **kwargs),
                          idempotent=idempotent)

    # -- reads -----------------------------------------------------------------------------------

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row of ``soql``, page after page (fetched as the iterator advances), as plain
        dicts: no ``attributes``, parents nested, child subqueries as lists."""
        headers: dict[str, str] = {}
        if batch_size is not None:
            if not 200 <= batch_size <= 2000:
                raise ValueError(f"batch_size must be 200..2000, not {batch_size}")
            headers["Sforce-Query-Options"] = f"batchSize={batch_size}"
        return self._rows(soql, include_deleted, headers)

    def _rows(
        self, soql: str, include_deleted: bool, headers: dict[str, str]
    ) -> Iterator[dict[str, Any]]:
        children = child_relationships(soql)

        def more(url: str) -> Mapping[str, Any]:
            return self._call("read the next page of a query", lambda sf: sf.query_more(
                url, identifier_is_url=True, headers=headers))

        page = self._call("run a query", lambda sf: sf.query(
            soql, include_deleted=include_deleted, headers=headers))
        pages = rows = 0
        while True:
            pages += 1
            records = page.get("records") or []
            rows += len(records)
            log.debug("salesforce.query.page", page=pages, records=len(records),
                      total=page.get("totalSize"))
            for record in records:
                yield clean_record(record, children, more)
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                log.info("salesforce.query.done", pages=pages, records=rows)
                return
            page = more(next_url)

    def count(self, soql: str) -> int:
        """``totalSize`` of a query: use ``SELECT COUNT() FROM ...``."""
        page = self._call("count records", lambda sf: sf.query(soql))
        return int(page["totalSize"])

    def pull(
        self,
        object_name: str,
        fields: Sequence[str],
        *,
        since: datetime | None,
        where: str | None = None,
        include_deleted: bool = False,
        batch_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Records of ``object_name`` changed after ``since`` (the watermark), oldest first.

        ``Id`` and ``SystemModstamp`` are always selected. SOQL datetimes have whole seconds,
        so rows stamped within the watermark's second are read again: never missed.
        ``where`` is a trusted SOQL condition (from the rule pack), ANDed in parentheses.
        """
        check_object_name(object_name)
        selected = [check_field(f) for f in fields]
        present = {f.lower() for f in selected}
        selected += [f for f in ("Id", "SystemModstamp") if f.lower() not in present]
        conditions = []
        if since is not None:
            conditions.append(f"SystemModstamp > {soql_quote(since)}")
        if where and where.strip():
            conditions.append(f"({where.strip()})")
        soql = f"SELECT {', '.join(dict.fromkeys(selected))} FROM {object_name}"
        if conditions:
            soql += " WHERE " + " AND ".join(conditions)
        soql += " ORDER BY SystemModstamp ASC, Id ASC"
        return self.query(soql, include_deleted=include_deleted, batch_size=batch_size)

    def bulk_query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Rows through Bulk API 2.0 (worth it above ~2,000 rows): values are strings, empty
        values None, parent fields nested as in ``query``. No child subqueries."""
        job = self._rest("start a Bulk API query job", "jobs/query", method="POST", json={
            "operation": "queryAll" if include_deleted else "query", "query": soql,
            "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"})
        job_id = str(job["id"])
        self._wait_for_bulk_job(job_id)
        locator: str | None = None
        pages = 0
        while True:
            params = {"maxRecords": str(self.bulk_page_size)}
            if locator:
                params["locator"] = locator
            response = self._call("read Bulk API query results",
                                  partial(self._bulk_results, job_id=job_id, params=params))
            pages += 1
            log.debug("salesforce.bulk.page", job=job_id, page=pages,
                      records=response.headers.get("Sforce-NumberOfRecords"))
            yield from csv_records(response.content.decode("utf-8"))
            locator = response.headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return

    @staticmethod
    def _bulk_results(
        sf: Salesforce, *, job_id: str, params: Mapping[str, str]
    ) -> requests.Response:
        response = sf.session.get(
            f"{sf.base_url}jobs/query/{job_id}/results",
            headers={**sf.headers, "Accept": "text/csv"}, params=params,
        )
        if response.status_code >= 300:
            exception_handler(response, name="bulk query results")
        return response

    def _wait_for_bulk_job(self, job_id: str) -> None:
        interval, waited = self.bulk_poll_interval, 0.0
        while True:
            info = self._rest("check a Bulk API query job", f"jobs/query/{job_id}")
            state = info.get("state")
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                raise BulkJobFailed(f"Bulk API query job {job_id} {state.lower()}: "
                                    f"{info.get('errorMessage') or 'no reason given'}", code=state)
            if waited >= self.bulk_timeout:
                self._abort_bulk_job(job_id)
                raise BulkJobFailed(f"Bulk API query job {job_id} did not finish within "
                                    f"{self.bulk_timeout:g} s (state {state}); it was aborted")
            self._session.sleep(interval)
            waited += interval
            interval = min(interval * 2, 10.0)

    def _abort_bulk_job(self, job_id: str) -> None:
        try:
            self._rest("abort a Bulk API query job", f"jobs/query/{job_id}", method="PATCH",
                       json={"state": "Aborted"})
        except SalesforceError as exc:
            log.warning("salesforce.bulk.abort_failed", job=job_id, error=str(exc))

    def describe(self, object_name: str) -> dict[str, Any]:
        """The full describe of one object, fetched once per client."""
        check_object_name(object_name)
        if object_name not in self._describes:
            try:
                self._describes[object_name] = self._rest(
                    f"describe {object_name}", f"sobjects/{object_name}/describe")
            except SalesforceError as exc:
                if exc.status == 404:
                    raise SalesforceError(
                        f"Salesforce has no object {object_name!r} (or this user cannot see it)",
                        status=404, code=exc.code) from None
                raise
        return self._describes[object_name]

    def describe_fields(self, object_name: str) -> dict[str, FieldInfo]:
        return {
            f["name"]: FieldInfo(
                name=f["name"], type=f.get("type", ""), label=f.get("label") or "",
                updateable=bool(f.get("updateable")), nillable=bool(f.get("nillable")),
                picklist_values=tuple(p["value"] for p in f.get("picklistValues") or ()
                                      if p.get("active", True)),
                reference_to=tuple(f.get("referenceTo") or ()),
                relationship_name=f.get("relationshipName"),
            )
            for f in self.describe(object_name).get("fields", ())
        }

    def limits(self) -> dict[str, Any]:
        return dict(self._rest("read the org's limits", "limits/") or {})

    def api_budget(self) -> tuple[int, int]:
        """(remaining, max) of the org's daily API requests."""
        daily = self.limits().get("DailyApiRequests") or {}
        return int(daily.get("Remaining", 0)), int(daily.get("Max", 0))

    # -- writes ----------------------------------------------------------------------------------

    def create(self, object_name: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Insert records (≤200 per request); one result per record, in order."""
        check_object_name(object_name)
        return self._collection_write(object_name, records, method="POST", idempotent=False)

    def update(self, object_name: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update records that carry their ``Id``; one result per record, in order."""
        check_object_name(object_name)
        for record in records:
            check_record_id(record.get("Id", ""))
        return self._collection_write(object_name, records, method="PATCH", idempotent=True)

    def _collection_write(
        self, object_name: str, records: Sequence[Mapping[str, Any]], *, method: str,
        idempotent: bool,
    ) -> list[WriteResult]:
        results: list[WriteResult] = []
        for chunk in chunks(list(records), self.chunk_size):
            results.extend(self._write_chunk(object_name, chunk, method, idempotent))
        return results

    def _write_chunk(
        self, object_name: str, chunk: Sequence[Mapping[str, Any]], method: str, idempotent: bool
    ) -> list[WriteResult]:
        verb = "create" if method == "POST" else "update"
        outcome: dict[int, WriteResult] = {}
        pending = list(range(len(chunk)))
        for round_ in range(self.retry.lock_retries + 1):
            body = {"allOrNone": False,
                    "records": [collection_record(object_name, chunk[i]) for i in pending]}
            ids = [chunk[i].get("Id") for i in pending]
            try:
                items = self._rest(
                    f"{verb} {len(pending)} {object_name} record(s)", "composite/sobjects",
                    method=method, json=body, idempotent=idempotent,
                ) or []
            except _SYSTEMIC:
                raise
            except SalesforceError as exc:
                errors = exc.errors or (WriteError(exc.code or "ERROR", str(exc)),)
                for i, result in zip(pending, failed_all(len(pending), ids, errors), strict=True):
                    outcome[i] = result
                break
            locked = []
            for position, i in enumerate(pending):
                item = items[position] if position < len(items) else None
                result = collection_result(item, ids[position])
                if only_lock_errors(result) and round_ < self.retry.lock_retries:
                    locked.append(i)
                else:
                    outcome[i] = result
            if not locked:
                break
            wait = self._session.backoff(round_ + 1)
            log.warning("salesforce.retry", during=f"{verb} {object_name}", attempt=round_ + 1,
                        wait=round(wait, 3), reason="UNABLE_TO_LOCK_ROW", records=len(locked))
            self._session.sleep(wait)
            pending = locked
        return [outcome[i] for i in range(len(chunk))]

    def update_if_unchanged(
        self, object_name: str, changes: Sequence[tuple[str, Mapping[str, Any], str | None]]
    ) -> list[WriteResult]:
        """Write ``values`` to each record only if its SystemModstamp still equals the stamp it
        had when read (``read_stamp``; None writes unconditionally). A changed or deleted record
        comes back as ``conflict`` and is never forced.

        The check and the write are two requests; a change landing between them (a window of
        one round trip) is not detected. ``update_one_if_unmodified`` has no such window.
        """
        check_object_name(object_name)
        results: list[WriteResult] = []
        for chunk in chunks(list(changes), self.chunk_size):
            stamped = [check_record_id(rid) for rid, _, stamp in chunk if stamp is not None]
            current: dict[str, str] = {}
            if stamped:
                where = soql_in("Id", stamped)
                soql = f"SELECT Id, SystemModstamp FROM {object_name} WHERE {where}"
                current = {r["Id"][:15]: r["SystemModstamp"] for r in self.query(soql)}
            outcome: dict[int, WriteResult] = {}
            writes: list[tuple[int, dict[str, Any]]] = []
            for i, (record_id, values, stamp) in enumerate(chunk):
                now = current.get(record_id[:15])
                if stamp is not None and now is None:
                    outcome[i] = conflict(record_id, "ENTITY_IS_DELETED",
                                          "the record no longer exists; not written")
                elif stamp is not None and now is not None and not same_instant(now, stamp):
                    outcome[i] = conflict(record_id, "RECORD_MODIFIED",
                                          f"changed at {now}, after it was read at {stamp}; "
                                          "not written")
                else:
                    writes.append((i, {**values, "Id": record_id}))
            if writes:
                written = self.update(object_name, [record for _, record in writes])
                for (i, _), result in zip(writes, written, strict=True):
                    outcome[i] = result
            conflicts = sum(r.status == "conflict" for r in outcome.values())
            if conflicts:
                log.info("salesforce.write.conflicts", object=object_name, conflicts=conflicts)
            results.extend(outcome[i] for i in range(len(chunk)))
        return results

    def update_one_if_unmodified(
        self, object_name: str, record_id: str, values: Mapping[str, Any], since: datetime
    ) -> WriteResult:
        """Update one record unless Salesforce says it changed after ``since``
        (``If-Unmodified-Since``; whole seconds, rounded up). 412 -> ``conflict``, no retry."""
        check_object_name(object_name)
        check_record_id(record_id)
        header = {"If-Unmodified-Since": http_date_ceil(since)}
        body = jsonable(dict(values))
        try:
            self._rest(f"update {object_name} {record_id}", f"sobjects/{object_name}/{record_id}",
                       method="PATCH", json=body, headers=header)
        except _SYSTEMIC:
            raise
        except SalesforceError as exc:
            if exc.status == 412:
                return conflict(record_id, exc.code or "PRECONDITION_FAILED",
                                exc.sf_message or "modified since it was read; not written")
            errors = exc.errors or (WriteError(exc.code or "ERROR", str(exc)),)
            return WriteResult(record_id, "failed", errors)
        return WriteResult(record_id, "ok")

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> list[WriteResult]:
        """Open one review Task per request (Status "Not Started")."""
        return self.create("Task", [task_record(task) for task in tasks])

    def close_tasks(self, ids: Sequence[str], comment: str) -> list[WriteResult]:
        """Mark Tasks Completed, appending ``comment`` to their Description."""
        results: list[WriteResult] = []
        for chunk in chunks([check_record_id(i) for i in ids], self.chunk_size):
            soql = f"SELECT Id, Description FROM Task WHERE {soql_in('Id', chunk)}"
            found = {r["Id"][:15]: r.get("Description") for r in self.query(soql)}
            updates = [
                {"Id": task_id, "Status": "Completed",
                 "Description": closed_description(found[task_id[:15]], comment)}
                for task_id in chunk if task_id[:15] in found
            ]
            written = iter(self.update("Task", updates))
            for task_id in chunk:
                if task_id[:15] in found:
                    results.append(next(written))
                else:
                    results.append(WriteResult(task_id, "failed", (
                        WriteError("NOT_FOUND", "no such Task (deleted?)"),)))
        return results

