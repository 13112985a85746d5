"""`weeder digest (--preview DIR | --send) [--week 2026-W47]`: the weekly hygiene digest.

Runs the `weekly-digest` flow as a real Prefect flow run (a process with no Prefect server
configured starts a temporary one, which takes ~10 s). Settings are checked before that, so a
missing SMTP setting is reported at once. Prints one line per manager and a summary; exits 0
when every digest went out (or was previewed), 1 when some failed to send.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.errors import WeederError

if TYPE_CHECKING:
    from flows.digest_delivery import Delivery, DigestRunSummary


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)


def digest(
    preview: Annotated[Path | None, typer.Option(
        "--preview", metavar="DIR",
        help="Write each manager's digest as .html, .txt and .eml into DIR; send nothing.")] = None,
    send: Annotated[bool, typer.Option(
        "--send", help="Mail each manager their digest (once per week, whatever the re-runs).")
    ] = False,
    week: Annotated[str | None, typer.Option(
        "--week", metavar="YYYY-Www",
        help="The ISO week to report, e.g. 2026-W47. Default: with --send the last complete "
             "week; with --preview this week so far (what next Monday's digest reports).")
    ] = None,
) -> None:
    """Preview or send the weekly hygiene digest: one mail per manager."""
    if send == (preview is not None):
        raise typer.BadParameter("give exactly one of them: --preview DIR writes files, "
                                 "--send mails the managers", param_hint="--preview / --send")
    try:
        _check_settings(send=send, week=week)
        summary = _run(send=send, preview=preview, week=week)
    except WeederError as error:
        # Printed here rather than by `weeder`'s main, so the message reaches every caller.
        typer.echo(f"weeder: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    for delivery in summary.deliveries:
        typer.echo(describe(delivery))
    typer.echo(summary.line())
    raise typer.Exit(1 if summary.failed else 0)


def describe(delivery: Delivery) -> str:
    """``sent  maria@acme.com  "Weeder weekly hygiene digest — Maria Chen — week 47"``."""
    from flows.digest_delivery import DeliveryStatus

    label = delivery.status.value
    if delivery.status == DeliveryStatus.FAILED:
        label = label.upper()  # the line to spot in a long list
    head = f"{label:<12} {', '.join(delivery.recipients)}  \"{delivery.subject}\""
    if delivery.files is not None:
        return f"{head}  {delivery.files.html} {delivery.files.text} {delivery.files.eml}"
    if delivery.error:
        return f"{head}  {delivery.error}"
    return head


def _check_settings(*, send: bool, week: str | None) -> None:
    """Everything that can be wrong before Prefect and the network are involved."""
    from connectors.salesforce_settings import SalesforceSettings
    from engine.week import ReportWeek
    from flows.digest_config import DigestConfig

    config = DigestConfig.from_env(sending=send)
    if week is not None:
        ReportWeek.parse(week, config.timezone)
    SalesforceSettings.from_env()


def _run(*, send: bool, preview: Path | None, week: str | None) -> DigestRunSummary:
    from flows.digest import digest_flow
    from flows.prefect_setup import prepare_for_commands

    prepare_for_commands()
    return digest_flow(send=send, preview_dir=str(preview) if preview is not None else None,
                       week=week)
