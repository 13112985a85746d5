"""Composite resources: sObject collections (up to 200 records, item-by-item results, allOrNone)
and ``/composite`` (up to 25 subrequests chained by ``@{referenceId.field}``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.faults import FaultKind, lock_error_message
from sandbox.ids import normalise
from sandbox.rest import Call, Reply, RestRoute, parse_version
from sandbox.store import MultipleMatches, record_json
from sandbox.wire import ErrorItem, SalesforceError, dumps

MAX_COLLECTION = 200
MAX_SUBREQUESTS = 25
ROLLED_BACK = ErrorItem(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header", ())
HALTED = "The transaction was rolled back since another operation in the same transaction failed."
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9]\w*$")
_REFERENCE = re.compile(r"@\{([A-Za-z0-9]\w*)((?:\.\w+|\[\d+\])+)\}")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")

Item = tuple[str | None, Callable[[], dict[str, Any]]]


class _RolledBack(Exception):
    """Raised inside the transaction to undo every item of an allOrNone request."""


def _key(record: dict[str, Any], name: str) -> Any:
    return next((value for key, value in record.items() if key.lower() == name.lower()), None)


def _type_of(record: dict[str, Any]) -> str | None:
    attributes = _key(record, "attributes")
    if isinstance(attributes, dict) and attributes.get("type"):
        return str(attributes["type"])
    return None


def _records(call: Call) -> tuple[list[dict[str, Any]], bool]:
    body = call.json()
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SalesforceError.one(400, "JSON_PARSER_ERROR",
                                  "The request body needs a records list of objects")
    _check_size(len(records))
    return records, bool(body.get("allOrNone"))


def _check_size(count: int) -> None:
    if count > MAX_COLLECTION:
        raise SalesforceError.one(400, "EXCEEDED_ID_LIMIT",
                                  f"Record limit reached. Maximum {MAX_COLLECTION} records "
                                  f"allowed, {count} sent.")


def _failure(record_id: str | None, errors: tuple[ErrorItem, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [e.collection() for e in errors]}
    if record_id is not None:
        result = {"id": record_id, **result}
    return result


def run_items(call: Call, items: list[Item], all_or_none: bool) -> list[dict[str, Any]]:
    """Run each item in its own savepoint; with allOrNone, undo all when any fails."""
    store = call.org.store
    fault = call.fault
    locked = (fault.locked_items(len(items))
              if fault is not None and fault.kind is FaultKind.LOCK_ROWS else set())
    results: list[dict[str, Any]] = []
    try:
        with store.transaction():
            for index, (known_id, operation) in enumerate(items):
                if index in locked:  # not written at all: the lock was never obtained
                    results.append(_failure(known_id, (
                        ErrorItem("UNABLE_TO_LOCK_ROW", lock_error_message(), ()),)))
                    continue
                try:
                    with store.transaction():
                        results.append(operation())
                except SalesforceError as problem:
                    results.append(_failure(known_id, problem.errors))
            if all_or_none and not all(r["success"] for r in results):
                raise _RolledBack
    except _RolledBack:
        # creates that were rolled back have no id to report; updates and deletes keep theirs
        results = [
            _failure(r.get("id") if item_id is not None else None, (ROLLED_BACK,))
            if r["success"] else r
            for r, (item_id, _) in zip(results, items, strict=True)
        ]
    return results


def collection_create(call: Call) -> Reply:
    records, all_or_none = _records(call)

    def create(record: dict[str, Any]) -> dict[str, Any]:
        object_name = _type_of(record)
        if object_name is None:
            raise SalesforceError.one(400, "INVALID_TYPE", "Must send a concrete entity type.",
                                      [])
        new_id = call.org.store.create(call.actor, object_name, record)
        return {"id": new_id, "success": True, "errors": []}

    items: list[Item] = [(None, partial(create, record)) for record in records]
    return Reply(body=run_items(call, items, all_or_none))


def collection_update(call: Call) -> Reply:
    records, all_or_none = _records(call)

    def update(record: dict[str, Any], record_id: str | None) -> dict[str, Any]:
        if record_id is None:
            raise SalesforceError.one(400, "MALFORMED_ID",
                                      f"malformed id {_key(record, 'id')}", [])
        store = call.org.store
        sobject = store.object_of(record_id)
        object_name = _type_of(record) or (sobject.name if sobject else None)
        if object_name is None:
            raise SalesforceError.one(400, "INVALID_TYPE", "Must send a concrete entity type.",
                                      [])
        store.update(call.actor, object_name, record_id, record)
        return {"id": record_id, "success": True, "errors": []}

    items: list[Item] = []
    for record in records:
        raw = _key(record, "id")
        if raw is None:
            items.append((None, _missing_id))
            continue
        record_id = normalise(str(raw))
        items.append((record_id or str(raw), partial(update, record, record_id)))
    return Reply(body=run_items(call, items, all_or_none))


def _missing_id() -> dict[str, Any]:
    raise SalesforceError.one(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])


def collection_upsert(call: Call) -> Reply:
    records, all_or_none = _records(call)
    object_name, field_name = call.params["sobject"], call.params["field"]
    store = call.org.store
    sobject = store.sobject(object_name)
    key = sobject.field(field_name)
    if key is None or not (key.external_id or key.name == "Id"):
        raise SalesforceError.one(404, "NOT_FOUND", "Provided external ID field does not "
                                  f"exist or is not accessible: {field_name}")

    def upsert(record: dict[str, Any]) -> dict[str, Any]:
        value = _key(record, key.name)
        if value is None:
            raise SalesforceError.one(400, "MISSING_ARGUMENT",
                                      f"{key.name} not specified", [key.name])
        try:
            result = store.upsert(call.actor, sobject.name, key.name, str(value), record)
        except MultipleMatches as many:
            raise SalesforceError.one(
                300, "DUPLICATE_EXTERNAL_ID", f"{key.name}: more than one record found for "
                f"external id field: {many.ids}", [key.name]) from None
        return {"id": result.id, "success": True, "errors": [], "created": result.created}

    items: list[Item] = [(None, partial(upsert, record)) for record in records]
    return Reply(body=run_items(call, items, all_or_none))


def collection_delete(call: Call) -> Reply:
    ids = [part for part in call.query.get("ids", "").split(",") if part.strip()]
    _check_size(len(ids))
    all_or_none = call.query.get("allOrNone", "false").lower() == "true"

    def delete(raw: str) -> dict[str, Any]:
        record_id = normalise(raw.strip())
        if record_id is None:
            raise SalesforceError.one(400, "MALFORMED_ID", f"malformed id {raw}", [])
        call.org.store.delete(call.actor, record_id)
        return {"id": record_id, "success": True, "errors": []}

    items: list[Item] = [(normalise(raw.strip()) or raw, partial(delete, raw)) for raw in ids]
    return Reply(body=run_items(call, items, all_or_none))


def _retrieve(call: Call, ids: list[str], field_names: list[str] | None) -> Reply:
    store = call.org.store
    sobject = store.sobject(call.params["sobject"])
    _check_size(len(ids))
    fields = None
    if field_names:
        fields = []
        for name in field_names:
            found = sobject.field(name)
            if found is None:
                raise SalesforceError.one(400, "INVALID_FIELD", f"No such column '{name}' on "
                                          f"entity '{sobject.name}'.")
            fields.append(found)
        if not any(f.name == "Id" for f in fields):
            fields.append(sobject.field("Id"))  # type: ignore[arg-type]
    records: list[dict[str, Any] | None] = []
    for raw in ids:
        record_id = normalise(raw.strip())
        row = store.fetch(sobject, record_id) if record_id else None
        if row is None or row.get("IsDeleted"):
            records.append(None)
        else:
            records.append(record_json(sobject, row, call.version, fields))
    return Reply(body=records)


def collection_get(call: Call) -> Reply:
    ids = [p for p in call.query.get("ids", "").split(",") if p.strip()]
    fields = [p.strip() for p in call.query.get("fields", "").split(",") if p.strip()]
    return _retrieve(call, ids, fields or None)


def collection_post_get(call: Call) -> Reply:
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise SalesforceError.one(400, "JSON_PARSER_ERROR", "The request body needs an ids list")
    fields = body.get("fields")
    return _retrieve(call, [str(i) for i in body["ids"]],
                     [str(f) for f in fields] if isinstance(fields, list) else None)


# -- /composite ----------------------------------------------------------------------------

class _Unresolved(Exception):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


def _lookup(results: dict[str, Any], name: str, path: str) -> Any:
    if name not in results:
        raise _Unresolved(name + path)
    value = results[name]
    for attribute, index in _STEP.findall(path):
        try:
            value = _key(value, attribute) if attribute else value[int(index)]
        except (TypeError, IndexError, KeyError, AttributeError):
            raise _Unresolved(name + path) from None
        if value is None:
            raise _Unresolved(name + path)
    return value


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _lookup(results, whole.group(1), whole.group(2))
        return _REFERENCE.sub(lambda m: str(_lookup(results, m.group(1), m.group(2))), value)
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    return value


def _unresolved_body(reference: str) -> list[dict[str, Any]]:
    name = reference.split(".")[0].split("[")[0]
    return [{"errorCode": "PROCESSING_HALTED", "message": (
        f"Invalid reference specified. No value for {reference} found in {name}. Provided "
        f"referenceId ('{reference}') must start with a letter or a number, and it can contain "
        "only letters, numbers and underscores ('_').")}]


def _dispatch(call: Call, method: str, url: str, body: Any,
              headers: dict[str, str]) -> Reply:
    parts = urlsplit(url)
    segments = parts.path.split("/", 4)
    version = parse_version(segments[3]) if len(segments) > 3 and parts.path.startswith(
        "/services/data/") else None
    if version is None:
        return Reply.error(SalesforceError.one(400, "INVALID_URL",
                                               f"The subrequest URL is not a REST URL: {url}"))
    path = "/" + (segments[4] if len(segments) > 4 else "")
    try:
        route, params = call.org.router.match(method, path)
        sub = Call(call.org, call.session, call.actor, method, version, params,
                   dict(parse_qsl(parts.query)), {k.lower(): v for k, v in headers.items()},
                   dumps(body) if body is not None else b"")
        with call.org.store.transaction():
            return route.handler(sub)
    except SalesforceError as problem:
        return Reply.error(problem)


def _entry(reference_id: str, reply: Reply) -> dict[str, Any]:
    headers = {k: v for k, v in reply.headers.items() if k in ("Location", "ETag",
                                                               "Last-Modified")}
    return {"body": reply.decoded(), "httpHeaders": headers,
            "httpStatusCode": reply.status, "referenceId": reference_id}


def composite(call: Call) -> Reply:
    body = call.json()
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise SalesforceError.one(400, "JSON_PARSER_ERROR",
                                  "The request body needs a compositeRequest list")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise SalesforceError.one(400, "LIMIT_EXCEEDED", "Limit Exceeded: a composite request "
                                  f"may have up to {MAX_SUBREQUESTS} subrequests")
    for sub in subrequests:
        if not (isinstance(sub, dict) and sub.get("method") and sub.get("url")
                and _REFERENCE_ID.match(str(sub.get("referenceId", "")))):
            raise SalesforceError.one(400, "INVALID_INPUT", "Every subrequest needs method, url "
                                      "and a referenceId of letters, digits and underscores")
    all_or_none = bool(body.get("allOrNone"))
    results: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    failed_at: int | None = None
    try:
        with call.org.store.transaction():
            for index, sub in enumerate(subrequests):
                reference_id = str(sub["referenceId"])
                if all_or_none and failed_at is not None:
                    entries.append(_halted(reference_id))
                    continue
                try:
                    url = _resolve(str(sub["url"]), results)
                    payload = _resolve(sub.get("body"), results)
                except _Unresolved as missing:
                    entries.append({"body": _unresolved_body(missing.reference),
                                    "httpHeaders": {}, "httpStatusCode": 400,
                                    "referenceId": reference_id})
                    failed_at = index if failed_at is None else failed_at
                    continue
                reply = _dispatch(call, str(sub["method"]).upper(), url, payload,
                                  sub.get("httpHeaders") or {})
                entries.append(_entry(reference_id, reply))
                if reply.status >= 400:
                    failed_at = index if failed_at is None else failed_at
                else:
                    results[reference_id] = entries[-1]["body"]
            if all_or_none and failed_at is not None:
                raise _RolledBack
    except _RolledBack:
        entries = [entry if index == failed_at else _halted(entry["referenceId"])
                   for index, entry in enumerate(entries)]
    return Reply(body={"compositeResponse": entries})


def _halted(reference_id: str) -> dict[str, Any]:
    return {"body": [{"errorCode": "PROCESSING_HALTED", "message": HALTED}],
            "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference_id}


ROUTES = [
    RestRoute("POST", "/composite/sobjects", collection_create, collection_write=True),
    RestRoute("PATCH", "/composite/sobjects", collection_update, collection_write=True),
    RestRoute("DELETE", "/composite/sobjects", collection_delete, collection_write=True),
    RestRoute("GET", "/composite/sobjects/{sobject}", collection_get),
    RestRoute("POST", "/composite/sobjects/{sobject}", collection_post_get),
    RestRoute("PATCH", "/composite/sobjects/{sobject}/{field}", collection_upsert,
              collection_write=True),
    RestRoute("POST", "/composite", composite),
]
