"""A deal's life as a list of dated changes: stage moves, amount and close-date edits, next
steps — before any row is written.

Clean deals move forward one or two stages at a time, reach Closed Won through Proposal and
Negotiation, and lose from any stage (a loss that skips three or more stages gets a task on
the same day as its evidence). The planted scenarios bend exactly one of those habits and mark
"quiet" moments around which no evidence may appear.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.derive import Stage
from sandbox.seed_core import Clock, later

#: Evidence must be at least this far from a quiet moment (the rules' window is 7 days).
QUIET_MARGIN = timedelta(days=14)
_MISMATCHED = (5.0, 15.0, 25.0, 35.0, 40.0, 45.0, 55.0, 65.0, 80.0, 85.0, 95.0)
NEXT_STEPS = ("Send proposal", "Book demo with IT", "Confirm budget owner", "Review MSA redlines",
              "Schedule executive sponsor call", "Send pricing options", "Run pilot kickoff",
              "Collect security questionnaire")


@dataclass(slots=True)
class Change:
    when: datetime
    by: str
    values: dict[str, Any]
    #: fields the editor typed (Probability); others changing with the stage are derived
    explicit: frozenset[str] = frozenset()


@dataclass
class Deal:
    """One opportunity's plan: who, when, what changed, and where evidence must (not) be."""

    scenario: str
    created: datetime
    owner: str
    initial: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    #: moments (big jumps, reopenings) with no evidence allowed within QUIET_MARGIN
    quiet: list[datetime] = field(default_factory=list)
    #: moments that must have a note or activity right after them (big but explained moves)
    explained: list[datetime] = field(default_factory=list)
    #: the last day an activity may be on (stale deals); None: activity up to yesterday
    active_until: int | None = None
    open: bool = True
    close_moment: datetime | None = None
    #: manifest lines: (kind, field)
    defects: list[tuple[str, str]] = field(default_factory=list)
    controls: list[tuple[str, str]] = field(default_factory=list)

    def is_quiet(self, moment: datetime | date) -> bool:
        day = moment.date() if isinstance(moment, datetime) else moment
        return any(abs((day - q.date()).days) < QUIET_MARGIN.days for q in self.quiet)


def _other_amount(amount: float, rng: random.Random, spread: float) -> float:
    """A new amount within ``spread`` of the old, in steps of 500, and never the same."""
    changed = float(round(amount * rng.uniform(1 - spread, 1 + spread) / 500) * 500)
    return changed if changed != amount else amount + 500.0


class Planner:
    """Builds :class:`Deal` plans for every scenario from the org's stage table."""

    def __init__(self, stages: dict[str, Stage], clock: Clock, ops_users: list[str]) -> None:
        ordered = sorted(stages.values(), key=lambda s: s.sort_order)
        self.open = [s.name for s in ordered if not s.is_closed]
        self.won = next(s.name for s in ordered if s.is_won)
        self.lost = next(s.name for s in ordered if s.is_closed and not s.is_won)
        self.order = {s.name: s.sort_order for s in ordered}
        self.stages = stages
        self.clock = clock
        self.ops_users = ops_users

    # -- paths -----------------------------------------------------------------------------

    def climb(self, start: int, target: int, rng: random.Random) -> list[str]:
        """Open stages after ``start`` up to ``target`` (indexes), one or two at a time."""
        path, at = [], start
        while at < target:
            at = min(target, at + (1 if rng.random() < 0.6 else 2))
            path.append(self.open[at])
        return path

    def _times(self, start: datetime, end: datetime, count: int,
               rng: random.Random) -> list[datetime]:
        span = (end - start).total_seconds()
        offsets = sorted(rng.uniform(0.02, 0.98) * span for _ in range(count))
        return [start + timedelta(seconds=o + i * 60) for i, o in enumerate(offsets)]

    # -- scenarios -------------------------------------------------------------------------

    def plan(self, scenario: str, owner: str, manager: str, rng: random.Random) -> Deal:
        builder = getattr(self, "_" + scenario)
        deal: Deal = builder(owner, manager, rng)
        if rng.random() < 0.3:
            self._next_step(deal, owner, rng)
        deal.changes.sort(key=lambda c: c.when)
        return deal

    def _next_step(self, deal: Deal, owner: str, rng: random.Random) -> None:
        """The rep writes down what happens next (never near a quiet moment: it is evidence)."""
        end = deal.close_moment or (self.clock.start_of_today - timedelta(days=1))
        for _ in range(10):
            when = later(deal.created, rng, max_days=600, before=end)
            if not deal.is_quiet(when):
                step = rng.choice([s for s in NEXT_STEPS if s != deal.initial["NextStep"]])
                deal.changes.append(Change(when, owner, {"NextStep": step}))
                return

    def _start(self, scenario: str, owner: str, days_ago: int, rng: random.Random,
               stage: str | None = None, amount: bool = True) -> Deal:
        created = self.clock.at(days_ago, rng)
        close = created.date() + timedelta(days=rng.randint(30, 120))
        initial = {"StageName": stage or self.open[0 if rng.random() < 0.6 else 1],
                   "Amount": float(rng.randrange(10, 1000) * 500) if amount else None,
                   "CloseDate": close.isoformat(),
                   "NextStep": rng.choice(NEXT_STEPS) if rng.random() < 0.7 else None}
        return Deal(scenario, created, owner, initial)

    def _by(self, owner: str, manager: str, rng: random.Random) -> str:
        return manager if rng.random() < 0.1 else owner

    def _walk(self, deal: Deal, path: list[str], end: datetime, owner: str, manager: str,
              rng: random.Random) -> None:
        for stage, when in zip(path, self._times(deal.created, end, len(path), rng),
                               strict=True):
            deal.changes.append(Change(when, self._by(owner, manager, rng), {"StageName": stage}))

    def _future_close(self, deal: Deal, owner: str, rng: random.Random,
                      after: datetime | None = None) -> None:
        """Make an open deal's CloseDate lie ahead, pushing it when it has slipped."""
        initial = date.fromisoformat(deal.initial["CloseDate"])
        if initial >= self.clock.day(7) and rng.random() < 0.6:
            return
        target = self.clock.day(rng.randint(7, 150)).isoformat()
        start = after or deal.created
        when = later(start, rng, max_days=400, before=self.clock.start_of_today - timedelta(1))
        deal.changes.append(Change(when, owner, {"CloseDate": target}))

    def _open(self, owner: str, manager: str, rng: random.Random,
              days_ago: tuple[int, int] = (20, 300)) -> Deal:
        deal = self._start("open", owner, rng.randint(*days_ago), rng)
        start = self.open.index(deal.initial["StageName"])
        target = max(start, min(len(self.open) - 1, rng.choice((0, 1, 2, 3, 3, 4, 5, 6, 7))))
        self._walk(deal, self.climb(start, target, rng), self.clock.at(2, rng), owner,
                   manager, rng)
        self._future_close(deal, owner, rng)
        self._amount_edit(deal, owner, manager, rng, self.clock.at(2, rng))
        return deal

    def _closing(self, scenario: str, owner: str, manager: str, rng: random.Random,
                 won: bool, amount: bool = True) -> Deal:
        days = rng.randint(60, 520)
        deal = self._start(scenario, owner, days, rng, amount=amount)
        close = self.clock.at(rng.randint(5, days - 20), rng)
        start = self.open.index(deal.initial["StageName"])
        if won:
            path = self.climb(start, len(self.open) - 3, rng) + self.open[-2:]
        else:
            path = self.climb(start, rng.randint(start, len(self.open) - 1), rng)
        self._walk(deal, path, close, owner, manager, rng)
        last = path[-1] if path else deal.initial["StageName"]
        final = self.won if won else self.lost
        deal.changes.append(Change(close, owner, {"StageName": final,
                                                  "CloseDate": close.date().isoformat()}))
        if self.order[final] - self.order[last] >= 3:
            deal.explained.append(close)
        deal.open, deal.close_moment = False, close
        if not won and amount:
            self._amount_edit(deal, owner, manager, rng, close)
        return deal

    def _won(self, owner: str, manager: str, rng: random.Random) -> Deal:
        deal = self._closing("won", owner, manager, rng, won=True)
        if rng.random() < 0.15 and deal.close_moment is not None:  # a Sales Ops true-up
            self._after_close_amount(deal, self._ops(rng), rng)
        return deal

    def _lost(self, owner: str, manager: str, rng: random.Random) -> Deal:
        return self._closing("lost", owner, manager, rng, won=False)

    def _amount_edit(self, deal: Deal, owner: str, manager: str, rng: random.Random,
                     before: datetime) -> None:
        if rng.random() < 0.25 and deal.initial["Amount"] is not None:
            when = later(deal.created, rng, max_days=600, before=before)
            amount = _other_amount(deal.initial["Amount"], rng, 0.3)
            deal.changes.append(Change(when, self._by(owner, manager, rng), {"Amount": amount}))

    def _after_close_amount(self, deal: Deal, editor: str, rng: random.Random) -> None:
        assert deal.close_moment is not None
        when = later(deal.close_moment, rng, max_days=30, before=self.clock.start_of_today)
        # Differ from the amount the deal has by then (an earlier edit may have changed it),
        # or the edit writes no history row and the planted defect cannot be seen.
        current = deal.initial["Amount"]
        for change in sorted(deal.changes, key=lambda change: change.when):
            if change.when < when and "Amount" in change.values:
                current = change.values["Amount"]
        amount = _other_amount(current or 10000.0, rng, 0.2)
        deal.changes.append(Change(when, editor, {"Amount": amount}))

    def _ops(self, rng: random.Random) -> str:
        return rng.choice(self.ops_users)

    # -- planted scenarios -----------------------------------------------------------------

    def _missing_amount(self, owner: str, manager: str, rng: random.Random) -> Deal:
        deal = self._closing("missing_amount", owner, manager, rng, won=True, amount=False)
        deal.defects.append(("missing_amount", "Amount"))
        return deal

    def _past_close_date(self, owner: str, manager: str, rng: random.Random) -> Deal:
        deal = self._open(owner, manager, rng, days_ago=(40, 300))
        deal.changes = [c for c in deal.changes if "CloseDate" not in c.values]
        slipped = min(deal.created.date() + timedelta(days=rng.randint(20, 60)),
                      self.clock.day(-rng.randint(3, 30)))
        deal.initial["CloseDate"] = slipped.isoformat()
        deal.defects.append(("past_close_date", "CloseDate"))
        return deal

    def _probability_mismatch(self, owner: str, manager: str, rng: random.Random,
                              editor: str | None = None) -> Deal:
        deal = self._open(owner, manager, rng)
        deal.changes.sort(key=lambda c: c.when)
        stages = [c.values["StageName"] for c in deal.changes if "StageName" in c.values]
        stage = stages[-1] if stages else deal.initial["StageName"]
        last = deal.changes[-1].when if deal.changes else deal.created
        when = later(last, rng, max_days=20, before=self.clock.start_of_today - timedelta(1))
        default = self.stages[stage.lower()].probability
        value = rng.choice([p for p in _MISMATCHED if p != default])
        deal.changes.append(Change(when, editor or manager, {"Probability": value},
                                   explicit=frozenset({"Probability"})))
        deal.defects.append(("probability_mismatch", "Probability"))
        return deal

    def _unauthorized_Probability(self, owner: str, manager: str, rng: random.Random) -> Deal:
        """A rep sets the probability by hand: an edit the policy forbids, and a mismatch."""
        deal = self._probability_mismatch(owner, manager, rng, editor=owner)
        deal.defects.append(("unauthorized_edit", "Probability"))
        return deal

    def _unauthorized_Amount(self, owner: str, manager: str, rng: random.Random) -> Deal:
        """A won deal's Amount changed afterwards by its rep or their manager."""
        deal = self._closing("won", owner, manager, rng, won=True)
        deal.changes = [c for c in deal.changes
                        if not (deal.close_moment and c.when > deal.close_moment)]
        self._after_close_amount(deal, owner if rng.random() < 0.7 else manager, rng)
        deal.defects.append(("unauthorized_edit", "Amount"))
        return deal

    def _stale_open_deal(self, owner: str, manager: str, rng: random.Random) -> Deal:
        deal = self._open(owner, manager, rng, days_ago=(120, 300))
        age = self.clock.days_before(deal.created)
        deal.active_until = rng.randint(75, min(200, age - 10))
        deal.defects.append(("stale_open_deal", "LastActivityDate"))
        return deal

    def _jump(self, scenario: str, owner: str, manager: str, rng: random.Random) -> Deal:
        """A deal that leaps three or more stages in one change."""
        if rng.random() < 0.5:  # straight from the first stages to Closed Won
            days = rng.randint(60, 400)
            deal = self._start(scenario, owner, days, rng)
            moment = self.clock.at(rng.randint(20, days - 10), rng)
            deal.changes.append(Change(moment, owner, {"StageName": self.won,
                                                       "CloseDate": moment.date().isoformat()}))
            deal.open, deal.close_moment = False, moment
        else:  # an open deal that skips ahead
            days = rng.randint(80, 300)
            deal = self._start(scenario, owner, days, rng)
            start = self.open.index(deal.initial["StageName"])
            target = min(len(self.open) - 1, start + rng.randint(3, 5))
            moment = later(deal.created, rng, max_days=days,
                           before=self.clock.start_of_today - timedelta(days=45))
            deal.changes.append(Change(moment, owner, {"StageName": self.open[target]}))
            self._future_close(deal, owner, rng)
        return deal

    def _stage_jump_without_notes(self, owner: str, manager: str, rng: random.Random) -> Deal:
        deal = self._jump("stage_jump_without_notes", owner, manager, rng)
        deal.quiet.append(next(c.when for c in deal.changes if "StageName" in c.values))
        deal.defects.append(("stage_jump_without_notes", "StageName"))
        return deal

    def _stage_jump_with_notes(self, owner: str, manager: str, rng: random.Random) -> Deal:
        deal = self._jump("stage_jump_with_notes", owner, manager, rng)
        deal.explained.append(next(c.when for c in deal.changes if "StageName" in c.values))
        deal.controls.append(("stage_jump_with_notes", "StageName"))
        return deal

    def _reopened_without_notes(self, owner: str, manager: str, rng: random.Random) -> Deal:
        """Closed from Negotiation, then reopened weeks later with nothing said about why."""
        days = rng.randint(150, 500)
        deal = self._start("reopened_without_notes", owner, days, rng)
        close = self.clock.at(rng.randint(65, days - 30), rng)
        start = self.open.index(deal.initial["StageName"])
        self._walk(deal, self.climb(start, len(self.open) - 1, rng), close, owner, manager, rng)
        final = self.won if rng.random() < 0.5 else self.lost
        deal.changes.append(Change(close, owner, {"StageName": final,
                                                  "CloseDate": close.date().isoformat()}))
        reopen = later(close + timedelta(days=5), rng, max_days=300,
                       before=self.clock.start_of_today - timedelta(days=45))
        target = self.open[-1] if rng.random() < 0.6 else self.open[-2]
        deal.changes.append(Change(reopen, owner, {
            "StageName": target, "CloseDate": self.clock.day(rng.randint(7, 90)).isoformat()}))
        deal.quiet.append(reopen)
        deal.defects.append(("reopened_without_notes", "StageName"))
        return deal
