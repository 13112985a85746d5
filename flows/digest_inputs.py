"""What the weekly digest gathers before building: the org's people, the ledger's memory of the
week, how many records each person owns, and the names of the records a digest will show.

Plain functions, each one read; `flows.digest` wraps them in Prefect tasks. The two helpers that
decide *which* records to look up (`orphan_records`, `unnamed_records`) are pure.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog

from connectors.ledger import Ledger
from connectors.salesforce import SalesforceClient, soql_in
from connectors.salesforce_errors import (
    ApiLimitExceeded,
    AuthenticationFailed,
    SalesforceError,
    SalesforceUnavailable,
)
from engine.digest import DigestBatch, RecordLink, ReportWeek, WeekScores
from engine.errors import WeederError
from engine.model import FindingRecord, JournalEntry, JournalKind, JournalStatus, Record

log = structlog.get_logger(__name__)

USERS_SOQL = "SELECT Id, Name, Email, ManagerId, IsActive FROM User"
#: The objects the audit reads: what "records owned" counts when the ledger has no snapshot.
AUDITED_OBJECTS = ("Account", "Contact", "Lead", "Opportunity")
#: Ids per ``WHERE Id IN (...)``: 200 quoted 18-character ids keep the query URL near 4 kB.
LOOKUP_CHUNK = 200
#: Trend bars and "change since last week" look this many weeks back.
HISTORY_WEEKS = 8


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """What the ledger remembers that the week's digest needs."""

    #: Open now, or resolved since the week began (what was open at its end is among them).
    findings: list[FindingRecord]
    journal: list[JournalEntry]  # writes recorded during the week
    history: list[WeekScores]  # the weeks before it
    owner_counts: dict[str, int]  # the latest full audit's records per owner; may be empty


def read_ledger(ledger: Ledger, week: ReportWeek, now: datetime) -> LedgerFacts:
    started = time.perf_counter()
    findings = {f.fingerprint: f for f in ledger.findings()}
    for finding in ledger.findings_changed_between(week.start, max(now, week.end)).resolved:
        findings.setdefault(finding.fingerprint, finding)
    facts = LedgerFacts(
        findings=list(findings.values()),
        journal=ledger.journal_between(week.start, week.end),
        history=WeekScores.from_series(ledger.scores_since(HISTORY_WEEKS, before=week.iso)),
        owner_counts=ledger.owner_counts(),
    )
    log.info("digest.ledger_read", findings=len(facts.findings), journal=len(facts.journal),
             history_weeks=len(facts.history), owners=len(facts.owner_counts),
             seconds=round(time.perf_counter() - started, 2))
    return facts


def read_users(client: SalesforceClient) -> list[Record]:
    return list(client.query(USERS_SOQL))


def count_records_owned(client: SalesforceClient,
                        objects: Iterable[str] = AUDITED_OBJECTS) -> dict[str, int]:
    """Records per owner, counted client side: the SOQL subset some orgs (and the sandbox)
    answer has no GROUP BY. Only used until a full audit has recorded a snapshot."""
    counts: Counter[str] = Counter()
    for object_name in objects:
        counts.update(row["OwnerId"] for row in client.query(f"SELECT OwnerId FROM {object_name}")
                      if row.get("OwnerId"))
    return dict(counts)


def look_up(client: SalesforceClient, ids_by_object: Mapping[str, Iterable[str]],
            field: str) -> dict[str, str]:
    """Record id -> ``field`` for the given records. An object the org cannot answer for (no
    such field, say Task.Name) is skipped with a warning: a digest shows the bare id instead."""
    found: dict[str, str] = {}
    for object_name, ids in sorted(ids_by_object.items()):
        wanted = sorted(set(ids))
        try:
            for chunk in _chunks(wanted, LOOKUP_CHUNK):
                soql = f"SELECT Id, {field} FROM {object_name} WHERE {soql_in('Id', chunk)}"
                found.update({str(row["Id"]): str(row[field]) for row in client.query(soql)
                              if row.get(field)})
        except (AuthenticationFailed, ApiLimitExceeded, SalesforceUnavailable):
            raise
        except (SalesforceError, ValueError) as error:
            log.warning("digest.lookup_skipped", object=object_name, field=field,
                        records=len(wanted), error=str(error))
    return found


def orphan_records(facts: LedgerFacts, week: ReportWeek) -> dict[str, set[str]]:
    """Records the week's journal touched whose owner no finding tells (the digest routes a
    fix to the team of its record's owner)."""
    fingerprints = {f.fingerprint for f in facts.findings}
    known = {f.record_id for f in facts.findings if f.owner_id}
    orphans: dict[str, set[str]] = defaultdict(set)
    for entry in facts.journal:
        if (entry.status == JournalStatus.OK and week.contains(entry.created_at)
                and entry.kind in (JournalKind.FIX, JournalKind.REVERT, JournalKind.TASK_CREATE)
                and entry.record_id and entry.fingerprint not in fingerprints
                and entry.record_id not in known):
            orphans[entry.object].add(entry.record_id)
    return dict(orphans)


def unnamed_records(batch: DigestBatch) -> dict[str, set[str]]:
    """Records the digests show by their bare id, for want of a name: worth one lookup."""
    unnamed: dict[str, set[str]] = defaultdict(set)
    for link in _shown_links(batch):
        if link.name == link.record_id:
            unnamed[link.object].add(link.record_id)
    return dict(unnamed)


def rule_titles(rules_dir: str | None = None) -> dict[str, str]:
    """Rule id -> its words, from the rule pack. A broken pack costs the digest its titles
    (ids are shown instead), not its sending: the audit reports the pack's errors."""
    from engine.pack import load_pack
    from flows import config

    try:
        return load_pack(config.rules_dir(rules_dir)).titles()
    except WeederError as error:
        log.warning("digest.rule_titles_unavailable", error=str(error).splitlines()[0])
        return {}


def _shown_links(batch: DigestBatch) -> Iterator[RecordLink]:
    for digest in batch.digests:
        yield from (jump.deal for jump in digest.stage_jumps.items)
        for issue in digest.top_issues.items:
            yield from issue.examples
        yield from (item.record for item in digest.awaiting_review.items)
        yield from (item.record for item in digest.fixed.items)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
