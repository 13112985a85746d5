"""The hourly audit: load the rules, pull, evaluate, act, remember.

Each step is a Prefect task; only the ones that read over the network retry, and the step that
writes never retries blindly (its writes are journaled and conditional instead). The flow reads
top to bottom as the story of one run; the rooms it calls hold the detail.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import structlog
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from connectors.ledger import FindingDiff, Ledger
from connectors.salesforce import SalesforceClient
from engine.model import Context
from engine.pack import Evaluation, Pack, evaluate, evaluate_duplicates, load_pack
from engine.plan import WritePlan, build_write_plan
from flows import config
from flows.alerts import send_admin_alerts
from flows.apply import ApplyOutcome, Budget, apply_plan, reconcile_pending
from flows.context import build_context
from flows.log import bind_run, configure_logging, unbind_run
from flows.prefect_setup import worth_retrying
from flows.progress import pull_progress
from flows.pull import PullResult, pull
from flows.report import AuditSummary, publish_plan
from flows.task_text import describe_tasks, record_names

log = structlog.get_logger(__name__)

Mode = Literal["auto", "plan", "apply"]


def rules_hash(pack: Pack) -> str:
    digest = hashlib.sha256()
    for name in sorted(pack.files):
        digest.update(name.encode())
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:16]


@task(name="load rules", cache_policy=NO_CACHE)
def load_rules(rules_dir: str | None) -> Pack:
    """Fail before any API call: a broken rule file stops the run with every error listed."""
    return load_pack(config.rules_dir(rules_dir))


_READ: dict[str, Any] = {"retries": 2, "retry_delay_seconds": 10,
                         "retry_condition_fn": worth_retrying, "cache_policy": NO_CACHE}


@task(name="connect", **_READ)
def connect() -> SalesforceClient:
    client = SalesforceClient.from_env()
    client.login()
    return client


@task(name="read context", **_READ)
def read_context(client: SalesforceClient, pack: Pack, ledger: Ledger, full: bool) -> Context:
    """Describe and stages are read afresh on full passes and reused from the ledger between."""
    plan = pack.plan()
    return build_context(client, today=datetime.now(UTC).date(), objects=plan.objects,
                         cache=ledger, refresh=full)


@task(name="check rules against the org", cache_policy=NO_CACHE)
def check_rules_against_org(rules_dir: str | None, ctx: Context) -> Pack:
    """Custom fields are known only to the org: load again with its describe metadata."""
    return load_pack(config.rules_dir(rules_dir), describe=ctx.fields)


@task(name="pull", **{**_READ, "retries": 1})
def pull_records(client: SalesforceClient, pack: Pack, ctx: Context,
                 watermarks: dict[str, datetime], full: bool) -> PullResult:
    with pull_progress() as progress:
        return pull(client, pack.plan(), watermarks=watermarks, full=full, describe=ctx.fields,
                    progress=progress)


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate_rules(pack: Pack, pulled: PullResult, ctx: Context, full: bool) -> Evaluation:
    records = pulled.records_by_object()
    result = evaluate(pack, records, ctx)
    if full:  # duplicates are judged across the population, which only a full pull holds
        evaluate_duplicates(pack, records, ctx, into=result)
    return result


@task(name="remember findings", cache_policy=NO_CACHE)
def remember(ledger: Ledger, run_id: str, result: Evaluation, pulled: PullResult, pack: Pack,
             full: bool) -> FindingDiff:
    return ledger.record_findings(run_id, result.findings,
                                  evaluated=None if full else pulled.evaluated(),
                                  rules=pack.rule_ids,
                                  not_run=() if full else pack.duplicate_rule_ids)


@task(name="plan writes", cache_policy=NO_CACHE)
def plan_writes(ledger: Ledger, result: Evaluation, pack: Pack, pulled: PullResult,
                instance_url: str) -> WritePlan:
    open_tasks = {task.fingerprint: task_id for task in result.tasks
                  if (task_id := ledger.open_task_for(task.fingerprint))}
    plan = build_write_plan(result.fixes, result.tasks, open_tasks=open_tasks,
                            resolved_with_open_task=ledger.tasks_to_close())
    plan.create_tasks = describe_tasks(plan.create_tasks, result.findings, pack,
                                       names=record_names(pulled.records_by_object()),
                                       instance_url=instance_url)
    return plan


@task(name="alert admins", cache_policy=NO_CACHE)
def alert_admins(ledger: Ledger, diff: FindingDiff, pack: Pack, instance_url: str) -> str:
    """New error findings, mailed once to WEEDER_ALERT_TO; never fails the run."""
    if not diff.total("new"):
        return "alert: nothing new"
    outcome = send_admin_alerts(ledger, diff.new, instance_url=instance_url,
                                rule_titles=pack.titles())
    return outcome.line()


def owner_counts(pulled: PullResult) -> dict[str, int]:
    """Records owned per user, the digest's score denominator (complete on full passes only)."""
    counts: Counter[str] = Counter()
    for records in pulled.records_by_object().values():
        counts.update(owner for row in records if isinstance(owner := row.get("OwnerId"), str))
    return dict(counts)


@task(name="act", cache_policy=NO_CACHE)
def act(client: SalesforceClient, ledger: Ledger, run_id: str, plan: WritePlan, pack: Pack,
        result: Evaluation, budget: Budget) -> ApplyOutcome:
    actions = {rule.id: rule.action for rule in pack.rules}
    finding_objects = {finding.fingerprint: finding.object for finding in result.findings}
    return apply_plan(client, ledger, run_id, plan, actions=actions,
                      finding_objects=finding_objects, budget=budget)


def choose_mode(mode: Mode, ledger: Ledger) -> Literal["plan", "apply"]:
    """An org that has never been audited gets a plan first, not writes."""
    if mode == "auto":
        return "apply" if ledger.ever_applied() else "plan"
    return mode


def needs_full_pass(ledger: Ledger, *, asked: bool, digest: str, mode: str) -> str | None:
    """Why this run must re-read everything, or None when an incremental pull is enough."""
    if asked:
        return "asked (--full)"
    if mode == "plan":
        return "a plan looks at everything"
    last = ledger.last_successful_run(mode="apply")
    if last is None:
        return "first applied run"
    if last.rules_hash != digest:
        return "the rules changed since the last run"
    if ledger.pending_entries():
        return "a previous run was interrupted while writing"
    last_full = next((run for run in ledger.runs(limit=200)
                      if run.full and run.mode == "apply" and run.status in ("ok", "partial")),
                     None)
    if last_full is None or datetime.now(UTC) - last_full.started_at > timedelta(
            hours=config.full_pass_every_hours()):
        return "daily full pass (time-based rules)"
    return None


@flow(name="hourly-audit", task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
      log_prints=False, validate_parameters=True)
def audit_flow(mode: Mode = "auto", rules_dir: str | None = None, full: bool = False,
               plan_out: str | None = None) -> dict[str, Any]:
    """Audit the org: pull, evaluate, and (in apply mode) write fixes and review tasks."""
    configure_logging()
    pack = load_rules(rules_dir)
    ledger = Ledger.open()
    try:
        with ledger.run_lock("audit"):
            return _audit(ledger, pack, mode, rules_dir, full, plan_out).as_dict()
    finally:
        ledger.close()


def _audit(ledger: Ledger, pack: Pack, mode: Mode, rules_dir: str | None, full: bool,
           plan_out: str | None) -> AuditSummary:
    chosen = choose_mode(mode, ledger)
    digest = rules_hash(pack)
    full_reason = needs_full_pass(ledger, asked=full, digest=digest, mode=chosen)
    run_id = ledger.start_run(mode=chosen, rules_hash=digest, full=full_reason is not None)
    bind_run(run_id)
    summary = AuditSummary(run_id=run_id, mode=chosen, full_reason=full_reason)
    client: SalesforceClient | None = None
    try:
        client = connect()
        remaining, maximum = client.api_budget()
        summary.api_remaining_at_start = remaining
        if chosen == "apply":
            reconcile_pending(client, ledger)
        ctx = read_context(client, pack, ledger, full_reason is not None)
        pack = check_rules_against_org(rules_dir, ctx)
        pulled = pull_records(client, pack, ctx, ledger.watermarks(), full_reason is not None)
        result = evaluate_rules(pack, pulled, ctx, full_reason is not None)
        diff = remember(ledger, run_id, result, pulled, pack, full_reason is not None)
        instance_url = client.instance_url or ""
        if full_reason is not None:
            ledger.record_owner_counts(run_id, owner_counts(pulled))
        plan = plan_writes(ledger, result, pack, pulled, instance_url)
        summary.absorb(pulled, result, diff, plan)
        publish_plan(plan, summary, plan_out)
        if chosen == "apply":
            budget = Budget(client, remaining=remaining, maximum=maximum,
                            floor_share=config.api_floor_share())
            outcome = act(client, ledger, run_id, plan, pack, result, budget)
            summary.absorb_outcome(outcome)
            marks = {name: mark for name, mark in pulled.watermarks().items()
                     if name not in outcome.retry_objects}
            ledger.set_watermarks(run_id, marks)
        summary.alert = alert_admins(ledger, diff, pack, instance_url)
        summary.api_calls = client.api_calls
        summary.api_remaining = max(remaining - client.api_calls, 0)
        summary.status = "partial" if summary.has_failures else "ok"
        return summary
    except BaseException as error:
        summary.status = "failed"
        summary.error = str(error)
        raise
    finally:
        if client is not None:
            summary.api_calls = client.api_calls
            client.close()
        ledger.finish_run(run_id, status=summary.status, summary=summary.as_dict(),
                          api_calls=summary.api_calls, api_remaining=summary.api_remaining)
        log.info("audit finished", status=summary.status, api_calls=summary.api_calls)
        unbind_run()
