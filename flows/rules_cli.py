"""`weeder rules …`: validate, test, explain and describe the YAML rule files."""

from __future__ import annotations

import typer

app = typer.Typer(help="Validate, test and explain the YAML rules.", no_args_is_help=True)
