"""The bridge to the SOQL compiler (:mod:`sandbox.soql`): compile, execute, and turn its
errors into the REST API's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.wire import SalesforceError


@dataclass
class QueryRun:
    total: int
    records: Iterable[dict[str, Any]]
    is_count: bool
    compiled: Any


def run_query(org: Any, soql: str, *, include_deleted: bool, version: str) -> QueryRun:
    from sandbox.soql import SoqlError, compile_query, execute

    try:
        compiled = compile_query(soql, org.store.schema, today=org.today())
        result = execute(org.conn, compiled, include_deleted=include_deleted,
                         api_version=version)
    except SoqlError as problem:
        raise SalesforceError.one(400, problem.error_code, problem.message) from None
    return QueryRun(result.total_size, result.records, result.is_count, compiled)
