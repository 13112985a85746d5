"""What the rules may consult besides the records: stages, users, permission sets, describe.

Read from the org once per run (a handful of calls, whatever the org's size); the engine turns
the rows into a plain :class:`engine.model.Context`.

Describe and the stage list change with the org's setup, not with its data: a full pass reads
them and keeps them in the ledger, and the incremental runs in between reuse them (six of an
hourly run's ~17 API calls on the default pack). A setup change therefore reaches the rules at
the next full pass at the latest (daily, or at once with ``--full`` or a rules change). Users
and permission-set assignments are read on every run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

import structlog

from connectors.salesforce import SalesforceClient
from engine.model import Context, FieldInfo
from engine.orgdata import ASSIGNMENTS_SOQL, STAGES_SOQL, USERS_SOQL, context_from_rows

log = structlog.get_logger(__name__)
T = TypeVar("T")


class MetadataCache(Protocol):
    """Where describe and the stage list are kept between runs (the ledger)."""

    def cache_get(self, key: str) -> tuple[Any, datetime] | None: ...

    def cache_put(self, key: str, value: Any) -> None: ...


def read_describe(client: SalesforceClient,
                  objects: Iterable[str]) -> dict[str, dict[str, FieldInfo]]:
    return {name: client.describe_fields(name) for name in objects}


def fields_to_json(fields: Mapping[str, FieldInfo]) -> dict[str, dict[str, Any]]:
    return {name: dataclasses.asdict(info) for name, info in fields.items()}


def fields_from_json(value: Any) -> dict[str, FieldInfo]:
    return {name: FieldInfo(**{**item, "picklist_values": tuple(item["picklist_values"]),
                               "reference_to": tuple(item["reference_to"])})
            for name, item in value.items()}


def _same(value: T) -> T:
    return value


def remembered(cache: MetadataCache | None, key: str, refresh: bool, read: Callable[[], T],
                encode: Callable[[T], Any] = _same, decode: Callable[[Any], T] = _same) -> T:
    """``read()`` from the org on a refresh or a miss, and keep it; else the kept value."""
    if cache is not None and not refresh:
        kept = cache.cache_get(key)
        if kept is not None:
            try:
                return decode(kept[0])
            except (TypeError, KeyError, ValueError, AttributeError):
                # kept by an older Weeder in another shape: read it afresh
                log.info("metadata cache entry unreadable; reading it again", key=key)
    value = read()
    if cache is not None:
        cache.cache_put(key, encode(value))
    return value


def build_context(client: SalesforceClient, *, today: date, objects: Iterable[str],
                  cache: MetadataCache | None = None, refresh: bool = True) -> Context:
    """The run's Context. With a ``cache`` and ``refresh`` False (an incremental run), describe
    and the stage rows come from the cache when it has them; with ``refresh`` (a full pass)
    they are read from the org and the cache is brought up to date."""
    version = client.settings.api_version

    def describe(name: str) -> Callable[[], dict[str, FieldInfo]]:
        return lambda: client.describe_fields(name)

    return context_from_rows(
        today,
        stages=remembered(cache, "stages", refresh, lambda: list(client.query(STAGES_SOQL))),
        users=list(client.query(USERS_SOQL)),
        assignments=list(client.query(ASSIGNMENTS_SOQL)),
        fields={name: remembered(cache, f"describe:v{version}:{name}", refresh, describe(name),
                                  fields_to_json, fields_from_json)
                for name in objects},
    )
