"""What the Salesforce connector reports: its errors, and the outcome of each record it writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.errors import WeederError

WriteStatus = Literal["ok", "conflict", "failed"]


class SalesforceError(WeederError):
    """Salesforce refused or failed a request; the message says what, with its errorCode."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        sf_message: str | None = None,
        errors: tuple[WriteError, ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.sf_message = sf_message
        #: Salesforce's error list, per item, for writes that fail as a whole.
        self.errors = errors


class AuthenticationFailed(SalesforceError):
    """The login was refused, or the session could not be (re)established."""


class SessionExpired(AuthenticationFailed):
    """The session was rejected again right after a fresh login, or cannot be renewed."""


class ApiLimitExceeded(SalesforceError):
    """REQUEST_LIMIT_EXCEEDED persisted through every retry."""


class SalesforceUnavailable(SalesforceError):
    """Salesforce could not be reached or kept failing (5xx, timeouts) through every retry."""


class BulkJobFailed(SalesforceError):
    """A Bulk API 2.0 query job failed, was aborted, or did not finish in time."""


@dataclass(frozen=True, slots=True)
class WriteError:
    code: str
    message: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" [{', '.join(self.fields)}]" if self.fields else ""
        return f"{self.code}: {self.message}{where}"


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What happened to one record of a write, in the order the records were given.

    ``conflict`` means the record changed since it was read and was deliberately left alone.
    """

    record_id: str | None
    status: WriteStatus
    errors: tuple[WriteError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def error_items(content: Any) -> list[Mapping[str, Any]]:
    """Salesforce's error list (``[{"errorCode", "message"}]``) from a parsed body, or []."""
    if isinstance(content, Mapping):
        content = [content]
    if isinstance(content, Sequence) and not isinstance(content, str | bytes):
        return [item for item in content if isinstance(item, Mapping)]
    return []


def write_errors(items: Any) -> tuple[WriteError, ...]:
    """Per-record errors: sObject collections say ``statusCode``, the rest say ``errorCode``."""
    return tuple(
        WriteError(
            code=str(item.get("statusCode") or item.get("errorCode") or "UNKNOWN_ERROR"),
            message=str(item.get("message") or ""),
            fields=tuple(str(f) for f in item.get("fields") or ()),
        )
        for item in error_items(items)
    )


def describe_errors(content: Any, fallback: str) -> tuple[str | None, str]:
    """(first errorCode, readable text) of an error body, for exception messages."""
    items = error_items(content)
    if not items:
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
        return None, (text.strip()[:500] or fallback)
    code = items[0].get("errorCode") or items[0].get("error")
    text = "; ".join(
        f"{item.get('errorCode') or item.get('error') or 'ERROR'}: "
        f"{str(item.get('message') or item.get('error_description') or '').strip()}"
        for item in items
    )
    return (str(code) if code else None), text
