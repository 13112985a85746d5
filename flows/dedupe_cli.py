"""`weeder dedupe FILE.csv`: the duplicate matcher over a file about to be imported."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Commands arrive with the duplicates issue."""
