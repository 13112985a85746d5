"""What a run did, said three ways: a summary dict (ledger, JSON), a terminal table, and a
Prefect markdown artifact; the write plan also as a CSV or JSON file for review."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import structlog

from connectors.ledger import FindingDiff
from engine.pack import Evaluation
from engine.plan import WritePlan
from engine.values import display
from flows.apply import ApplyOutcome
from flows.pull import PullResult

log = structlog.get_logger(__name__)

PLAN_COLUMNS = ("action", "object", "record_id", "field", "old", "new", "rule")


@dataclass(slots=True)
class AuditSummary:
    run_id: str
    mode: str
    full_reason: str | None
    status: str = "running"
    error: str | None = None
    pulled: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    findings_per_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    rule_failures: list[str] = field(default_factory=list)
    plan: dict[str, int] = field(default_factory=dict)
    writes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    stopped: str | None = None
    alert: str | None = None
    api_calls: int = 0
    api_remaining_at_start: int | None = None
    api_remaining: int | None = None
    plan_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_failures(self) -> bool:
        return bool(self.writes.get("fixes_failed") or self.writes.get("tasks_failed")
                    or self.writes.get("tasks_close_failed") or self.stopped
                    or self.rule_failures)

    def absorb(self, pulled: PullResult, result: Evaluation, diff: FindingDiff,
               plan: WritePlan) -> None:
        self.pulled = {name: {"records": len(p.records), "deleted": p.deleted,
                              "method": p.method, "incremental": p.incremental}
                       for name, p in pulled.objects.items()}
        self.findings = {"new": diff.total("new"), "persisting": diff.total("persisting"),
                         "resolved": diff.total("resolved")}
        self.findings_per_rule = diff.counts()
        self.rule_failures = [f"{f.rule_id} on {f.object} {f.record_id}: {f.error}"
                              for f in result.failures[:50]]
        self.plan = {"records_to_fix": len(plan.writes), "field_changes": plan.field_changes,
                     "tasks_to_create": len(plan.create_tasks),
                     "tasks_to_close": len(plan.close_tasks), "clashes": len(plan.clashes),
                     "unsafe_fixes_held": len(plan.unsafe)}
        self.plan_rows = plan_rows(plan)

    def absorb_outcome(self, outcome: ApplyOutcome) -> None:
        self.writes = {"fixes_applied": outcome.fixes_applied,
                       "fixes_conflicted": outcome.fixes_conflicted,
                       "fixes_failed": outcome.fixes_failed,
                       "tasks_created": outcome.tasks_created,
                       "tasks_failed": outcome.tasks_failed,
                       "tasks_closed": outcome.tasks_closed,
                       "tasks_close_failed": outcome.tasks_close_failed}
        self.problems = outcome.problems[:200]
        self.stopped = outcome.stopped

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_rows(plan: WritePlan) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for write in plan.writes:
        for name, change in write.changes.items():
            rows.append({"action": "fix", "object": write.object, "record_id": write.record_id,
                         "field": name, "old": change.old, "new": change.new,
                         "rule": write.reasons[name][0]})
    for task in plan.create_tasks:
        rows.append({"action": "create task", "object": "Task",
                     "record_id": task.what_id or task.who_id, "field": "OwnerId",
                     "old": None, "new": task.owner_id, "rule": task.rule_id})
    for close in plan.close_tasks:
        rows.append({"action": "close task", "object": "Task", "record_id": close.task_id,
                     "field": "Status", "old": "Not Started", "new": "Completed", "rule": None})
    for clash in plan.clashes:
        rows.append({"action": "clash (not written)", "object": clash.object,
                     "record_id": clash.record_id, "field": clash.field, "old": None,
                     "new": " | ".join(display(v) for v in clash.values),
                     "rule": ", ".join(clash.rules)})
    for fix in plan.unsafe:
        for name, change in fix.changes.items():
            rows.append({"action": "held for review", "object": fix.object,
                         "record_id": fix.record_id, "field": name, "old": change.old,
                         "new": change.new, "rule": fix.rule_id})
    return rows


def _cell(value: Any) -> str:
    return "" if value is None else display(value, quoted=False)


def write_plan_file(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=PLAN_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row[k]) for k in PLAN_COLUMNS})


def plan_markdown(summary: AuditSummary, limit: int = 200) -> str:
    lines = [f"# Weeder audit {summary.run_id} ({summary.mode})", "",
             f"Findings: {summary.findings.get('new', 0)} new, "
             f"{summary.findings.get('persisting', 0)} persisting, "
             f"{summary.findings.get('resolved', 0)} resolved.", "",
             "| action | object | record | field | old | new | rule |",
             "|---|---|---|---|---|---|---|"]
    for row in summary.plan_rows[:limit]:
        cells = [_cell(row[k]) for k in PLAN_COLUMNS]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if len(summary.plan_rows) > limit:
        lines.append(f"\n… and {len(summary.plan_rows) - limit} more rows.")
    return "\n".join(lines)


def publish_plan(plan: WritePlan, summary: AuditSummary, plan_out: str | None) -> None:
    """The plan as a Prefect markdown artifact, and as a file when asked."""
    from prefect.artifacts import create_markdown_artifact

    try:
        create_markdown_artifact(key="audit-plan", markdown=plan_markdown(summary),
                                 description=f"Write plan of run {summary.run_id}")
    except Exception as error:  # an artifact is a convenience; the run must not fail for it
        log.warning("could not publish the plan artifact", error=str(error))
    if plan_out:
        write_plan_file(summary.plan_rows, Path(plan_out))
