"""`weeder sandbox …`: serve, seed and import the local org.

Thin: each command parses options and calls one function of the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="A local Salesforce-compatible org for rehearsal, demos and tests.",
                  no_args_is_help=True)

DbOption = Annotated[Path, typer.Option("--db", help="The sandbox's SQLite file.")]


@app.command()
def serve(
    db: DbOption,
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    faults: Annotated[float, typer.Option(help="Share of requests answered with a fault (0-1).")
                      ] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault sequence.")] = 0,
    username: Annotated[str, typer.Option(help="Admin login.")] = "admin@weeder.sandbox",
    password: Annotated[str, typer.Option(help="Password of every sandbox user.")] = "weeder",
    client_id: Annotated[str, typer.Option(help="OAuth client id.")] = "weeder-sandbox",
    client_secret: Annotated[str, typer.Option(help="OAuth client secret.")] = "weeder",
    jwt_public_key: Annotated[Path | None, typer.Option(
        help="PEM public key that JWT bearer assertions must be signed with "
             "(without it, assertions are accepted unverified).")] = None,
) -> None:
    """Serve the org over HTTP, speaking Salesforce's REST and SOAP login dialect."""
    from sandbox.server import serve as run_server

    run_server(db, host=host, port=port, fault_rate=faults, fault_seed=fault_seed,
               admin_username=username, password=password, client_id=client_id,
               client_secret=client_secret,
               jwt_public_key=str(jwt_public_key) if jwt_public_key else None)


@app.command()
def seed(
    db: DbOption,
    size: Annotated[int, typer.Option(help="Roughly how many records to create.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same org.")] = 7,
    manifest: Annotated[Path | None, typer.Option(
        help="Write every planted defect here as JSON.")] = None,
) -> None:
    """Create a realistic org with known dirty data (listed in --manifest)."""
    from sandbox.seed import seed_org

    typer.echo(_or_exit(lambda: seed_org(db, size=size, seed=seed, manifest_path=manifest)))


@app.command(name="import")
def import_(
    path: Annotated[Path, typer.Argument(help="A data plan, a tree file, or Data Loader CSVs.")],
    db: DbOption,
    declare_field: Annotated[list[str] | None, typer.Option(
        "--declare-field", metavar="OBJECT.NAME__c:TYPE",
        help="Declare a custom field before importing (repeatable), e.g. "
             "Contact.Picture__c:url.")] = None,
) -> None:
    """Load a Salesforce CLI sObject tree export or Data Loader CSV files (all or nothing)."""
    from sandbox.importer import import_path

    typer.echo(_or_exit(lambda: import_path(path, db, declare=declare_field or ())))


def _or_exit(run: Callable[[], str]) -> str:
    """A person's mistake as a message on stderr and an exit code, not a traceback (the same
    as flows.cli.main does, for callers that run the typer app directly)."""
    from engine.errors import WeederError

    try:
        return run()
    except WeederError as error:
        typer.echo(f"weeder: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
