"""`weeder audit`, `findings`, `runs`, `revert`: the main job and what it remembers."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


PlanFlag = Annotated[bool, typer.Option(
    "--plan", help="Write nothing; show what would be written.")]
ApplyFlag = Annotated[bool, typer.Option("--apply", help="Write fixes and review tasks.")]
RulesOption = Annotated[Path | None, typer.Option(
    "--rules", help="Rules directory (default: ./rules or the shipped pack).")]
FullFlag = Annotated[bool, typer.Option("--full", help="Re-read every record, not just changes.")]
OutOption = Annotated[Path | None, typer.Option(
    "--out", help="Also write the plan as CSV or JSON (by extension).")]
ShowPlanOption = Annotated[int, typer.Option(help="Plan rows to print (0 for none).")]
OpenFlag = Annotated[bool, typer.Option("--open", help="Only open findings (default).")]
AllFlag = Annotated[bool, typer.Option("--all", help="Open and resolved findings.")]
FormatOption = Annotated[Format, typer.Option("--format", help="table, csv or json.")]
LimitOption = Annotated[int, typer.Option(help="How many recent runs.")]
RunArgument = Annotated[str, typer.Argument(help="The run to undo (see `weeder runs`).")]


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if cell is None else str(cell) for cell in row])
    Console(width=max(120, Console().width)).print(table)


def print_summary(summary: dict[str, Any]) -> None:
    """The run summary a person reads at the end of `weeder audit`."""
    echo = typer.echo
    how = (f"full pass: {summary['full_reason']}" if summary.get("full_reason")
           else "incremental")
    echo(f"\nRun {summary['run_id']} ({summary['mode']}, {how}) — {summary['status']}")
    pulled = summary.get("pulled", {})
    if pulled:
        echo("Pulled: " + ", ".join(
            f"{name} {p['records']:,}" + (f" ({p['deleted']} deleted)" if p.get("deleted") else "")
            + (" via Bulk API" if p.get("method") == "bulk" else "")
            for name, p in pulled.items()))
    findings = summary.get("findings", {})
    echo(f"Findings: {findings.get('new', 0)} new, {findings.get('persisting', 0)} persisting, "
         f"{findings.get('resolved', 0)} resolved")
    per_rule = summary.get("findings_per_rule", {})
    if per_rule:
        _table("Findings per rule", ["rule", "new", "persisting", "resolved"],
               [[rule, c.get("new", 0), c.get("persisting", 0), c.get("resolved", 0)]
                for rule, c in sorted(per_rule.items())])
    plan = summary.get("plan", {})
    echo(f"Plan: {plan.get('field_changes', 0)} field fixes on {plan.get('records_to_fix', 0)} "
         f"records, {plan.get('tasks_to_create', 0)} tasks to open, "
         f"{plan.get('tasks_to_close', 0)} to close"
         + (f", {plan['clashes']} clashing fixes held" if plan.get("clashes") else "")
         + (f", {plan['unsafe_fixes_held']} unsafe fixes held" if plan.get("unsafe_fixes_held")
            else ""))
    writes = summary.get("writes", {})
    if writes:
        echo(f"Written: fixes {writes['fixes_applied']} applied / {writes['fixes_conflicted']} "
             f"conflicted / {writes['fixes_failed']} failed; tasks {writes['tasks_created']} "
             f"created / {writes['tasks_closed']} closed / "
             f"{writes['tasks_failed'] + writes['tasks_close_failed']} failed")
    for problem in summary.get("problems", [])[:20]:
        echo(f"  - {problem}")
    if summary.get("stopped"):
        echo(f"  ! {summary['stopped']}")
    if summary.get("alert") not in (None, "alert: nothing new", "alert: disabled"):
        echo(summary["alert"])
    for failure in summary.get("rule_failures", [])[:10]:
        echo(f"  ! rule error: {failure}")
    remaining = summary.get("api_remaining")
    echo(f"API calls: {summary.get('api_calls', 0)} used"
         + (f", {remaining:,} remaining today" if remaining is not None else ""))


def register(app: typer.Typer) -> None:
    @app.command()
    def audit(
        plan: PlanFlag = False, apply: ApplyFlag = False, rules: RulesOption = None,
        full: FullFlag = False, out: OutOption = None, show_plan: ShowPlanOption = 30,
    ) -> None:
        """Audit the org against the rules. Without --plan or --apply, an org never audited
        gets a plan first; after that, runs apply."""
        if plan and apply:
            raise typer.BadParameter("choose one of --plan and --apply")
        from connectors.salesforce_settings import SalesforceSettings
        from flows import config
        from flows.prefect_setup import prepare_for_commands
        from flows.rules_cli import _load

        # Every mistake in the rules or the login settings, before any API call or Prefect.
        _load(config.rules_dir(rules))
        SalesforceSettings.from_env()
        prepare_for_commands()
        from flows.audit import audit_flow

        mode = "plan" if plan else "apply" if apply else "auto"
        summary = audit_flow(  # type: ignore[call-overload]  # Prefect's overloads miss kwargs
            mode=mode, rules_dir=str(rules) if rules else None, full=full,
            plan_out=str(out) if out else None)
        rows = summary.get("plan_rows", [])
        if show_plan and rows:
            more = " — first rows" if len(rows) > show_plan else ""
            _table(f"Write plan ({len(rows)} rows){more}",
                   ["action", "object", "record", "field", "old", "new", "rule"],
                   [[r["action"], r["object"], r["record_id"], r["field"], r["old"], r["new"],
                     r["rule"]] for r in rows[:show_plan]])
        print_summary(summary)
        if out:
            typer.echo(f"Plan written to {out}")
        if summary["status"] != "ok":
            raise typer.Exit(code=1)

    @app.command()
    def findings(open_: OpenFlag = False, all_: AllFlag = False,
                 format: FormatOption = Format.TABLE) -> None:
        """List the findings Weeder remembers."""
        from connectors.ledger import Ledger
        from engine.model import FindingStatus

        with Ledger.open() as ledger:
            records = ledger.findings(status=None if all_ else FindingStatus.OPEN)
        rows = [{"rule": f.rule_id, "object": f.object, "record_id": f.record_id,
                 "field": f.field, "severity": f.severity.value, "status": f.status.value,
                 "first_seen": f.first_seen.isoformat(), "last_seen": f.last_seen.isoformat(),
                 "resolved_at": f.resolved_at.isoformat() if f.resolved_at else None,
                 "owner_id": f.owner_id, "message": f.message, "fingerprint": f.fingerprint}
                for f in records]
        _emit(rows, format, "Findings")

    @app.command()
    def runs(format: FormatOption = Format.TABLE, limit: LimitOption = 30) -> None:
        """List recent runs: when, what mode, how they ended, API calls used."""
        from connectors.ledger import Ledger

        with Ledger.open() as ledger:
            records = ledger.runs(limit=limit)
        rows = [{"id": r.id, "started_at": r.started_at.isoformat(),
                 "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                 "mode": r.mode, "status": r.status, "full": r.full, "api_calls": r.api_calls,
                 "api_remaining": r.api_remaining,
                 "findings_new": (r.summary.get("findings") or {}).get("new"),
                 "fixes_applied": (r.summary.get("writes") or {}).get("fixes_applied")}
                for r in records]
        _emit(rows, format, "Runs")

    @app.command()
    def revert(run_id: RunArgument) -> None:
        """Put back every field that run changed (unless changed since) and close its tasks."""
        from connectors.salesforce_settings import SalesforceSettings
        from flows.prefect_setup import prepare_for_commands

        SalesforceSettings.from_env()
        prepare_for_commands()
        from flows.revert import revert_flow

        summary = revert_flow(run_id=run_id)
        typer.echo(f"Reverted run {run_id} as run {summary['run_id']}: "
                   f"{summary['fields_restored']} fields restored, "
                   f"{summary['fields_skipped']} left alone (changed since), "
                   f"{summary['fields_failed']} failed; {summary['tasks_closed']} tasks closed.")
        for line in summary["skipped"][:20] + summary["problems"][:20]:
            typer.echo(f"  - {line}")
        if summary["status"] != "ok":
            raise typer.Exit(code=1)


def _emit(rows: list[dict[str, Any]], format: Format, title: str) -> None:
    if format is Format.JSON:
        typer.echo(json.dumps(rows, indent=2, default=str))
    elif format is Format.CSV:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["rule"])
        writer.writeheader()
        writer.writerows(rows)
    elif not rows:
        typer.echo(f"{title}: none.")
    else:
        columns = [c for c in rows[0] if c not in ("fingerprint", "owner_id", "resolved_at",
                                                    "finished_at", "api_remaining")]
        _table(f"{title} ({len(rows)})", columns, [[row[c] for c in columns] for row in rows])
