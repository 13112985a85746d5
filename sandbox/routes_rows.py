"""sObject rows: create, retrieve, update, delete, upsert by external id, with Salesforce's
conditional requests (``If-Modified-Since``/``If-None-Match`` on GET, ``If-Unmodified-Since``/
``If-Match`` on PATCH answering 412 when the row changed since the client read it)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime as http_date
from email.utils import parsedate_to_datetime
from typing import Any

from sandbox.db import format_datetime, parse_datetime
from sandbox.describe import object_summary
from sandbox.ids import normalise
from sandbox.rest import Call, Reply, RestRoute
from sandbox.schema import Field, SObject
from sandbox.store import MultipleMatches, Row, record_json
from sandbox.wire import SalesforceError, not_found


def _sobject(call: Call) -> SObject:
    sobject = call.org.store.schema.object(call.params["sobject"])
    if sobject is None:
        raise not_found()
    return sobject


def _record_id(sobject: SObject, value: str) -> str:
    """An id from the URL: malformed or of another object is simply not found (404)."""
    canonical = normalise(value)
    if canonical is None:
        raise not_found("Provided external ID field does not exist or is not accessible: "
                        f"{value}")
    if canonical[:3] != sobject.key_prefix:
        raise not_found()
    return canonical


def _body(call: Call) -> dict[str, Any]:
    body = call.json()
    if not isinstance(body, dict):
        raise SalesforceError.one(400, "JSON_PARSER_ERROR",
                                  "Cannot deserialize instance of the sObject from a "
                                  f"{type(body).__name__}: the body must be a JSON object")
    return body


def etag(row: Mapping[str, Any]) -> str:
    digest = hashlib.sha1(f"{row['Id']}:{row['SystemModstamp']}".encode()).digest()
    return '"' + base64.b64encode(digest).decode() + '"'


def _modified(row: Mapping[str, Any]) -> datetime:
    """LastModifiedDate to the second, as HTTP dates carry no milliseconds."""
    return parse_datetime(str(row["LastModifiedDate"])).replace(microsecond=0)


def _http_date(call: Call, name: str) -> datetime | None:
    value = call.header(name)
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise SalesforceError.one(400, "INVALID_HEADER_VALUE",
                                  f"The {name} header is not a valid HTTP date: {value}"
                                  ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _etag_matches(header: str, current: str) -> bool:
    def bare(tag: str) -> str:
        tag = tag.strip().removeprefix("W/").strip('"')
        return tag.removesuffix("-gzip")

    return any(part.strip() == "*" or bare(part) == bare(current)
               for part in header.split(","))


def _precondition_failed(message: str) -> SalesforceError:
    return SalesforceError.one(412, "PRECONDITION_FAILED", message)


def _check_update_preconditions(call: Call, row: Row) -> None:
    since = _http_date(call, "if-unmodified-since")
    if since is not None and _modified(row) > since:
        raise _precondition_failed("The requested resource has been modified since the time "
                                   "specified in the If-Unmodified-Since header")
    match = call.header("if-match")
    if match is not None and not _etag_matches(match, etag(row)):
        raise _precondition_failed("The requested resource's ETag does not match the "
                                   "If-Match header")
    none_match = call.header("if-none-match")
    if none_match is not None and _etag_matches(none_match, etag(row)):
        raise _precondition_failed("The requested resource's ETag matches the "
                                   "If-None-Match header")


def _fields(call: Call, sobject: SObject) -> list[Field] | None:
    text = call.query.get("fields")
    if not text:
        return None
    chosen: list[Field] = []
    for name in (part.strip() for part in text.split(",") if part.strip()):
        found = sobject.field(name)
        if found is None:
            raise SalesforceError.one(
                400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject.name}'. If "
                "you are attempting to use a custom field, be sure to append the '__c' after "
                "the custom field name. Please reference your WSDL or the describe call for "
                "the appropriate names.")
        chosen.append(found)
    if not any(f.name == "Id" for f in chosen):
        chosen.append(sobject.field("Id"))  # type: ignore[arg-type]
    return chosen


def _reply_row(call: Call, sobject: SObject, row: Row) -> Reply:
    tag = etag(row)
    headers = {"ETag": tag, "Last-Modified": http_date(_modified(row), usegmt=True)}
    since = _http_date(call, "if-modified-since")
    none_match = call.header("if-none-match")
    if (since is not None and _modified(row) <= since) or (
            none_match is not None and _etag_matches(none_match, tag)):
        return Reply(304, None, headers)
    match = call.header("if-match")
    if match is not None and not _etag_matches(match, tag):
        raise _precondition_failed("The requested resource's ETag does not match the "
                                   "If-Match header")
    return Reply(200, record_json(sobject, row, call.version, _fields(call, sobject)), headers)


def _live(call: Call, sobject: SObject, record_id: str) -> Row:
    row = call.org.store.fetch(sobject, record_id)
    if row is None or row.get("IsDeleted"):
        raise not_found()
    return row


# -- handlers ------------------------------------------------------------------------------

def info(call: Call) -> Reply:
    return Reply(body={"objectDescribe": object_summary(_sobject(call), call.version),
                       "recentItems": []})


def create(call: Call) -> Reply:
    sobject = _sobject(call)
    new_id = call.org.store.create(call.actor, sobject.name, _body(call))
    return Reply(201, {"id": new_id, "success": True, "errors": []},
                 {"Location": call.url(f"/sobjects/{sobject.name}/{new_id}")})


def retrieve(call: Call) -> Reply:
    sobject = _sobject(call)
    row = _live(call, sobject, _record_id(sobject, call.params["record_id"]))
    return _reply_row(call, sobject, row)


def update(call: Call) -> Reply:
    sobject = _sobject(call)
    record_id = _record_id(sobject, call.params["record_id"])
    body = _body(call)
    body_id = next((v for k, v in body.items() if k.lower() == "id"), None)
    if body_id is not None and normalise(str(body_id)) != record_id:
        raise SalesforceError.one(400, "INVALID_ID_FIELD",
                                  "The Id field should not be specified in the sobject data.")
    call.org.store.update(call.actor, sobject.name, record_id, body,
                          precondition=lambda row: _check_update_preconditions(call, row))
    return Reply(204)


def delete(call: Call) -> Reply:
    sobject = _sobject(call)
    call.org.store.delete(call.actor, _record_id(sobject, call.params["record_id"]),
                          sobject.name)
    return Reply(204)


def _external_ids(call: Call, sobject: SObject) -> list[str]:
    key = sobject.field(call.params["field"])
    if key is None or not (key.external_id or key.name == "Id"):
        raise not_found("Provided external ID field does not exist or is not accessible: "
                        f"{call.params['field']}")
    if key.name == "Id":
        return [_record_id(sobject, call.params["value"])]
    return call.org.store.find_ids(sobject, key, call.params["value"])


def _choices(call: Call, sobject: SObject, ids: list[str]) -> Reply:
    return Reply(300, [call.url(f"/sobjects/{sobject.name}/{i}") for i in ids])


def retrieve_external(call: Call) -> Reply:
    sobject = _sobject(call)
    ids = _external_ids(call, sobject)
    if len(ids) > 1:
        return _choices(call, sobject, ids)
    if not ids:
        raise not_found()
    return _reply_row(call, sobject, _live(call, sobject, ids[0]))


def upsert(call: Call) -> Reply:
    sobject = _sobject(call)
    try:
        result = call.org.store.upsert(call.actor, sobject.name, call.params["field"],
                                       call.params["value"], _body(call))
    except MultipleMatches as many:
        return _choices(call, sobject, many.ids)
    body = {"id": result.id, "success": True, "errors": [], "created": result.created}
    if result.created:
        return Reply(201, body, {"Location": call.url(f"/sobjects/{sobject.name}/{result.id}")})
    return Reply(200, body)


def delete_external(call: Call) -> Reply:
    sobject = _sobject(call)
    ids = _external_ids(call, sobject)
    if len(ids) > 1:
        return _choices(call, sobject, ids)
    if not ids:
        raise not_found()
    call.org.store.delete(call.actor, ids[0], sobject.name)
    return Reply(204)


def _window(call: Call) -> tuple[str, str]:
    try:
        start = parse_datetime(call.query["start"])
        end = parse_datetime(call.query["end"])
    except (KeyError, ValueError):
        raise SalesforceError.one(400, "INVALID_REPLICATION_DATE",
                                  "start and end must be ISO-8601 datetimes") from None
    return format_datetime(start), format_datetime(end)


def updated(call: Call) -> Reply:
    sobject = _sobject(call)
    start, end = _window(call)
    rows = call.org.conn.execute(
        f'SELECT Id FROM "{sobject.name}" WHERE SystemModstamp >= ? AND SystemModstamp < ? '
        "AND coalesce(IsDeleted, 0) = 0 ORDER BY SystemModstamp", (start, end))
    return Reply(body={"ids": [r[0] for r in rows], "latestDateCovered": end})


def deleted(call: Call) -> Reply:
    sobject = _sobject(call)
    start, end = _window(call)
    rows = call.org.conn.execute(
        f'SELECT Id, SystemModstamp FROM "{sobject.name}" WHERE SystemModstamp >= ? '
        "AND SystemModstamp < ? AND IsDeleted = 1 ORDER BY SystemModstamp", (start, end))
    return Reply(body={"deletedRecords": [{"id": r[0], "deletedDate": r[1]} for r in rows],
                       "earliestDateAvailable": start, "latestDateCovered": end})


ROUTES = [
    RestRoute("GET", "/sobjects/{sobject}", info),
    RestRoute("POST", "/sobjects/{sobject}", create),
    RestRoute("GET", "/sobjects/{sobject}/updated", updated),
    RestRoute("GET", "/sobjects/{sobject}/deleted", deleted),
    RestRoute("GET", "/sobjects/{sobject}/{record_id}", retrieve),
    RestRoute("PATCH", "/sobjects/{sobject}/{record_id}", update),
    RestRoute("DELETE", "/sobjects/{sobject}/{record_id}", delete),
    RestRoute("GET", "/sobjects/{sobject}/{field}/{value}", retrieve_external),
    RestRoute("PATCH", "/sobjects/{sobject}/{field}/{value}", upsert),
    RestRoute("DELETE", "/sobjects/{sobject}/{field}/{value}", delete_external),
]
