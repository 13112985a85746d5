"""The weekly digest (deployment ``weekly-digest``, Mondays 07:00): one mail per manager.

Read the org's people and the ledger's memory of the week, build each team's digest (engine),
render it with the admins' templates, then preview it to files or send it, once per manager
per week. Tasks that read over the network or the database retry; sending does not, because
`connectors.mail.send` retries what may pass on a second try and a blind retry could mail a
manager twice. Settings: flows/digest_config.py.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import structlog
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner

from connectors import mail
from connectors.ledger import Ledger
from connectors.salesforce import SalesforceClient
from connectors.templates import load_environment
from engine.digest import (
    Digest,
    DigestBatch,
    DigestInputs,
    DigestSettings,
    ReportWeek,
    WeekScores,
    build_digests,
)
from engine.errors import WeederError
from engine.model import Record
from engine.templating import RenderedDigest, render_digest
from flows import digest_delivery, digest_inputs
from flows.digest_config import DigestConfig
from flows.digest_delivery import Delivery, DeliveryStatus, DigestRunSummary
from flows.digest_inputs import LedgerFacts
from flows.log import configure_logging
from flows.prefect_setup import worth_retrying

__all__ = ["Delivery", "DigestRunSummary", "choose_week", "digest_flow"]

log = structlog.get_logger(__name__)

#: Sends in flight at once: enough to hide SMTP round trips, few enough for any relay.
SEND_WORKERS = 4
#: Lookups of record names per run, at most (see `build`).
NAMING_ROUNDS = 3


_READ: dict[str, Any] = {"retries": 2, "retry_delay_seconds": 10,
                         "retry_condition_fn": worth_retrying, "cache_policy": NO_CACHE}


@task(name="read users", **_READ)
def read_users(client: SalesforceClient) -> list[Record]:
    return digest_inputs.read_users(client)


@task(name="read the ledger", **_READ)
def read_ledger(ledger: Ledger, week: ReportWeek) -> LedgerFacts:
    return digest_inputs.read_ledger(ledger, week, datetime.now(UTC))


@task(name="count records owned", **_READ)
def count_records_owned(client: SalesforceClient, snapshot: dict[str, int]) -> dict[str, int]:
    """The latest full audit's counts; counted in the org until an audit has recorded them."""
    return snapshot or digest_inputs.count_records_owned(client)


@task(name="look up records", **_READ)
def look_up(client: SalesforceClient, ids_by_object: dict[str, set[str]],
            field: str) -> dict[str, str]:
    return digest_inputs.look_up(client, ids_by_object, field) if ids_by_object else {}


@task(name="render", cache_policy=NO_CACHE)
def render(batch: DigestBatch, templates_dir: Path) -> list[RenderedDigest]:
    """Every digest before any is sent: a broken template stops the run with nothing mailed."""
    env = load_environment(templates_dir)
    return [render_digest(env, digest) for digest in batch.digests]


@task(name="send digest", cache_policy=NO_CACHE)
def send_one(ledger: Ledger, digest: Digest, rendered: RenderedDigest,
             config: mail.MailConfig) -> Delivery:
    return digest_delivery.send(ledger, digest, rendered, config)


@task(name="remember scores", **_READ)
def remember_scores(ledger: Ledger, scores: WeekScores) -> None:
    ledger.record_scores(scores.week, scores.flat())


# Prefect types TaskRunner invariantly in its future type, so a thread pool "is not" a runner.
@flow(name="weekly-digest", task_runner=ThreadPoolTaskRunner(max_workers=SEND_WORKERS),  # type: ignore[arg-type]
      log_prints=False, validate_parameters=True)
def digest_flow(send: bool = False, preview_dir: str | None = None,
                week: str | None = None) -> DigestRunSummary:
    """Mail each manager their team's hygiene digest (``send``), or write it to ``preview_dir``
    as .html, .txt and .eml files. ``week`` ("2026-W47") picks the week; by default, sending
    reports the last complete week and a preview the current week so far."""
    configure_logging()
    started = time.perf_counter()
    if send == (preview_dir is not None):
        raise WeederError("the digest needs exactly one of send=True or preview_dir")
    config = DigestConfig.from_env(sending=send)
    report_week = choose_week(week, config, datetime.now(UTC), sending=send)
    with Ledger.open() as ledger, SalesforceClient.from_env() as client:
        inputs = gather(client, ledger, report_week)
        batch = build(client, inputs, config.digest_settings(instance_url(client)))
        rendered = render(batch, config.templates_dir)
        if preview_dir is not None:
            deliveries = [digest_delivery.preview(Path(preview_dir), digest, body, config.sender,
                                                  config.reply_to)
                          for digest, body in zip(batch.digests, rendered, strict=True)]
        else:
            deliveries = send_all(ledger, batch, rendered, config)
            remember_scores(ledger, batch.scores)
        summary = DigestRunSummary(
            week=report_week.iso, mode="send" if send else "preview",
            deliveries=tuple(deliveries), skipped_all_clear=_names(inputs, batch.skipped_all_clear),
            unrouted_findings=batch.unrouted_findings, api_calls=client.api_calls,
            seconds=round(time.perf_counter() - started, 2))
    log.info("digest.finished", week=summary.week, mode=summary.mode, status=summary.status,
             sent=summary.count(DeliveryStatus.SENT), failed=len(summary.failed),
             api_calls=summary.api_calls, seconds=summary.seconds)
    return _ended(summary)


def gather(client: SalesforceClient, ledger: Ledger, week: ReportWeek) -> DigestInputs:
    """The org's people and the ledger's memory of the week, with what a digest needs beside."""
    users = read_users(client)
    facts = read_ledger(ledger, week)
    return DigestInputs(
        week=week, findings=facts.findings, journal=facts.journal, users=users,
        records_owned=count_records_owned(client, facts.owner_counts), history=facts.history,
        record_owners=look_up(client, digest_inputs.orphan_records(facts, week), "OwnerId"),
        rule_titles=digest_inputs.rule_titles())


def build(client: SalesforceClient, inputs: DigestInputs,
          settings: DigestSettings) -> DigestBatch:
    """Build, then name the records the digests would show by their bare id, and build again:
    a lookup for the few records shown rather than for every record with a finding. Names can
    reorder ties (and so change which records are shown), hence a few rounds."""
    batch = build_digests(inputs, settings)
    names: dict[str, str] = {}
    asked: set[str] = set()
    for _ in range(NAMING_ROUNDS):
        wanted = {obj: ids - asked for obj, ids in digest_inputs.unnamed_records(batch).items()}
        wanted = {obj: ids for obj, ids in wanted.items() if ids}
        if not wanted:
            break
        asked.update(*wanted.values())
        found = look_up(client, wanted, "Name")
        if not found:
            break
        names.update(found)
        batch = build_digests(dataclasses.replace(inputs, record_names=names), settings)
    return batch


def send_all(ledger: Ledger, batch: DigestBatch, rendered: list[RenderedDigest],
             config: DigestConfig) -> list[Delivery]:
    assert config.mail is not None, "DigestConfig.from_env(sending=True) reads the SMTP settings"
    # One sending run at a time: two overlapping runs could both find a manager not yet mailed.
    with ledger.run_lock("digest"):
        futures = [send_one.submit(ledger, digest, body, config.mail)
                   for digest, body in zip(batch.digests, rendered, strict=True)]
        return [future.result() for future in futures]


def choose_week(week: str | None, config: DigestConfig, now: datetime, *,
                sending: bool) -> ReportWeek:
    """The week asked for; by default, when sending, the last complete week in the digest's
    time zone, and when previewing, the current week so far (what next Monday's digest will
    report). A week not over yet may be previewed but not sent: its digest would count as that
    week's, and the Monday run would then skip it."""
    local_now = now.astimezone(config.timezone)
    if week:
        chosen = ReportWeek.parse(week, config.timezone)
    elif sending:
        chosen = ReportWeek.last_complete(local_now)
    else:
        chosen = ReportWeek.of(local_now.date(), config.timezone)
    if sending and chosen.end > now:
        raise WeederError(f"week {chosen.iso} is not over until {chosen.end:%a %d %b %H:%M %Z}: "
                          "preview it with --preview DIR, or send a complete week")
    return chosen


def instance_url(client: SalesforceClient) -> str:
    """Where record links point: the org's own address (a local sandbox's is plain http,
    though the connector speaks https to it through its loopback adapter)."""
    return client.settings.sandbox_base_url or client.instance_url or ""


def _names(inputs: DigestInputs, user_ids: tuple[str, ...]) -> tuple[str, ...]:
    names = {str(user["Id"]): str(user.get("Name") or user["Id"]) for user in inputs.users}
    return tuple(names.get(user_id, user_id) for user_id in user_ids)


def _ended(summary: DigestRunSummary) -> DigestRunSummary:
    """A run with failed sends ends in a Completed state named "Partial" (its message says
    how many failed), so the Prefect UI shows it; a caller of the flow still gets the summary,
    which Prefect unwraps from the state."""
    if not summary.failed:
        return summary
    message = f"{len(summary.failed)} of {len(summary.deliveries)} digests failed to send"
    return cast(DigestRunSummary, Completed(name="Partial", message=message, data=summary))
