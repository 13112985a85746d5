"""What every command that runs a flow needs from Prefect: quiet, patient, and no traceback
for a person's mistake; and the retry rule of the tasks that read over the network."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError

from connectors.salesforce_errors import SalesforceUnavailable
from engine.errors import WeederError

if TYPE_CHECKING:  # importing Prefect here would configure its logging before we set it
    from prefect.states import State


def prepare_for_commands() -> None:
    """Before the first flow of a command: no phoning home, Prefect at WARNING (the command
    prints its own summary), and patience for the local server on a busy machine."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from flows.log import configure_logging

    configure_logging()
    from prefect.logging.configuration import setup_logging

    setup_logging()  # Prefect would do it at the first flow run; its console handler is on root
    for handler in logging.getLogger().handlers:
        if no_traceback_for_mistakes not in handler.filters:
            handler.addFilter(no_traceback_for_mistakes)


def no_traceback_for_mistakes(record: logging.LogRecord) -> bool:
    """Prefect logs a failed task or flow run with its traceback. For a WeederError (a wrong
    password, a missing setting), which the command prints as one line, the traceback is
    noise; a bug keeps its traceback."""
    if record.exc_info and isinstance(record.exc_info[1], WeederError):
        record.exc_info = None
        record.exc_text = None
    return True


def worth_retrying(_task: Any, _run: Any, state: State[Any]) -> bool:
    """Retry what may pass on a second try (Salesforce unreachable after the connector's own
    retries, a busy database), not a refused login or a malformed query."""
    return isinstance(state.data, SalesforceUnavailable | OperationalError | ConnectionError)
