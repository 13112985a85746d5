"""The weekly digest as data: one `Digest` per manager, built from what the ledger remembers.

Pure: the flow reads the ledger, the users and last weeks' scores, and passes them in with the
reporting week; nothing here reads a clock, a file or the network. Rendering (templates/) and
sending (connectors/mail.py) happen elsewhere.

Who gets what. A finding belongs to the team of its record owner's manager (``ManagerId``). When
the owner has no manager, or the manager is inactive or has no valid e-mail address, or the
finding has no owner at all (a permission set drifting), it goes to the *unassigned* digest,
which is mailed to the configured fallback recipients. Every manager with an active direct
report gets a digest, even a quiet one (a short all-clear, unless ``skip_all_clear``).

The hygiene score (per rep and per team, 0-100, higher is cleaner)::

    penalty = 3 x open errors + 1 x open warnings      (info findings cost nothing)
    score   = max(0, round(100 - 100 x penalty / records owned))

read as "each open error costs three points per hundred records you own, each warning one".
Normalising by the book's size keeps a rep with 800 accounts comparable to one with 40; the
team score applies the same formula to the team's sums, so a large book weighs more than a
small one. The flow supplies ``records_owned`` (a COUNT() GROUP BY OwnerId per audited
object); a rep missing from it counts as owning just the records that have findings, the
harshest honest assumption.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from email_validator import EmailNotValidError, validate_email

from engine.errors import WeederError
from engine.links import Names, RecordLink, one_line, record_url
from engine.model import (
    Action,
    FindingRecord,
    FindingStatus,
    JournalEntry,
    JournalKind,
    JournalStatus,
    Record,
    Severity,
)
from engine.values import timestamp
from engine.week import ReportWeek, as_aware

__all__ = [
    "SEVERITY_WEIGHT", "SUBJECT_PATTERN", "UNASSIGNED", "Counts", "Digest", "DigestBatch",
    "DigestInputs", "DigestSettings", "FixItem", "Person", "Recipient", "RecordLink",
    "RepScore", "ReportWeek", "ReviewItem", "RuleIssue", "Section", "StageJump", "TrendPoint",
    "WeekScores", "build_digests", "hygiene_score", "one_line", "record_url", "subject_for",
]

SEVERITY_WEIGHT: Mapping[Severity, int] = {Severity.ERROR: 3, Severity.WARNING: 1, Severity.INFO: 0}
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
#: The key of the digest for records without a reachable manager, in `WeekScores.teams`.
UNASSIGNED = "unassigned"
SUBJECT_PATTERN = "Weeder weekly hygiene digest — {team} — week {week}"
TEAM_KEY, REP_KEY = "team:", "rep:"

T = TypeVar("T")


# ----------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Person:
    """A Salesforce user as the digest needs one."""

    id: str
    name: str
    email: str | None
    manager_id: str | None
    is_active: bool

    @classmethod
    def from_record(cls, record: Record) -> Person:
        return cls(id=str(record["Id"]), name=one_line(record.get("Name") or record["Id"]),
                   email=record.get("Email") or None, manager_id=record.get("ManagerId") or None,
                   is_active=bool(record.get("IsActive", True)))


@dataclass(frozen=True, slots=True)
class WeekScores:
    """One week's scores, as the ledger keeps them for next week's change and trend."""

    week: str  # ISO week, "2026-W47"
    teams: Mapping[str, int] = field(default_factory=dict)  # manager id or UNASSIGNED -> score
    reps: Mapping[str, int] = field(default_factory=dict)  # user id -> score

    def flat(self) -> dict[str, float]:
        """Keyed ``team:<id>`` and ``rep:<id>`` for a key -> score store: a manager is often
        also someone else's rep, and the two scores must not overwrite each other."""
        return ({f"{TEAM_KEY}{key}": float(v) for key, v in self.teams.items()}
                | {f"{REP_KEY}{key}": float(v) for key, v in self.reps.items()})

    @staticmethod
    def from_series(series: Mapping[str, Iterable[tuple[str, float]]]) -> list[WeekScores]:
        """The inverse of `flat` over many weeks: ``{"team:005M": [("2026-W46", 81.0)], …}``."""
        teams: dict[str, dict[str, int]] = defaultdict(dict)
        reps: dict[str, dict[str, int]] = defaultdict(dict)
        for key, points in series.items():
            for week, score in points:
                if key.startswith(TEAM_KEY):
                    teams[week][key.removeprefix(TEAM_KEY)] = round(score)
                elif key.startswith(REP_KEY):
                    reps[week][key.removeprefix(REP_KEY)] = round(score)
        return [WeekScores(week=week, teams=teams.get(week, {}), reps=reps.get(week, {}))
                for week in sorted(set(teams) | set(reps))]


@dataclass(frozen=True, slots=True)
class DigestInputs:
    week: ReportWeek
    #: Open findings, plus those resolved since the week began (older ones are harmless).
    findings: Sequence[FindingRecord]
    #: Journal entries around the week; only those inside it count.
    journal: Sequence[JournalEntry]
    #: User records with Id, Name, Email, ManagerId, IsActive.
    users: Sequence[Record]
    #: Records each user owns across the audited objects (the score's denominator).
    records_owned: Mapping[str, int] = field(default_factory=dict)
    history: Sequence[WeekScores] = ()
    #: Record Id -> Name, when the flow has them; the finding's evidence is tried next.
    record_names: Mapping[str, str] = field(default_factory=dict)
    #: Record Id -> OwnerId, for journal entries whose finding is unknown.
    record_owners: Mapping[str, str] = field(default_factory=dict)
    #: Rule id -> its description, shown instead of the bare id.
    rule_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DigestSettings:
    instance_url: str
    fallback_recipients: Sequence[str] = ()
    fallback_team_name: str = "Records without a manager"
    skip_all_clear: bool = False
    limit: int = 5  # items per section before "and N more"
    rep_limit: int = 10
    examples_per_rule: int = 3
    trend_weeks: int = 8
    #: Where "and N more" points (a Salesforce report or list view), when there is one.
    report_url: str | None = None
    #: Rule ids whose findings are stage jumps. By default: any StageName finding whose
    #: evidence has ``from`` and ``to`` (what the stage-progression rule kind records).
    stage_rule_ids: Collection[str] | None = None


# ----------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Section(Generic[T]):
    """The first few items of a list, most important first, and how many there are in all."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass(frozen=True, slots=True)
class Counts:
    new: int = 0  # first seen during the week
    resolved: int = 0  # resolved during the week
    open: int = 0  # open at the end of the week
    still_open: int = 0  # open at the end and already open before the week began
    fixed: int = 0  # fields Weeder wrote by itself (fixes and reverts)
    tasks_opened: int = 0  # review tasks Weeder opened


@dataclass(frozen=True, slots=True)
class RepScore:
    user_id: str
    name: str
    score: int
    change: int | None  # since the last week with a score; None the first time
    records_owned: int
    errors: int
    warnings: int
    new: int
    resolved: int

    @property
    def open(self) -> int:
        return self.errors + self.warnings


@dataclass(frozen=True, slots=True)
class StageJump:
    deal: RecordLink
    from_stage: str | None
    to_stage: str | None
    changed_at: datetime | None
    changed_by: str | None
    amount: float | None
    currency: str | None
    owner: str | None
    is_new: bool  # first flagged this week


@dataclass(frozen=True, slots=True)
class RuleIssue:
    rule_id: str
    title: str
    severity: Severity  # the worst among its open findings
    open: int
    new: int
    examples: tuple[RecordLink, ...]


@dataclass(frozen=True, slots=True)
class ReviewItem:
    record: RecordLink
    rule_id: str
    title: str
    severity: Severity
    message: str
    owner: str | None
    since: datetime


@dataclass(frozen=True, slots=True)
class FixItem:
    record: RecordLink
    field: str | None
    old: Any
    new: Any
    kind: JournalKind  # FIX (tidied) or REVERT (an edit someone was not allowed to make)
    rule_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week: str
    label: str  # "W47"
    score: int | None  # None: no digest that week


@dataclass(frozen=True, slots=True)
class Digest:
    week: ReportWeek
    manager_id: str | None  # None for the digest of records without a manager
    team_name: str
    recipients: tuple[Recipient, ...]
    score: int
    score_change: int | None
    counts: Counts
    reps: Section[RepScore]  # worst score first
    stage_jumps: Section[StageJump]  # new first, then the biggest deals
    top_issues: Section[RuleIssue]  # errors first, then the most frequent
    awaiting_review: Section[ReviewItem]  # findings with a review task, oldest error first
    fixed: Section[FixItem]  # reverts first, then the latest
    trend: tuple[TrendPoint, ...]  # oldest first, this week last
    instance_url: str
    report_url: str | None

    @property
    def all_clear(self) -> bool:
        return self.counts.open == 0

    @property
    def subject(self) -> str:
        return subject_for(self.team_name, self.week)

    @property
    def team_key(self) -> str:
        return self.manager_id or UNASSIGNED


@dataclass(frozen=True, slots=True)
class DigestBatch:
    digests: tuple[Digest, ...]
    #: This week's scores of every team and rep (sent or not), for the ledger to remember.
    scores: WeekScores
    #: Open findings without a reachable manager while no fallback recipient is configured.
    unrouted_findings: int = 0
    #: Managers left out because they had nothing to report (``skip_all_clear``).
    skipped_all_clear: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------
# Building


def subject_for(team_name: str, week: ReportWeek) -> str:
    return SUBJECT_PATTERN.format(team=one_line(team_name), week=week.number)


def hygiene_score(errors: int, warnings: int, records_owned: int) -> int:
    """100 minus penalty points per hundred records owned, floored at 0 (module docstring)."""
    penalty = (SEVERITY_WEIGHT[Severity.ERROR] * errors
               + SEVERITY_WEIGHT[Severity.WARNING] * warnings)
    if penalty == 0:
        return 100
    return max(0, round(100 - 100 * penalty / max(records_owned, 1)))


def build_digests(inputs: DigestInputs, settings: DigestSettings) -> DigestBatch:
    """One digest per manager, plus one for records without a manager if it has anything open
    and fallback recipients are configured."""
    people = {person.id: person for person in map(Person.from_record, inputs.users)}
    fallback = tuple(_recipient(address, address, "fallback recipient")
                     for address in settings.fallback_recipients)
    routes = _Routes(people)
    week = inputs.week
    findings = [f for f in inputs.findings if as_aware(f.first_seen) < week.end]
    owners = _JournalOwners(findings, inputs.record_owners)

    by_team: dict[str, list[FindingRecord]] = defaultdict(list)
    for finding in findings:
        by_team[routes.team_of(finding.owner_id)].append(finding)
    fixes: dict[str, list[JournalEntry]] = defaultdict(list)
    tasks: dict[str, int] = defaultdict(int)
    for entry in inputs.journal:
        if entry.status != JournalStatus.OK or not week.contains(entry.created_at):
            continue
        team = routes.team_of(owners.owner_of(entry))
        if entry.kind in (JournalKind.FIX, JournalKind.REVERT):
            fixes[team].append(entry)
        elif entry.kind == JournalKind.TASK_CREATE:
            tasks[team] += 1

    names = Names(settings.instance_url, {p.id: p.name for p in people.values()},
                  inputs.record_names, inputs.rule_titles)
    history = sorted((h for h in inputs.history if h.week < week.iso), key=lambda h: h.week)
    view = _TeamView(inputs, settings, names, history, owners)
    keys = routes.managers() | set(by_team) | set(fixes)
    digests: list[Digest] = []
    skipped: list[str] = []
    team_scores: dict[str, int] = {}
    rep_scores: dict[str, int] = {}
    unrouted = 0
    for key in sorted(keys, key=lambda k: (k == UNASSIGNED, people[k].name if k in people else k)):
        if key == UNASSIGNED:
            recipients, team_name = fallback, settings.fallback_team_name
        else:
            manager = people[key]
            recipients = (_recipient(manager.name, manager.email or "", f"manager {key}"),)
            team_name = manager.name
        team_findings = by_team.get(key, [])
        digest = view.digest(key, team_name, recipients, routes.members(key, team_findings),
                             team_findings, fixes.get(key, []), tasks.get(key, 0))
        team_scores[key] = digest.score
        rep_scores.update({rep.user_id: rep.score for rep in digest.reps.items})
        if key == UNASSIGNED and (not recipients or digest.all_clear):
            # Nobody asked to hear about these records, or there is nothing to hear.
            unrouted += 0 if recipients else digest.counts.open
        elif digest.all_clear and settings.skip_all_clear:
            skipped.append(key)
        else:
            digests.append(digest)
    return DigestBatch(digests=tuple(digests),
                       scores=WeekScores(week=week.iso, teams=team_scores, reps=rep_scores),
                       unrouted_findings=unrouted, skipped_all_clear=tuple(skipped))


class _Routes:
    """Routes a record owner to the manager whose digest reports on them."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self._people = people
        self._reachable = {p.id for p in people.values() if p.is_active and _valid_email(p.email)}

    def team_of(self, owner_id: str | None) -> str:
        owner = self._people.get(owner_id or "")
        if owner and owner.manager_id in self._reachable:
            return owner.manager_id
        return UNASSIGNED

    def managers(self) -> set[str]:
        return {p.manager_id for p in self._people.values()
                if p.is_active and p.manager_id in self._reachable}

    def members(self, key: str, findings: Iterable[FindingRecord]) -> list[str]:
        """Active direct reports, plus anyone (even inactive) owning one of the team's findings."""
        ids = {f.owner_id for f in findings if f.owner_id}
        if key != UNASSIGNED:
            ids |= {p.id for p in self._people.values() if p.is_active and p.manager_id == key}
        return sorted(ids)


class _JournalOwners:
    """Whose record a journal entry touched: via its finding, the flow's owners, or any finding
    on the same record."""

    def __init__(self, findings: Sequence[FindingRecord], record_owners: Mapping[str, str]):
        self.by_fingerprint = {f.fingerprint: f for f in findings}
        self.by_record: dict[str, FindingRecord] = {}
        for finding in findings:
            if finding.owner_id:
                self.by_record.setdefault(finding.record_id, finding)
        self._record_owners = record_owners

    def finding_of(self, entry: JournalEntry) -> FindingRecord | None:
        if entry.fingerprint and entry.fingerprint in self.by_fingerprint:
            return self.by_fingerprint[entry.fingerprint]
        return self.by_record.get(entry.record_id or "")

    def owner_of(self, entry: JournalEntry) -> str | None:
        if entry.fingerprint in self.by_fingerprint:
            return self.by_fingerprint[entry.fingerprint].owner_id
        if entry.record_id and entry.record_id in self._record_owners:
            return self._record_owners[entry.record_id]
        finding = self.by_record.get(entry.record_id or "")
        return finding.owner_id if finding else None


class _TeamView:
    """Turns one team's findings and journal entries into a `Digest`."""

    def __init__(self, inputs: DigestInputs, settings: DigestSettings, names: Names,
                 history: Sequence[WeekScores], owners: _JournalOwners) -> None:
        self.inputs = inputs
        self.settings = settings
        self.names = names
        self.history = history
        self.owners = owners
        self.week = inputs.week

    def digest(self, key: str, team_name: str, recipients: tuple[Recipient, ...],
               members: Sequence[str], findings: Sequence[FindingRecord],
               fixes: Sequence[JournalEntry], tasks_opened: int) -> Digest:
        week, settings = self.week, self.settings
        open_now = [f for f in findings if _open_at(f, week.end)]
        new = [f for f in findings if week.contains(f.first_seen)]
        resolved = [f for f in findings if week.contains(_resolved_at(f))]
        counts = Counts(new=len(new), resolved=len(resolved), open=len(open_now),
                        still_open=sum(as_aware(f.first_seen) < week.start for f in open_now),
                        fixed=len(fixes), tasks_opened=tasks_opened)
        reps = sorted((self._rep(user_id, open_now, new, resolved) for user_id in members),
                      key=lambda r: (r.score, -r.open, r.name))
        errors, warnings = _severity_counts(open_now)
        flagged_elsewhere = {f.record_id for f in open_now if f.owner_id not in members}
        score = hygiene_score(errors, warnings,
                              sum(r.records_owned for r in reps) + len(flagged_elsewhere))
        jumps = [self._jump(f) for f in open_now if self._is_stage_jump(f)]
        others = [f for f in open_now if not self._is_stage_jump(f)]
        return Digest(
            week=week, manager_id=None if key == UNASSIGNED else key, team_name=team_name,
            recipients=recipients, score=score,
            score_change=_change(score, self._previous(key, teams=True)), counts=counts,
            reps=_section(reps, settings.rep_limit),
            stage_jumps=_section(sorted(jumps, key=_jump_order), settings.limit),
            top_issues=_section(self._issues(others), settings.limit),
            awaiting_review=_section(self._reviews(others), settings.limit),
            fixed=_section(self._fixes(fixes), settings.limit),
            trend=self._trend(key, score),
            instance_url=self.names.instance_url, report_url=settings.report_url,
        )

    def _rep(self, user_id: str, open_now: Sequence[FindingRecord],
             new: Sequence[FindingRecord], resolved: Sequence[FindingRecord]) -> RepScore:
        mine = [f for f in open_now if f.owner_id == user_id]
        errors, warnings = _severity_counts(mine)
        owned = max(self.inputs.records_owned.get(user_id, 0), len({f.record_id for f in mine}))
        score = hygiene_score(errors, warnings, owned)
        return RepScore(user_id=user_id, name=self.names.user(user_id) or user_id, score=score,
                        change=_change(score, self._previous(user_id, teams=False)),
                        records_owned=owned, errors=errors, warnings=warnings,
                        new=sum(f.owner_id == user_id for f in new),
                        resolved=sum(f.owner_id == user_id for f in resolved))

    def _previous(self, key: str, *, teams: bool) -> int | None:
        for scores in reversed(self.history):
            table = scores.teams if teams else scores.reps
            if key in table:
                return table[key]
        return None

    def _trend(self, key: str, score: int) -> tuple[TrendPoint, ...]:
        past = {h.week: h.teams[key] for h in self.history if key in h.teams}
        weeks = [self.week.shifted(-back) for back in range(self.settings.trend_weeks - 1, 0, -1)]
        return (*(TrendPoint(week=w.iso, label=w.label, score=past.get(w.iso)) for w in weeks),
                TrendPoint(week=self.week.iso, label=self.week.label, score=score))

    def _is_stage_jump(self, finding: FindingRecord) -> bool:
        if self.settings.stage_rule_ids is not None:
            return finding.rule_id in self.settings.stage_rule_ids
        evidence = finding.evidence or {}
        return "from" in evidence and "to" in evidence and finding.field == "StageName"

    def _jump(self, finding: FindingRecord) -> StageJump:
        # The evidence keys are the stage-progression rule's (engine/rules/stage_progression.py).
        evidence = finding.evidence or {}
        by = (evidence.get("by_name") or self.names.user(evidence.get("by"))
              or evidence.get("by"))
        return StageJump(
            deal=self.names.link_finding(finding), from_stage=_text(evidence.get("from")),
            to_stage=_text(evidence.get("to")),
            changed_at=timestamp(evidence.get("when")), changed_by=_text(by),
            amount=_number(evidence.get("amount", evidence.get("Amount"))),
            currency=_text(evidence.get("currency") or evidence.get("CurrencyIsoCode")),
            owner=self.names.user(finding.owner_id),
            is_new=self.week.contains(finding.first_seen),
        )

    def _issues(self, findings: Sequence[FindingRecord]) -> list[RuleIssue]:
        by_rule: dict[str, list[FindingRecord]] = defaultdict(list)
        for finding in findings:
            by_rule[finding.rule_id].append(finding)
        issues = []
        for rule_id, group in by_rule.items():
            # Newest first: what appeared this week is what a manager can still stop.
            group.sort(key=lambda f: (as_aware(f.first_seen), f.record_id), reverse=True)
            examples: dict[str, RecordLink] = {}
            for finding in group:
                if len(examples) == self.settings.examples_per_rule:
                    break
                examples.setdefault(finding.record_id, self.names.link_finding(finding))
            issues.append(RuleIssue(
                rule_id=rule_id, title=self.names.rule(rule_id),
                severity=min((f.severity for f in group), key=_RANK.__getitem__),
                open=len(group), new=sum(self.week.contains(f.first_seen) for f in group),
                examples=tuple(examples.values())))
        return sorted(issues, key=lambda i: (_RANK[i.severity], -i.open, i.rule_id))

    def _reviews(self, findings: Sequence[FindingRecord]) -> list[ReviewItem]:
        waiting = sorted((f for f in findings if f.action == Action.TASK),
                         key=lambda f: (_RANK[f.severity], as_aware(f.first_seen), f.record_id))
        return [ReviewItem(record=self.names.link_finding(f), rule_id=f.rule_id,
                           title=self.names.rule(f.rule_id), severity=f.severity,
                           message=one_line(f.message), owner=self.names.user(f.owner_id),
                           since=as_aware(f.first_seen))
                for f in waiting]

    def _fixes(self, entries: Sequence[JournalEntry]) -> list[FixItem]:
        items = []
        for entry in entries:
            finding = self.owners.finding_of(entry)
            link = self.names.link(entry.object, entry.record_id or "",
                                   finding.evidence if finding else None)
            items.append(FixItem(record=link, field=entry.field, old=entry.old, new=entry.new,
                                 kind=entry.kind, rule_id=entry.rule_id,
                                 at=as_aware(entry.created_at)))
        # An edit reverted because someone changed what they may not matters more than a tidied
        # phone number; then the latest first.
        items.sort(key=lambda i: (i.kind != JournalKind.REVERT, -i.at.timestamp(), i.record.name))
        return items


# ----------------------------------------------------------------------------------------------
# Small pure helpers


def _section(items: Sequence[T], limit: int) -> Section[T]:
    return Section(items=tuple(items[:limit]), total=len(items))


def _resolved_at(finding: FindingRecord) -> datetime | None:
    if finding.status != FindingStatus.RESOLVED:
        return None
    return as_aware(finding.resolved_at or finding.last_seen)


def _open_at(finding: FindingRecord, moment: datetime) -> bool:
    """Open at ``moment``: seen before it and not resolved before it (a re-run reports the same
    week the same way, whatever was resolved since)."""
    if as_aware(finding.first_seen) >= moment:
        return False
    resolved = _resolved_at(finding)
    return resolved is None or resolved >= moment


def _severity_counts(findings: Sequence[FindingRecord]) -> tuple[int, int]:
    return (sum(f.severity == Severity.ERROR for f in findings),
            sum(f.severity == Severity.WARNING for f in findings))


def _change(score: int, previous: int | None) -> int | None:
    return None if previous is None else score - previous


def _jump_order(jump: StageJump) -> tuple[Any, ...]:
    # New this week first, then the biggest deals, then the most recent move.
    when = jump.changed_at.timestamp() if jump.changed_at else 0.0
    return (not jump.is_new, -(jump.amount or 0.0), -when, jump.deal.name)


def _valid_email(address: str | None) -> bool:
    if not address:
        return False
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _recipient(name: str, address: str, what: str) -> Recipient:
    try:
        valid = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise WeederError(f"{what}: {address!r} is not a valid e-mail address ({error})") from None
    return Recipient(name=one_line(name), email=valid.normalized)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else one_line(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
