"""`weeder digest`: preview or send the weekly hygiene digest."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Commands arrive with the digest issue."""
