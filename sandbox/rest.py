"""The REST API's plumbing: a call, a reply, and the table of routes under
``/services/data/vXX.X``.

Handlers are plain functions ``(Call) -> Reply`` so that the HTTP edge and ``/composite``
subrequests run exactly the same code. Paths match with or without a trailing slash, as the
clients differ (simple-salesforce ``query/``, jsforce ``query``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.wire import JSON_TYPE, SalesforceError, dumps, loads, not_found, parse_json_body

if TYPE_CHECKING:
    from sandbox.auth import Session
    from sandbox.faults import Fault
    from sandbox.org import Org
    from sandbox.security import Actor

MIN_VERSION = 50
_VERSION = re.compile(r"^v(\d{2,3})\.(\d)$")


def parse_version(segment: str) -> str | None:
    """``"59.0"`` for ``"v59.0"``; None for a malformed or too old version."""
    match = _VERSION.match(segment)
    if match is None or int(match.group(1)) < MIN_VERSION:
        return None
    return f"{int(match.group(1))}.{match.group(2)}"


@dataclass
class Call:
    """One REST request, as a handler sees it (also built for composite subrequests)."""

    org: Org
    session: Session
    actor: Actor
    method: str
    version: str
    params: dict[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes = b""
    fault: Fault | None = None

    def json(self) -> Any:
        return parse_json_body(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def url(self, path: str) -> str:
        return f"/services/data/v{self.version}{path}"


@dataclass
class Reply:
    """What a handler answers. ``body`` is JSON-able, pre-encoded bytes, or None (empty)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return dumps(self.body)

    def decoded(self) -> Any:
        """The body as JSON data (composite embeds subresponse bodies)."""
        if isinstance(self.body, bytes):
            return loads(self.body) if self.content_type == JSON_TYPE and self.body else None
        return self.body

    @classmethod
    def error(cls, problem: SalesforceError) -> Reply:
        return cls(problem.status, problem.body())


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class RestRoute:
    method: str
    template: str
    handler: Handler
    #: sObject collection writes are the only requests that may fail item by item
    collection_write: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template.rstrip("/"))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}/?$"))


class Router:
    def __init__(self, routes: list[RestRoute]) -> None:
        self.routes = routes

    def match(self, method: str, path: str) -> tuple[RestRoute, dict[str, str]]:
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            raise SalesforceError.one(
                405, "METHOD_NOT_ALLOWED",
                f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}")
        raise not_found()
