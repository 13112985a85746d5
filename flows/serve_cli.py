"""`weeder serve`: run the hourly audit and weekly digest schedules on this machine."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Commands arrive with the audit issue."""
