"""The ledger: Weeder's memory of runs, findings, writes, tasks, digests and alerts.

A SQLite file by default (``.weeder/weeder.db`` under the current directory); any SQLAlchemy URL
through ``WEEDER_DB_URL`` (PostgreSQL for teams). Each public write method is one transaction.
Time comes from an injected clock so that tests are deterministic; every datetime in and out is
timezone-aware UTC.

This module is the one door; the rooms behind it are small: ``ledger_schema`` (tables),
``ledger_db`` (URL, engine, bulk statements), ``ledger_findings`` (the findings lifecycle),
``ledger_journal`` (the write journal), ``ledger_lock`` (no overlapping runs) and
``ledger_types`` (errors, statuses, records).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import structlog
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from connectors import ledger_journal, ledger_lock
from connectors import ledger_schema as t
from connectors.ledger_db import (
    DEFAULT_PATH,
    ENV_URL,
    chunked,
    create_schema,
    default_url,
    make_engine,
    parse_url,
    shown,
)
from connectors.ledger_findings import (
    RECORD_COLUMNS,
    FindingChanges,
    FindingDiff,
    RuleCounts,
    changes_between,
    finding_record,
    history,
    record_sightings,
)
from connectors.ledger_schema import from_json, to_json
from connectors.ledger_types import (
    SUCCESSFUL,
    DigestStatus,
    FindingEvent,
    JournalIntent,
    LedgerError,
    RunInProgress,
    RunMode,
    RunRecord,
    RunStatus,
    UnknownRun,
    check_week,
    iso_week,
)
from engine.model import (
    Finding,
    FindingRecord,
    FindingStatus,
    JournalEntry,
    JournalKind,
    JournalStatus,
)

__all__ = [
    "DEFAULT_PATH",
    "ENV_URL",
    "DigestStatus",
    "FindingChanges",
    "FindingDiff",
    "FindingEvent",
    "JournalIntent",
    "Ledger",
    "LedgerError",
    "RuleCounts",
    "RunInProgress",
    "RunMode",
    "RunRecord",
    "RunStatus",
    "UnknownRun",
    "default_url",
    "iso_week",
]

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """Weeder's memory. Open with :meth:`open`; close with :meth:`close` or a ``with`` block."""

    def __init__(self, engine: Engine, *, clock: Clock = _utcnow) -> None:
        self._engine = engine
        self._clock = clock

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None, *, clock: Clock | None = None) -> Ledger:
        """Open the ledger at ``url``, else ``WEEDER_DB_URL``, else ``.weeder/weeder.db``.

        Tables are created if missing. ``clock`` (aware datetimes) defaults to the UTC now.
        """
        engine = make_engine(parse_url(url if url is not None else default_url()))
        try:
            create_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        log.debug("ledger opened", url=shown(engine.url))
        return cls(engine, clock=clock or _utcnow)

    @property
    def url(self) -> str:
        """The database URL, password hidden: safe to print."""
        return shown(self._engine.url)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def schema_version(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "schema_version")
            ).scalar_one()
        return int(value)

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the ledger's clock must return timezone-aware datetimes")
        return now.astimezone(UTC)

    # -- run lock ------------------------------------------------------------------------

    def run_lock(
        self,
        name: str = "audit",
        *,
        wait_seconds: float = 0,
        stale_after: timedelta = timedelta(hours=2),
    ) -> AbstractContextManager[None]:
        """Hold the named lock for a ``with`` block, across processes and machines.

        Waits up to ``wait_seconds`` for the holder to finish, then raises
        :class:`RunInProgress` naming it. A lock held longer than ``stale_after`` is presumed
        to belong to a crashed run and is taken over, with a warning in the log.
        """
        return ledger_lock.hold(
            self._engine, self._now, name, wait_seconds=wait_seconds, stale_after=stale_after
        )

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, *, mode: str, rules_hash: str, full: bool) -> str:
        """Record a run's start; returns its id, which sorts by start time.

        The id is the start time and a random suffix, e.g. ``20261122T154500-ab12``.
        """
        mode = RunMode(mode).value
        now = self._now()
        run_id = f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"
        with self._engine.begin() as conn:
            conn.execute(
                insert(t.runs).values(
                    id=run_id,
                    started_at=now,
                    mode=mode,
                    status=RunStatus.RUNNING.value,
                    full=full,
                    rules_hash=rules_hash,
                    api_calls=0,
                    summary="{}",
                )
            )
        log.info("run started", run_id=run_id, mode=mode, full=full)
        return run_id

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        summary: Mapping[str, Any],
        api_calls: int,
        api_remaining: int | None,
    ) -> None:
        status = RunStatus(status).value
        if status == RunStatus.RUNNING:
            raise ValueError("a run cannot finish with status 'running'")
        with self._engine.begin() as conn:
            done = conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(
                    finished_at=self._now(),
                    status=status,
                    summary=to_json(dict(summary)),
                    api_calls=api_calls,
                    api_remaining=api_remaining,
                )
            ).rowcount
        if not done:
            raise self._unknown_run(run_id)
        log.info("run finished", run_id=run_id, status=status, api_calls=api_calls)

    def runs(self, limit: int = 50) -> list[RunRecord]:
        """The most recent runs first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.runs).order_by(t.runs.c.started_at.desc(), t.runs.c.id.desc()).limit(limit)
            )
            return [_run_record(row) for row in rows]

    def run(self, run_id: str) -> RunRecord:
        with self._engine.connect() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
        if row is None:
            raise self._unknown_run(run_id)
        return _run_record(row)

    def last_successful_run(self, mode: str | None = None) -> RunRecord | None:
        query = select(t.runs).where(t.runs.c.status.in_(SUCCESSFUL))
        if mode is not None:
            query = query.where(t.runs.c.mode == RunMode(mode).value)
        query = query.order_by(t.runs.c.started_at.desc(), t.runs.c.id.desc()).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _run_record(row)

    def ever_applied(self) -> bool:
        """Has an apply run ever finished successfully? (If not, an audit defaults to plan.)"""
        return self.last_successful_run(RunMode.APPLY) is not None

    def _unknown_run(self, run_id: str) -> UnknownRun:
        return UnknownRun(
            f"no run {run_id!r} in the ledger at {self.url}; `weeder runs` lists them"
        )

    def _require_run(self, conn: Connection, run_id: str) -> None:
        if conn.execute(select(t.runs.c.id).where(t.runs.c.id == run_id)).first() is None:
            raise self._unknown_run(run_id)

    # -- watermarks ----------------------------------------------------------------------

    def watermark(self, object: str) -> datetime | None:
        """How far successful runs have read ``object``; None before the first one."""
        with self._engine.connect() as conn:
            return conn.execute(_current_marks().where(t.watermarks.c.object == object)).scalar()

    def watermarks(self) -> dict[str, datetime]:
        with self._engine.connect() as conn:
            query = _current_marks().add_columns(t.watermarks.c.object).group_by(
                t.watermarks.c.object
            )
            return {row.object: row.mark for row in conn.execute(query)}

    def set_watermarks(self, run_id: str, marks: Mapping[str, datetime]) -> None:
        """Remember how far this run read each object.

        The marks count only once the run finishes with a successful status (before or after
        this call), so a failed run never moves a watermark past records it did not process.
        """
        for obj, mark in marks.items():
            if mark.tzinfo is None:
                raise ValueError(f"the watermark of {obj} is a naive datetime; give it in UTC")
        with self._engine.begin() as conn:
            self._require_run(conn, run_id)
            existing = set(
                conn.execute(
                    select(t.watermarks.c.object).where(t.watermarks.c.run_id == run_id)
                ).scalars()
            )
            fresh = [
                {"run_id": run_id, "object": obj, "mark": mark}
                for obj, mark in marks.items()
                if obj not in existing
            ]
            again = [
                {"b_run": run_id, "b_object": obj, "mark": mark}
                for obj, mark in marks.items()
                if obj in existing
            ]
            if fresh:
                conn.execute(insert(t.watermarks), fresh)
            if again:
                conn.execute(
                    update(t.watermarks).where(
                        t.watermarks.c.run_id == bindparam("b_run"),
                        t.watermarks.c.object == bindparam("b_object"),
                    ),
                    again,
                )

    # -- findings ------------------------------------------------------------------------

    def record_findings(
        self,
        run_id: str,
        findings: Sequence[Finding],
        *,
        evaluated: Mapping[str, Collection[str]] | None,
        rules: Collection[str],
        not_run: Collection[str] = (),
    ) -> FindingDiff:
        """Fold this run's findings into their lifecycle; call once per run with all of them.

        ``evaluated`` maps each object to the ids of the records this run evaluated; None means
        a full run that evaluated every record. ``rules`` is every rule that exists now. An open
        finding this run did not see is resolved if its rule is gone, or if its record was
        evaluated; otherwise (an incremental run that did not look at it) it stays open.
        Records deleted in the org belong in ``evaluated`` too, so their findings resolve.
        ``not_run`` names rules that exist but did not run this time (duplicate matchers skip
        incremental runs): their open findings are left as they are, neither resolved nor
        touched. Each must be one of ``rules``.

        Meant to run under :meth:`run_lock`: it reads the open findings, then writes.
        """
        started = time.perf_counter()
        now = self._now()
        with self._engine.begin() as conn:
            self._require_run(conn, run_id)
            diff = record_sightings(
                conn, run_id, now, findings, evaluated=evaluated, rules=rules, not_run=not_run
            )
        log.info(
            "findings recorded",
            run_id=run_id,
            new=diff.total("new"),
            persisting=diff.total("persisting"),
            resolved=len(diff.resolved),
            reopened=len(diff.reopened),
            seconds=round(time.perf_counter() - started, 2),
        )
        return diff

    def findings(
        self, *, status: FindingStatus | None = FindingStatus.OPEN
    ) -> list[FindingRecord]:
        """Findings in ``status`` (all of them for None), oldest first."""
        query = select(*RECORD_COLUMNS)
        if status is not None:
            query = query.where(t.findings.c.status == FindingStatus(status).value)
        query = query.order_by(t.findings.c.first_seen, t.findings.c.fingerprint)
        with self._engine.connect() as conn:
            return [finding_record(row) for row in conn.execute(query).all()]

    def finding(self, fingerprint: str) -> FindingRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(*RECORD_COLUMNS).where(t.findings.c.fingerprint == fingerprint)
            ).first()
        return None if row is None else finding_record(row)

    def finding_history(self, fingerprint: str) -> list[FindingEvent]:
        """When a finding was opened, resolved (and why) and reopened, oldest first."""
        with self._engine.connect() as conn:
            return history(conn, fingerprint)

    def findings_changed_between(self, start: datetime, end: datetime) -> FindingChanges:
        """Findings opened (or reopened) and resolved in ``[start, end)``, as they are now.

        A finding opened and resolved within the window (typically one Weeder fixed itself)
        is in both lists.
        """
        with self._engine.connect() as conn:
            return changes_between(conn, start, end)

    # -- journal -------------------------------------------------------------------------

    def journal_intent(
        self,
        run_id: str,
        *,
        kind: JournalKind,
        object: str,
        record_id: str | None,
        field: str | None,
        old: Any,
        new: Any,
        rule_id: str | None = None,
        fingerprint: str | None = None,
    ) -> int:
        """Record a write before it is sent; returns the entry id for :meth:`journal_outcome`."""
        intent = JournalIntent(kind, object, record_id, field, old, new, rule_id, fingerprint)
        return self.journal_intents(run_id, [intent])[0]

    def journal_intents(self, run_id: str, entries: Sequence[JournalIntent]) -> list[int]:
        """Record a batch of writes before they are sent, in one transaction; ids in order."""
        with self._engine.begin() as conn:
            self._require_run(conn, run_id)
            return ledger_journal.add_intents(conn, run_id, self._now(), entries)

    def journal_outcome(
        self,
        entry_id: int,
        status: JournalStatus,
        *,
        error: str | None = None,
        record_id: str | None = None,
    ) -> None:
        """Record what became of a write. ``record_id`` fills in a created task's id."""
        self.journal_outcomes([(entry_id, status, error, record_id)])

    def journal_outcomes(
        self, outcomes: Sequence[tuple[int, JournalStatus, str | None, str | None]]
    ) -> None:
        """Many outcomes in one transaction: ``(entry id, status, error, record id)``."""
        with self._engine.begin() as conn:
            ledger_journal.set_outcomes(conn, self._now(), outcomes)

    def journal(self, run_id: str) -> list[JournalEntry]:
        """Every write of a run, in the order it was recorded."""
        with self._engine.connect() as conn:
            return ledger_journal.entries(conn, t.journal.c.run_id == run_id)

    def journal_between(self, start: datetime, end: datetime) -> list[JournalEntry]:
        """Every write recorded in ``[start, end)``, whatever its run, in recording order."""
        with self._engine.connect() as conn:
            return ledger_journal.entries(
                conn, (t.journal.c.created_at >= start) & (t.journal.c.created_at < end)
            )

    def pending_entries(self) -> list[JournalEntry]:
        """Writes recorded but never resolved (a crash mid-write): the next run reconciles them."""
        with self._engine.connect() as conn:
            return ledger_journal.entries(
                conn, t.journal.c.status == JournalStatus.PENDING.value
            )

    # -- review tasks --------------------------------------------------------------------

    def open_task_for(self, fingerprint: str) -> str | None:
        """The id of the open review task about this finding, if there is one."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(t.tasks.c.task_id).where(t.tasks.c.open_fingerprint == fingerprint)
            ).scalar()

    def link_task(self, fingerprint: str, task_id: str, run_id: str) -> None:
        """Remember that ``task_id`` is the one open task about this finding.

        Linking the same task again is a no-op; a second open task for one finding is refused.
        """
        with self._engine.begin() as conn:
            existing = conn.execute(
                select(t.tasks.c.task_id).where(t.tasks.c.open_fingerprint == fingerprint)
            ).scalar()
            if existing == task_id:
                return
            if existing is not None:
                raise ValueError(
                    f"finding {fingerprint} already has open task {existing}; "
                    f"close it before linking {task_id}"
                )
            conn.execute(
                insert(t.tasks).values(
                    task_id=task_id,
                    fingerprint=fingerprint,
                    open_fingerprint=fingerprint,
                    created_run_id=run_id,
                    created_at=self._now(),
                )
            )

    def tasks_to_close(self) -> list[tuple[str, str]]:
        """``(fingerprint, task id)`` of open tasks whose finding has been resolved."""
        query = (
            select(t.tasks.c.fingerprint, t.tasks.c.task_id)
            .join(t.findings, t.findings.c.fingerprint == t.tasks.c.open_fingerprint)
            .where(t.findings.c.status == FindingStatus.RESOLVED.value)
            .order_by(t.tasks.c.fingerprint)
        )
        with self._engine.connect() as conn:
            return [(row.fingerprint, row.task_id) for row in conn.execute(query)]

    def mark_task_closed(
        self, fingerprint: str, run_id: str, *, reason: str = "finding resolved"
    ) -> None:
        """The finding's open task was closed in the org (a no-op if it had none)."""
        with self._engine.begin() as conn:
            conn.execute(
                update(t.tasks)
                .where(t.tasks.c.open_fingerprint == fingerprint)
                .values(
                    open_fingerprint=None,
                    closed_run_id=run_id,
                    closed_at=self._now(),
                    closed_reason=reason,
                )
            )

    def tasks_created_by(self, run_id: str) -> list[str]:
        """Ids of the tasks a run opened (for `weeder revert`)."""
        with self._engine.connect() as conn:
            return list(
                conn.execute(
                    select(t.tasks.c.task_id)
                    .where(t.tasks.c.created_run_id == run_id)
                    .order_by(t.tasks.c.created_at, t.tasks.c.task_id)
                ).scalars()
            )

    # -- digests and alerts --------------------------------------------------------------

    def digest_sent(self, recipient: str, week: str) -> bool:
        """Has this recipient already been sent the digest of this ISO week?"""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.digests.c.id).where(
                    t.digests.c.recipient == recipient,
                    t.digests.c.week == check_week(week),
                    t.digests.c.status == DigestStatus.SENT.value,
                )
            ).first()
        return row is not None

    def record_digest(
        self,
        recipient: str,
        week: str,
        *,
        status: str,
        error: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """Remember one attempt to send a digest; failed attempts are kept too."""
        with self._engine.begin() as conn:
            conn.execute(
                insert(t.digests).values(
                    recipient=recipient,
                    week=check_week(week),
                    status=DigestStatus(status).value,
                    error=error,
                    message_id=message_id,
                    at=self._now(),
                )
            )

    def unannounced(self, fingerprints: Collection[str]) -> set[str]:
        """Those of ``fingerprints`` no alert has mentioned yet."""
        wanted = sorted(set(fingerprints))
        announced: set[str] = set()
        with self._engine.connect() as conn:
            for chunk in chunked(wanted):
                announced.update(
                    conn.execute(
                        select(t.announcements.c.fingerprint).where(
                            t.announcements.c.fingerprint.in_(chunk)
                        )
                    ).scalars()
                )
        return set(wanted) - announced

    def mark_announced(self, fingerprints: Collection[str]) -> None:
        now = self._now()
        with self._engine.begin() as conn:
            fresh = set(fingerprints)
            for chunk in chunked(sorted(fresh)):
                fresh.difference_update(
                    conn.execute(
                        select(t.announcements.c.fingerprint).where(
                            t.announcements.c.fingerprint.in_(chunk)
                        )
                    ).scalars()
                )
            if fresh:
                conn.execute(
                    insert(t.announcements),
                    [{"fingerprint": fp, "announced_at": now} for fp in sorted(fresh)],
                )

    # -- scores --------------------------------------------------------------------------

    def record_scores(self, week: str, scores: Mapping[str, float]) -> None:
        """Hygiene scores for an ISO week; recording a week again replaces its scores."""
        week = check_week(week)
        now = self._now()
        with self._engine.begin() as conn:
            existing = set(
                conn.execute(select(t.scores.c.key).where(t.scores.c.week == week)).scalars()
            )
            fresh = [
                {"key": key, "week": week, "score": float(score), "recorded_at": now}
                for key, score in scores.items()
                if key not in existing
            ]
            again = [
                {"b_key": key, "score": float(score), "recorded_at": now}
                for key, score in scores.items()
                if key in existing
            ]
            if fresh:
                conn.execute(insert(t.scores), fresh)
            if again:
                conn.execute(
                    update(t.scores).where(
                        t.scores.c.key == bindparam("b_key"), t.scores.c.week == week
                    ),
                    again,
                )

    def scores(self, key: str, *, weeks: int = 8) -> list[tuple[str, float]]:
        """The last ``weeks`` recorded scores of a key, oldest first.

        ``[("2026-W46", 81.5), ("2026-W47", 84.0)]``
        """
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.scores.c.week, t.scores.c.score)
                .where(t.scores.c.key == key)
                .order_by(t.scores.c.week.desc())
                .limit(weeks)
            ).all()
        return [(row.week, row.score) for row in reversed(rows)]

    def scores_since(
        self, weeks: int = 8, *, before: str | None = None
    ) -> dict[str, list[tuple[str, float]]]:
        """Every key's scores over the last ``weeks`` weeks that have any, oldest first.

        With ``before`` (an ISO week), only weeks before it count: redoing an old week's digest
        compares it with the weeks before it, not with what came after.
        ``{"team:005M": [("2026-W46", 81.0), ("2026-W47", 84.0)], ...}``
        """
        recent = select(t.scores.c.week).distinct()
        if before is not None:
            recent = recent.where(t.scores.c.week < check_week(before))
        recent = recent.order_by(t.scores.c.week.desc()).limit(weeks)
        with self._engine.connect() as conn:
            chosen = list(conn.execute(recent).scalars())
            if not chosen:
                return {}
            rows = conn.execute(
                select(t.scores.c.key, t.scores.c.week, t.scores.c.score)
                .where(t.scores.c.week.in_(chosen))
                .order_by(t.scores.c.key, t.scores.c.week)
            ).all()
        series: dict[str, list[tuple[str, float]]] = {}
        for row in rows:
            series.setdefault(row.key, []).append((row.week, row.score))
        return series

    # -- metadata cache ------------------------------------------------------------------

    def cache_get(self, key: str) -> tuple[Any, datetime] | None:
        """The JSON value stored under ``key`` and when it was stored; None if never."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.cache.c.value, t.cache.c.stored_at).where(t.cache.c.key == key)
            ).first()
        return None if row is None else (from_json(row.value), row.stored_at)

    def cache_put(self, key: str, value: Any) -> None:
        """Store ``value`` (anything JSON can hold) under ``key``, replacing what was there."""
        with self._engine.begin() as conn:
            conn.execute(delete(t.cache).where(t.cache.c.key == key))
            conn.execute(
                insert(t.cache).values(key=key, value=to_json(value), stored_at=self._now())
            )

    # -- records owned -------------------------------------------------------------------

    def record_owner_counts(self, run_id: str, counts: Mapping[str, int]) -> None:
        """How many records each user owns across the audited objects, as a full run counted
        them; recording the same run again replaces its counts. The digest's scores divide by
        these, so only a run that read every record should call this."""
        now = self._now()
        rows = [
            {"run_id": run_id, "owner_id": owner, "records": int(records), "recorded_at": now}
            for owner, records in sorted(counts.items())
            if owner
        ]
        with self._engine.begin() as conn:
            self._require_run(conn, run_id)
            conn.execute(delete(t.owner_counts).where(t.owner_counts.c.run_id == run_id))
            if rows:
                conn.execute(insert(t.owner_counts), rows)

    def owner_counts(self) -> dict[str, int]:
        """The latest snapshot recorded by :meth:`record_owner_counts`; empty before the first."""
        latest = (
            select(t.owner_counts.c.run_id)
            .order_by(t.owner_counts.c.recorded_at.desc(), t.owner_counts.c.run_id.desc())
            .limit(1)
            .scalar_subquery()
        )
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.owner_counts.c.owner_id, t.owner_counts.c.records).where(
                    t.owner_counts.c.run_id == latest
                )
            ).all()
        return {row.owner_id: row.records for row in rows}


def _current_marks() -> Any:
    """The highest mark per object among runs that finished successfully."""
    return (
        select(func.max(t.watermarks.c.mark).label("mark"))
        .join(t.runs, t.runs.c.id == t.watermarks.c.run_id)
        .where(t.runs.c.status.in_(SUCCESSFUL))
    )


def _run_record(row: Row[Any]) -> RunRecord:
    return RunRecord(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        mode=row.mode,
        status=row.status,
        full=bool(row.full),
        api_calls=row.api_calls,
        api_remaining=row.api_remaining,
        summary=from_json(row.summary),
        rules_hash=row.rules_hash,
    )
