"""Errors a person caused and can fix: shown as a clear message, never as a traceback."""

from __future__ import annotations


class WeederError(Exception):
    """A mistake in input, configuration or environment, explained in plain words.

    The command line prints ``str(error)`` and exits with ``exit_code``; everything else is a
    bug and keeps its traceback.
    """

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
