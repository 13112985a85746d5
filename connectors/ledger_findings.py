"""The findings lifecycle: how one run's sightings become new, persisting and resolved findings.

Kept apart from :mod:`connectors.ledger` because it is the one part of the ledger with an
algorithm in it, and the one that must stay fast: an org with 200,000 open findings is recorded
every hour. Everything is done in bulk: one read of the open findings' light columns, batched
inserts and updates, and a content hash per finding so that one that persists unchanged only has
its last_seen moved, by a set-based UPDATE.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, type_coerce, update
from sqlalchemy.types import NullType

from connectors.ledger_db import IN_CHUNK, chunked, executemany
from connectors.ledger_schema import (
    finding_events,
    findings,
    from_json,
    to_json,
    utc_from_db,
)
from connectors.ledger_types import FindingEvent
from engine.model import Action, Finding, FindingRecord, FindingStatus, Severity

_OPEN = FindingStatus.OPEN.value
_RESOLVED = FindingStatus.RESOLVED.value

REASON_NOT_FOUND = "no longer found when its record was evaluated again"


# Lookups for the hot loops over 200,000 findings: a dict lookup validates like Severity(...)
# at a fraction of the cost, and an enum's .value is a property, slow there too.
_SEVERITIES = {s.value: s for s in Severity}
_ACTIONS = {a.value: a for a in Action}
_STATUSES = {s.value: s for s in FindingStatus}
_TEXT: dict[str, str] = {m: m.value for m in (*Severity, *Action)}


@dataclass(frozen=True, slots=True)
class RuleCounts:
    new: int = 0
    persisting: int = 0
    resolved: int = 0


Records = list[FindingRecord] | Callable[[], list[FindingRecord]]


class FindingDiff:
    """What one run changed in the findings: the run summary's and the alerts' raw material.

    ``new`` includes findings that had been resolved and came back (their fingerprints are also
    in ``reopened``). ``new`` and ``persisting`` may be given as functions that build the list;
    it is built on first read, because an hourly run mostly needs only the counts in
    ``per_rule``, and 200,000 records take a second to build.
    """

    __slots__ = ("_new", "_persisting", "per_rule", "reopened", "resolved")

    def __init__(
        self,
        new: Records,
        persisting: Records,
        resolved: list[FindingRecord],
        reopened: frozenset[str] = frozenset(),
        per_rule: dict[str, RuleCounts] | None = None,
    ) -> None:
        self._new = new
        self._persisting = persisting
        self.resolved = resolved
        self.reopened = reopened
        self.per_rule = per_rule if per_rule is not None else {}

    @property
    def new(self) -> list[FindingRecord]:
        if callable(self._new):
            self._new = self._new()
        return self._new

    @property
    def persisting(self) -> list[FindingRecord]:
        if callable(self._persisting):
            self._persisting = self._persisting()
        return self._persisting

    def total(self, kind: str) -> int:
        """How many findings are ``new``, ``persisting`` or ``resolved``, without building them."""
        return sum(getattr(counts, kind) for counts in self.per_rule.values())

    def counts(self) -> dict[str, dict[str, int]]:
        """``{rule_id: {"new": n, "persisting": n, "resolved": n}}``, ready for a JSON summary."""
        return {
            rule: {"new": c.new, "persisting": c.persisting, "resolved": c.resolved}
            for rule, c in sorted(self.per_rule.items())
        }

    def __repr__(self) -> str:
        return (
            f"FindingDiff(new={self.total('new')}, persisting={self.total('persisting')}, "
            f"resolved={len(self.resolved)}, reopened={len(self.reopened)})"
        )


@dataclass(frozen=True, slots=True)
class FindingChanges:
    """Findings opened and resolved within a time window, each in its current state."""

    new: list[FindingRecord]
    resolved: list[FindingRecord]


@dataclass(frozen=True, slots=True)
class _Sighting:
    """A finding seen by this run, with its stored form computed once."""

    finding: Finding
    fingerprint: str
    severity: Severity
    action: Action
    columns: dict[str, Any]  # the content columns, as stored


def _sighting(finding: Finding) -> _Sighting:
    severity = _SEVERITIES[finding.severity]
    action = _ACTIONS[finding.action]
    evidence_json = to_json(dict(finding.evidence))
    content = "\x1f".join(
        (
            finding.rule_id,
            severity,
            finding.object,
            finding.record_id,
            finding.field or "",
            finding.message,
            evidence_json,
            finding.owner_id or "",
            action,
        )
    )
    columns = {
        "rule_id": finding.rule_id,
        "severity": _TEXT[severity],
        "object": finding.object,
        "record_id": finding.record_id,
        "field": finding.field,
        "message": finding.message,
        "evidence": evidence_json,
        "owner_id": finding.owner_id,
        "action": _TEXT[action],
        "content_hash": hashlib.sha1(content.encode("utf-8")).hexdigest(),
    }
    return _Sighting(finding, finding.fingerprint, severity, action, columns)


def _prefixed(columns: dict[str, Any]) -> dict[str, Any]:
    """Bound parameters of an executemany UPDATE may not share the columns' names."""
    return {f"b_{name}": value for name, value in columns.items()}


def _record_of(s: _Sighting, first_seen: datetime, now: datetime) -> FindingRecord:
    f = s.finding
    return FindingRecord(
        fingerprint=s.fingerprint,
        rule_id=f.rule_id,
        severity=s.severity,
        object=f.object,
        record_id=f.record_id,
        field=f.field,
        message=f.message,
        evidence=f.evidence,
        owner_id=f.owner_id,
        status=FindingStatus.OPEN,
        first_seen=first_seen,
        last_seen=now,
        action=s.action,
    )



#: The columns a FindingRecord is built from, in the order :func:`finding_record` unpacks them.
RECORD_COLUMNS = (
    findings.c.fingerprint,
    findings.c.rule_id,
    findings.c.severity,
    findings.c.object,
    findings.c.record_id,
    findings.c.field,
    findings.c.message,
    findings.c.evidence,
    findings.c.owner_id,
    findings.c.status,
    findings.c.first_seen,
    findings.c.last_seen,
    findings.c.resolved_at,
    findings.c.action,
)


def finding_record(values: Sequence[Any]) -> FindingRecord:
    """A row of :data:`RECORD_COLUMNS` as the shared shape."""
    (fp, rule_id, severity, obj, record_id, field_name, message, evidence, owner_id, status,
     first_seen, last_seen, resolved_at, action) = values
    return FindingRecord(
        fingerprint=fp,
        rule_id=rule_id,
        severity=_SEVERITIES[severity],
        object=obj,
        record_id=record_id,
        field=field_name,
        message=message,
        evidence=from_json(evidence),
        owner_id=owner_id,
        status=_STATUSES[status],
        first_seen=first_seen,
        last_seen=last_seen,
        resolved_at=resolved_at,
        action=_ACTIONS[action],
    )


def fetch_records(conn: Connection, fingerprints: Iterable[str]) -> list[FindingRecord]:
    wanted = sorted(set(fingerprints))
    records: list[FindingRecord] = []
    for chunk in chunked(wanted):
        rows = conn.execute(select(*RECORD_COLUMNS).where(findings.c.fingerprint.in_(chunk)))
        records.extend(finding_record(row) for row in rows.all())
    records.sort(key=lambda r: r.fingerprint)
    return records


@dataclass
class _Plan:
    """What one run does to the findings table, worked out before anything is written."""

    new: list[tuple[_Sighting, datetime]] = field(default_factory=list)  # with first_seen
    persisting: list[tuple[_Sighting, Any]] = field(default_factory=list)  # raw first_seen
    inserts: list[dict[str, Any]] = field(default_factory=list)
    reopens: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_open: list[str] = field(default_factory=list)  # open, not seen, not evaluated
    resolutions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    counts: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def record_sightings(
    conn: Connection,
    run_id: str,
    now: datetime,
    sightings: Sequence[Finding],
    *,
    evaluated: Mapping[str, Collection[str]] | None,
    rules: Collection[str],
    not_run: Collection[str] = (),
) -> FindingDiff:
    """Fold one run's findings into the ledger, inside the caller's transaction."""
    if not rules:
        # Every open finding would be resolved as "rule no longer exists": surely a mistake.
        raise ValueError("record_findings needs every rule that exists now; none were given")
    unknown = set(not_run) - set(rules)
    if unknown:
        raise ValueError(f"rules that did not run must exist: {', '.join(sorted(unknown))} "
                         "not among the rules given")
    seen: dict[str, _Sighting] = {}
    for finding in sightings:
        s = _sighting(finding)
        seen[s.fingerprint] = s  # a finding reported twice counts once; the last one wins
    open_rows = _open_findings(conn)
    plan = _Plan()
    resolved_before = _first_seen_of(conn, [fp for fp in seen if fp not in open_rows])
    _plan_sightings(plan, seen, open_rows, resolved_before, now)
    _plan_resolutions(plan, seen, open_rows, frozenset(rules), evaluated, frozenset(not_run))
    _write(conn, plan, run_id, now, open_count=len(open_rows))
    return FindingDiff(
        new=lambda: [_record_of(s, first_seen, now) for s, first_seen in plan.new],
        persisting=lambda: [
            _record_of(s, utc_from_db(first), now) for s, first in plan.persisting
        ],
        resolved=fetch_records(conn, (r["b_fp"] for r in plan.resolutions)),
        reopened=frozenset(r["b_fp"] for r in plan.reopens),
        per_rule={
            rule: RuleCounts(new=c["new"], persisting=c["persisting"], resolved=c["resolved"])
            for rule, c in plan.counts.items()
        },
    )


# fingerprint -> (rule_id, object, record_id, content_hash, first_seen as the driver gave it)
_OpenRows = dict[str, tuple[str, str, str, str, Any]]


def _open_findings(conn: Connection) -> _OpenRows:
    """The open findings' light columns: all a run needs to classify what it saw."""
    rows = conn.execute(
        select(
            findings.c.fingerprint,
            findings.c.rule_id,
            findings.c.object,
            findings.c.record_id,
            findings.c.content_hash,
            # Converted only if the persisting records are asked for (see FindingDiff).
            type_coerce(findings.c.first_seen, NullType()),
        ).where(findings.c.status == _OPEN)
    ).all()
    return {
        fp: (rule_id, obj, record_id, content_hash, first_seen)
        for fp, rule_id, obj, record_id, content_hash, first_seen in rows
    }


def _first_seen_of(conn: Connection, fingerprints: Sequence[str]) -> dict[str, datetime]:
    """Of fingerprints not open now, those known from before (resolved): their first sighting."""
    known: dict[str, datetime] = {}
    any_resolved = conn.execute(
        select(findings.c.fingerprint).where(findings.c.status == _RESOLVED).limit(1)
    ).first()
    if any_resolved is None:
        return known  # a young ledger (the first audit): nothing can come back
    for chunk in chunked(fingerprints):
        rows = conn.execute(
            select(findings.c.fingerprint, findings.c.first_seen).where(
                findings.c.fingerprint.in_(chunk)
            )
        )
        known.update((fp, first_seen) for fp, first_seen in rows)
    return known


def _plan_sightings(
    plan: _Plan,
    seen: Mapping[str, _Sighting],
    open_rows: _OpenRows,
    resolved_before: Mapping[str, datetime],
    now: datetime,
) -> None:
    """Findings this run saw: persisting (changed or not), new, or reopened."""
    for fp, s in seen.items():
        rule_counts = plan.counts[s.finding.rule_id]
        stored = open_rows.get(fp)
        if stored is not None:
            rule_counts["persisting"] += 1
            plan.persisting.append((s, stored[4]))
            if stored[3] == s.columns["content_hash"]:
                plan.unchanged.append(fp)
            else:
                plan.changed.append({"b_fp": fp, **_prefixed(s.columns)})
            continue
        rule_counts["new"] += 1
        first_seen = resolved_before.get(fp)
        if first_seen is None:
            plan.new.append((s, now))
            plan.inserts.append({"fingerprint": fp, **s.columns})
        else:
            # Back after being resolved: open again and counted as new; first_seen stays the
            # first sighting ever (the gap is in finding_events).
            plan.new.append((s, first_seen))
            plan.reopens.append({"b_fp": fp, **_prefixed(s.columns)})
            plan.events.append({"fingerprint": fp, "kind": "reopened", "reason": None})


def _plan_resolutions(
    plan: _Plan,
    seen: Mapping[str, _Sighting],
    open_rows: _OpenRows,
    known_rules: frozenset[str],
    evaluated: Mapping[str, Collection[str]] | None,
    not_run: frozenset[str] = frozenset(),
) -> None:
    """Open findings this run did not see: resolved if it looked at them, or their rule is gone;
    left as they are if their rule did not run."""
    evaluated_ids = (
        None
        if evaluated is None
        else {
            obj: ids if isinstance(ids, frozenset | set) else frozenset(ids)
            for obj, ids in evaluated.items()
        }
    )
    for fp, (rule_id, obj, record_id, _hash, _first) in open_rows.items():
        if fp in seen:
            continue
        if rule_id in not_run:
            plan.kept_open.append(fp)  # its rule did not judge anything this time
            continue
        if rule_id not in known_rules:
            reason = f"rule {rule_id} no longer exists"
        elif evaluated_ids is None or record_id in evaluated_ids.get(obj, ()):
            reason = REASON_NOT_FOUND
        else:
            plan.kept_open.append(fp)  # an incremental run that did not look at its record
            continue
        plan.counts[rule_id]["resolved"] += 1
        plan.resolutions.append({"b_fp": fp, "b_reason": reason})
        plan.events.append({"fingerprint": fp, "kind": "resolved", "reason": reason})


def _write(conn: Connection, plan: _Plan, run_id: str, now: datetime, *, open_count: int) -> None:
    by_fp = findings.c.fingerprint == bindparam("b_fp")
    content: dict[str, Any] = {name: bindparam(f"b_{name}") for name in _CONTENT_NAMES}
    # Resolutions first, so that the findings still open are exactly those this run keeps.
    executemany(
        conn,
        update(findings)
        .where(by_fp)
        .values(
            status=_RESOLVED,
            resolved_at=now,
            resolved_reason=bindparam("b_reason"),
            resolved_run_id=run_id,
        ),
        plan.resolutions,
    )
    _touch_unchanged(conn, plan, run_id, now, open_count=open_count)
    executemany(
        conn,
        update(findings).where(by_fp).values(**content, last_seen=now, last_run_id=run_id),
        plan.changed,
    )
    executemany(
        conn,
        update(findings)
        .where(by_fp)
        .values(
            **content,
            status=_OPEN,
            last_seen=now,
            resolved_at=None,
            resolved_reason=None,
            resolved_run_id=None,
            last_run_id=run_id,
        ),
        plan.reopens,
    )
    executemany(
        conn,
        insert(findings).values(
            status=_OPEN, first_seen=now, last_seen=now, first_run_id=run_id, last_run_id=run_id
        ),
        plan.inserts,
    )
    executemany(conn, insert(finding_events).values(run_id=run_id, at=now), plan.events)


def _touch_unchanged(
    conn: Connection, plan: _Plan, run_id: str, now: datetime, *, open_count: int
) -> None:
    """Move last_seen of the findings seen again unchanged: the common case, and the big one."""
    touch = update(findings).values(last_seen=now, last_run_id=run_id)
    nearly_all = 2 * len(plan.unchanged) >= open_count and len(plan.kept_open) <= IN_CHUNK
    if plan.unchanged and nearly_all:
        # A full run sees nearly every open finding again. One UPDATE of all open findings but
        # the few this run left alone beats hundreds of IN-list updates (and the changed ones
        # it also touches are rewritten right after).
        touch = touch.where(findings.c.status == _OPEN)
        if plan.kept_open:
            touch = touch.where(findings.c.fingerprint.not_in(plan.kept_open))
        conn.execute(touch)
        return
    for chunk in chunked(plan.unchanged):
        conn.execute(touch.where(findings.c.fingerprint.in_(chunk)))


_CONTENT_NAMES = (
    "rule_id",
    "severity",
    "object",
    "record_id",
    "field",
    "message",
    "evidence",
    "owner_id",
    "action",
    "content_hash",
)


def changes_between(conn: Connection, start: datetime, end: datetime) -> FindingChanges:
    """Findings opened (or reopened) and resolved in ``[start, end)``, in their current state."""
    window = (finding_events.c.at >= start) & (finding_events.c.at < end)
    first_opened = conn.execute(
        select(findings.c.fingerprint).where(
            findings.c.first_seen >= start, findings.c.first_seen < end
        )
    ).scalars().all()
    reopened = conn.execute(
        select(finding_events.c.fingerprint).where(window, finding_events.c.kind == "reopened")
    ).scalars().all()
    resolved = conn.execute(
        select(finding_events.c.fingerprint).where(window, finding_events.c.kind == "resolved")
    ).scalars().all()
    return FindingChanges(
        new=fetch_records(conn, {*first_opened, *reopened}), resolved=fetch_records(conn, resolved)
    )


def history(conn: Connection, fingerprint: str) -> list[FindingEvent]:
    """A finding's life so far, oldest first; empty for a fingerprint never seen."""
    opened = conn.execute(
        select(findings.c.first_seen, findings.c.first_run_id).where(
            findings.c.fingerprint == fingerprint
        )
    ).first()
    if opened is None:
        return []
    later = conn.execute(
        select(finding_events.c.kind, finding_events.c.at, finding_events.c.run_id,
               finding_events.c.reason)
        .where(finding_events.c.fingerprint == fingerprint)
        .order_by(finding_events.c.id)
    ).all()
    return [FindingEvent("opened", opened.first_seen, opened.first_run_id)] + [
        FindingEvent(kind, at, run_id, reason) for kind, at, run_id, reason in later
    ]
