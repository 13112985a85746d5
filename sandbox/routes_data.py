"""Read routes: the resource map, limits, query / queryAll with paging, describe."""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime

from sandbox.auth import ORG_ID
from sandbox.cursors import batch_size, encode_pages, page
from sandbox.describe import describe_global, describe_object
from sandbox.querying import run_query
from sandbox.rest import Call, Reply, RestRoute
from sandbox.wire import SalesforceError, dumps

RESOURCES = ("tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing",
             "jsonxform", "chatter", "tabs", "appMenu", "quickActions", "queryAll", "commerce",
             "wave", "iot", "analytics", "search", "identity", "composite", "parameterizedSearch",
             "fingerprint", "theme", "nouns", "domino", "event", "serviceTemplates", "recent",
             "connect", "licensing", "limits", "process", "async-queries", "query", "match",
             "emailConnect", "compactLayouts", "knowledgeManagement", "sobjects", "actions",
             "support", "jobs")


def resources(call: Call) -> Reply:
    body = {}
    for name in RESOURCES:
        body[name] = call.url(f"/{name}")
    body["identity"] = f"/id/{ORG_ID}/{call.session.user.id}"
    return Reply(body=body)


def limits(call: Call) -> Reply:
    return Reply(body=call.org.usage.limits_body())


def _query(call: Call, *, include_deleted: bool) -> Reply:
    soql = call.query.get("q")
    if not soql:
        raise SalesforceError.one(400, "MALFORMED_QUERY", "A query string is required: ?q=")
    run = run_query(call.org, soql, include_deleted=include_deleted, version=call.version)
    if run.is_count:
        return Reply(body={"totalSize": run.total, "done": True, "records": []})
    records = run.records if isinstance(run.records, list) else list(run.records)
    total = max(run.total, len(records))
    batch = batch_size(call.header("sforce-query-options"))
    if len(records) <= batch:
        return Reply(body=page(total, dumps(records), None))
    pages = encode_pages(records, batch)
    cursor = call.org.cursors.open(pages, len(records), batch)
    kind = "queryAll" if include_deleted else "query"
    next_url = call.url(f"/{kind}/{cursor.id}-{batch}")
    return Reply(body=page(total, pages[0], next_url))


def query(call: Call) -> Reply:
    return _query(call, include_deleted=False)


def query_all(call: Call) -> Reply:
    return _query(call, include_deleted=True)


def _more(call: Call, kind: str) -> Reply:
    found = call.org.cursors.find(call.params["locator"])
    if found is None:
        raise SalesforceError.one(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    cursor, offset = found
    end = min(cursor.total, offset + cursor.batch)
    next_url = call.url(f"/{kind}/{cursor.id}-{end}") if end < cursor.total else None
    return Reply(body=page(cursor.total, cursor.records(offset, end), next_url))


def query_more(call: Call) -> Reply:
    return _more(call, "query")


def query_all_more(call: Call) -> Reply:
    return _more(call, "queryAll")


def sobjects(call: Call) -> Reply:
    key = ("*", call.version)
    cache = call.org.describe_cache
    if key not in cache:
        cache[key] = dumps(describe_global(call.org.store.schema, call.version))
    return Reply(body=cache[key])


def _unchanged_since(call: Call) -> bool:
    """``If-Modified-Since`` on describe: the schema is fixed while the server runs."""
    value = call.header("if-modified-since")
    if value is None:
        return False
    try:
        since = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return call.org.started.replace(microsecond=0) <= since


def describe(call: Call) -> Reply:
    store = call.org.store
    sobject = store.schema.object(call.params["sobject"])
    if sobject is None:
        raise SalesforceError.one(404, "NOT_FOUND", "The requested resource does not exist")
    if _unchanged_since(call):
        return Reply(304)
    stages = [s.name for s in store.stages().values() if s.is_active]
    return Reply(body=describe_object(store.schema, sobject, call.version, stages))


ROUTES = [
    RestRoute("GET", "/", resources),
    RestRoute("GET", "/limits", limits),
    RestRoute("GET", "/query", query),
    RestRoute("GET", "/query/{locator}", query_more),
    RestRoute("GET", "/queryAll", query_all),
    RestRoute("GET", "/queryAll/{locator}", query_all_more),
    RestRoute("GET", "/sobjects", sobjects),
    RestRoute("GET", "/sobjects/{sobject}/describe", describe),
]
