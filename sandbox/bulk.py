"""Bulk API 2.0 query jobs: create, poll, page through CSV results, abort, delete.

A job runs as soon as it is created (the first poll already answers JobComplete) and keeps its
CSV rows in memory. Results pages honour ``maxRecords``; without it every row comes in one page,
which is what jsforce's single-stream reader needs. ``Sforce-Locator`` is ``null`` on the last
page and ``Sforce-NumberOfRecords`` is always sent (simple-salesforce reads it unconditionally).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.db import format_datetime
from sandbox.ids import make_id
from sandbox.querying import run_query
from sandbox.rest import Call, Reply, RestRoute
from sandbox.wire import CSV_TYPE, SalesforceError, not_found

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
_FROM = re.compile(r"\bfrom\s+(\w+)", re.IGNORECASE)


@dataclass
class QueryJob:
    id: str
    operation: str
    object: str
    created_by: str
    created: str
    query: str
    version: str
    column_delimiter: str
    line_ending: str
    state: str = "UploadComplete"
    polled: bool = False
    header: str = ""
    rows: list[str] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id, "operation": self.operation, "object": self.object,
            "createdById": self.created_by, "createdDate": self.created,
            "systemModstamp": self.created, "state": self.state,
            "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(self.version), "jobType": "V2Query",
            "lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter,
            "numberRecordsProcessed": len(self.rows), "retries": 0,
            "totalProcessingTime": 0, "isPkChunkingSupported": True,
        }


class BulkJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, QueryJob] = {}
        self._counter = itertools.count(1)

    def add(self, job_fields: dict[str, Any]) -> QueryJob:
        job = QueryJob(id=make_id("750", next(self._counter)), **job_fields)
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> QueryJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise not_found()
        return job

    def remove(self, job_id: str) -> None:
        self.get(job_id)
        del self._jobs[job_id]

    def all(self) -> list[QueryJob]:
        return list(self._jobs.values())


# -- CSV -------------------------------------------------------------------------------

def _flatten(record: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and "records" not in value:
            _flatten(value, f"{prefix}{key}.", out)
        elif not isinstance(value, dict):
            out[f"{prefix}{key}"] = value


def _cell(value: Any, quote: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str) and _DATETIME.match(value):
        text = value[:-5] + "Z"
    else:
        text = str(value)
    return quote + text.replace(quote, quote * 2) + quote


def _select_paths(compiled: Any) -> list[str] | None:
    """The query's column paths (``Account.Name`` for parent fields) from its record shape."""
    shape = getattr(getattr(compiled, "live", None), "shape", None)
    if shape is None:
        return None

    def walk(level: Any, prefix: str) -> list[str]:
        paths: list[str] = []
        for slot in level.slots:
            if slot.child:
                continue  # Bulk queries have no subqueries; a child list has no cell
            if slot.parent is not None:
                paths.extend(walk(slot.parent, f"{prefix}{slot.key}."))
            else:
                paths.append(prefix + slot.key)
        return paths

    return walk(shape, "")


def to_csv(records: Iterable[dict[str, Any]], paths: list[str] | None, delimiter: str,
           ) -> tuple[str, list[str]]:
    """The header line and one line per record (without line endings)."""
    flat = []
    for record in records:
        row: dict[str, Any] = {}
        _flatten(record, "", row)
        flat.append({key.lower(): (key, value) for key, value in row.items()})
    if paths is None:
        seen: dict[str, str] = {}
        for row in flat:
            for lowered, (key, _) in row.items():
                seen.setdefault(lowered, key)
        paths = list(seen.values())
    header = delimiter.join(_cell(path, '"') for path in paths)
    lines = [
        delimiter.join(_cell(row.get(path.lower(), (path, None))[1], '"') for path in paths)
        for row in flat
    ]
    return header, lines


# -- handlers --------------------------------------------------------------------------

def create_job(call: Call) -> Reply:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise SalesforceError.one(400, "INVALIDJOB", "A query job needs a query")
    operation = body.get("operation", "query")
    if operation not in ("query", "queryAll"):
        raise SalesforceError.one(400, "INVALIDJOB", f"Unsupported operation: {operation}")
    delimiter = str(body.get("columnDelimiter") or "COMMA")
    line_ending = str(body.get("lineEnding") or "LF")
    if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
        raise SalesforceError.one(400, "INVALIDJOB",
                                  f"Unsupported columnDelimiter {delimiter} or lineEnding "
                                  f"{line_ending}")
    try:
        run = run_query(call.org, body["query"], include_deleted=operation == "queryAll",
                        version=call.version)
    except SalesforceError as problem:
        raise SalesforceError.one(400, "INVALIDJOB", problem.errors[0].message) from None
    found = _FROM.search(body["query"])
    job = call.org.jobs.add({
        "operation": operation, "object": found.group(1) if found else "",
        "created_by": call.actor.user_id, "created": format_datetime(datetime.now(UTC)),
        "query": body["query"], "version": call.version, "column_delimiter": delimiter,
        "line_ending": line_ending,
    })
    job.header, job.rows = to_csv(run.records, _select_paths(run.compiled),
                                  DELIMITERS[delimiter])
    return Reply(body=job.info())


def list_jobs(call: Call) -> Reply:
    return Reply(body={"done": True, "records": [j.info() for j in call.org.jobs.all()],
                       "nextRecordsUrl": None})


def job_info(call: Call) -> Reply:
    job = call.org.jobs.get(call.params["job_id"])
    if job.state == "UploadComplete":
        job.state = "JobComplete"
    return Reply(body=job.info())


def abort_job(call: Call) -> Reply:
    job = call.org.jobs.get(call.params["job_id"])
    body = call.json()
    if not isinstance(body, dict) or body.get("state") != "Aborted":
        raise SalesforceError.one(400, "INVALIDJOBSTATE", "A query job can only be aborted")
    if job.state in ("UploadComplete", "InProgress"):
        job.state = "Aborted"
    return Reply(body=job.info())


def delete_job(call: Call) -> Reply:
    call.org.jobs.remove(call.params["job_id"])
    return Reply(204)


def results(call: Call) -> Reply:
    job = call.org.jobs.get(call.params["job_id"])
    if job.state == "Aborted":
        raise SalesforceError.one(400, "INVALIDJOBSTATE", "The job was aborted")
    job.state = "JobComplete"
    try:
        offset = int(call.query.get("locator") or 0)
        limit = int(call.query["maxRecords"]) if call.query.get("maxRecords") else None
    except ValueError:
        raise SalesforceError.one(400, "INVALID_LOCATOR",
                                  "locator and maxRecords must be numbers") from None
    if offset < 0 or offset > len(job.rows) or (limit is not None and limit <= 0):
        raise SalesforceError.one(400, "INVALID_LOCATOR", "invalid locator or maxRecords")
    end = len(job.rows) if limit is None else min(len(job.rows), offset + limit)
    newline = LINE_ENDINGS[job.line_ending]
    chunk = job.rows[offset:end]
    text = newline.join([job.header, *chunk]) + newline
    return Reply(200, text.encode(), {
        "Sforce-Locator": str(end) if end < len(job.rows) else "null",
        "Sforce-NumberOfRecords": str(len(chunk)),
    }, content_type=CSV_TYPE)


ROUTES = [
    RestRoute("POST", "/jobs/query", create_job),
    RestRoute("GET", "/jobs/query", list_jobs),
    RestRoute("GET", "/jobs/query/{job_id}", job_info),
    RestRoute("PATCH", "/jobs/query/{job_id}", abort_job),
    RestRoute("DELETE", "/jobs/query/{job_id}", delete_job),
    RestRoute("GET", "/jobs/query/{job_id}/results", results),
]
