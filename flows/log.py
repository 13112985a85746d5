"""structlog, configured once: a readable console for a person, JSON for machines and CI.

Every line of a run carries its run id (bound with :func:`bind_run`). Values under keys that
look like credentials are masked, whatever module logs them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import structlog

_SECRET_MARKERS = ("password", "secret", "token", "session_id", "sessionid", "authorization",
                   "private_key", "assertion", "api_key")
_configured = False


class _CurrentStderr:
    """Whatever sys.stderr is when a line is written (test runners swap it), not at setup."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def mask_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        if key != "event" and _is_secret_key(key) and event[key]:
            event[key] = "***"
    return event


def wants_json(stream: Any = None) -> bool:
    chosen = os.environ.get("WEEDER_LOG_FORMAT", "").strip().lower()
    if chosen in {"json", "console"}:
        return chosen == "json"
    stream = stream or sys.stderr
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure_logging(level: str | None = None, *, force: bool = False) -> None:
    """Set structlog up for this process. Safe to call more than once."""
    global _configured
    if _configured and not force:
        return
    # A person at a terminal reads the command's own output; logs are for schedulers and CI.
    default = "WARNING" if sys.stderr.isatty() else "INFO"
    level_name = (level or os.environ.get("WEEDER_LOG_LEVEL", default)).upper()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if wants_json()
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            mask_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level_name, logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )
    _configured = True


def bind_run(run_id: str) -> None:
    """Every log line from here on carries ``run_id``."""
    structlog.contextvars.bind_contextvars(run_id=run_id)


def unbind_run() -> None:
    structlog.contextvars.unbind_contextvars("run_id")
