"""The `weeder` command. Thin: each command parses its options and calls one function.

Heavy imports (Prefect, simple-salesforce) happen inside the commands so `weeder --help`
stays fast. The sandbox is not imported here: it registers itself through the
``weeder.commands`` entry point, so production code never depends on it.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

import typer

from engine.errors import WeederError
from flows import audit_cli, dedupe_cli, digest_cli, rules_cli, serve_cli

app = typer.Typer(
    name="weeder",
    help="Keeps a Salesforce org clean: audits records against YAML rules, writes fixes and "
    "review tasks back, and mails managers a weekly digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(rules_cli.app, name="rules")
audit_cli.register(app)
dedupe_cli.register(app)
digest_cli.register(app)
serve_cli.register(app)

for plugin in entry_points(group="weeder.commands"):
    app.add_typer(plugin.load(), name=plugin.name)


def main() -> None:
    """Console entry: a person's mistake becomes a message and an exit code, not a traceback."""
    from flows.log import configure_logging

    # Prefect's local server: no phoning home, and patience on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if os.environ.get("PREFECT_HOME"):
        # Prefect's local server does not start when its home folder is missing.
        Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    configure_logging()
    try:
        app()
    except WeederError as error:
        typer.echo(f"weeder: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("weeder: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
