"""Salesforce's wire shapes: JSON encoding, error items and the error envelope.

Errors travel as :class:`SalesforceError` from wherever they are found (the store, the query
compiler's adapter, the routes) to the HTTP edge, which answers them as Salesforce does: a JSON
list ``[{"message", "errorCode", "fields"?}]`` with the right status. Inside sObject collection
results the same item is written with ``statusCode`` instead of ``errorCode``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:  # orjson is several times faster on query pages; the stdlib is the fallback
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

    def loads(data: bytes | str) -> Any:
        return orjson.loads(data)

    JSONDecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson ships with the pinned set
    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(data: bytes | str) -> Any:
        return json.loads(data)

    JSONDecodeError = json.JSONDecodeError

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"
CSV_TYPE = "text/csv"

NOT_FOUND_MESSAGE = "The requested resource does not exist"


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One error as Salesforce reports it; ``fields`` None means the key is omitted."""

    code: str
    message: str
    fields: tuple[str, ...] | None = None

    def rest(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = list(self.fields)
        return item

    def collection(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message,
                "fields": list(self.fields or ())}


class SalesforceError(Exception):
    """A request that Salesforce would refuse: answered as a JSON list with ``status``."""

    def __init__(self, status: int, errors: Sequence[ErrorItem]) -> None:
        super().__init__("; ".join(f"{e.code}: {e.message}" for e in errors))
        self.status = status
        self.errors = tuple(errors)

    @classmethod
    def one(cls, status: int, code: str, message: str,
            fields: Sequence[str] | None = None) -> SalesforceError:
        return cls(status, [ErrorItem(code, message, None if fields is None else tuple(fields))])

    def body(self) -> list[dict[str, Any]]:
        return [error.rest() for error in self.errors]


def not_found(message: str = NOT_FOUND_MESSAGE) -> SalesforceError:
    return SalesforceError.one(404, "NOT_FOUND", message)


def invalid_session() -> SalesforceError:
    return SalesforceError.one(401, "INVALID_SESSION_ID", "Session expired or invalid")


def limit_exceeded() -> SalesforceError:
    return SalesforceError.one(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def json_parser_error(message: str) -> SalesforceError:
    return SalesforceError.one(400, "JSON_PARSER_ERROR", message)


def parse_json_body(body: bytes) -> Any:
    """The request's JSON, or the JSON_PARSER_ERROR Salesforce answers for a broken body."""
    if not body.strip():
        raise json_parser_error("The request body is empty.")
    try:
        return loads(body)
    except JSONDecodeError as problem:
        raise json_parser_error(f"Unexpected character in the request body: {problem}") from None
