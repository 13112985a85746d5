"""`weeder audit`, `findings`, `runs`, `revert`: the main job and what it remembers."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Commands arrive with the audit issue."""
