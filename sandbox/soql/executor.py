"""Run a compiled query on the sandbox's SQLite connection and shape the records.

Paging is the server's job: every record of the result is returned. Child subqueries run once
per relationship for all parent ids (in chunks that fit SQLite's parameter limit), never once
per parent.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sandbox.soql.compiler import ChildPlan, CompiledQuery
from sandbox.soql.shape import make_builder

#: parent ids per child query; SQLite allows 32,766 parameters, leave room for the WHERE's
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class QueryResult:
    total_size: int
    records: list[dict[str, Any]] = field(default_factory=list)
    is_count: bool = False


def execute(conn: sqlite3.Connection, compiled: CompiledQuery, *, include_deleted: bool = False,
            api_version: str = "59.0") -> QueryResult:
    """All records of ``compiled`` (``include_deleted``: queryAll), in Salesforce's JSON shape."""
    plan = compiled.plan(include_deleted)
    if plan.shape is None:
        (count,) = conn.execute(plan.sql, plan.params).fetchone()
        count = max(0, count - (compiled.offset or 0))
        if compiled.limit is not None:
            count = min(count, compiled.limit)
        return QueryResult(count, [], True)
    url_base = f"/services/data/v{api_version.lstrip('vV')}/sobjects/"
    rows = conn.execute(plan.sql, plan.params).fetchall()
    with _gc_paused():
        records = list(map(make_builder(plan.shape, url_base), rows))
        if plan.children and rows:
            id_index = plan.shape.id_index
            parent_ids = [row[id_index] for row in rows]
            for child in plan.children:
                groups = _children(conn, child, parent_ids, url_base)
                key = child.key
                for record, parent_id in zip(records, parent_ids, strict=True):
                    found = groups.get(parent_id)
                    record[key] = ({"totalSize": len(found), "done": True, "records": found}
                                   if found else None)
    return QueryResult(len(records), records, False)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Shaping 100,000 records allocates about a million dicts, none in a reference cycle;
    CPython's cyclic collector would rescan the growing heap over and over (it tripled the
    time of a query with three parent paths). Pause it, and restore it as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _children(conn: sqlite3.Connection, child: ChildPlan, parent_ids: list[str],
              url_base: str) -> dict[str, list[dict[str, Any]]]:
    build = make_builder(child.shape, url_base)
    groups: dict[str, list[dict[str, Any]]] = {}
    unique = list(dict.fromkeys(parent_ids))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        sql = (f"{child.head.text}{child.foreign_key} IN ({', '.join('?' * len(chunk))})"
               f"{child.tail.text}")
        for row in conn.execute(sql, (*child.head.params, *chunk, *child.tail.params)):
            group = groups.setdefault(row[0], [])
            if child.limit is None or len(group) < child.limit:
                group.append(build(row))
    return groups
