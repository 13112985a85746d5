"""`weeder serve`: run the hourly audit and weekly digest schedules on this machine."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, cast

import typer

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

AUDIT_CRON = "0 * * * *"
DIGEST_CRON = "0 7 * * 1"  # Mondays 07:00, in WEEDER_DIGEST_TIMEZONE


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        timezone: Annotated[
            str, typer.Option(help="Timezone of the weekly digest (IANA name).",
                              envvar="WEEDER_DIGEST_TIMEZONE")
        ] = "UTC",
    ) -> None:
        """Run both schedules in this process: hourly-audit (every hour) and weekly-digest
        (Mondays 07:00). Stop with Ctrl-C; the deployments are paused on the way out."""
        from prefect import serve as prefect_serve
        from prefect.schedules import Cron

        from flows.audit import audit_flow
        from flows.digest import digest_flow

        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        # to_deployment is typed sync-or-async; called from sync code it is a RunnerDeployment
        prefect_serve(
            cast("RunnerDeployment", audit_flow.to_deployment(
                name="hourly-audit", schedule=Cron(AUDIT_CRON, timezone="UTC"),
                parameters={"mode": "auto", "rules_dir": None, "full": False},
                concurrency_limit=1,
            )),
            cast("RunnerDeployment", digest_flow.to_deployment(
                name="weekly-digest", schedule=Cron(DIGEST_CRON, timezone=timezone),
                parameters={"send": True}, concurrency_limit=1,
            )),
            # Pausing on shutdown is for a lasting Prefect server; Prefect's temporary one is
            # gone by then, and trying to reach it held the exit for over a minute.
            pause_on_shutdown=bool(os.environ.get("PREFECT_API_URL")),
        )
