"""`weeder sandbox …`: serve, seed and import the local org."""

from __future__ import annotations

import typer

app = typer.Typer(help="A local Salesforce-compatible org for rehearsal, demos and tests.",
                  no_args_is_help=True)
