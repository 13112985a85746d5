"""Opportunities: each deal's plan (:mod:`sandbox.seed_timeline`) written out as the record,
its OpportunityHistory and OpportunityFieldHistory rows (backdated, attributed to whoever made
each change), and the activities and notes around it.

Probability and ForecastCategoryName follow the stage. When they change only because the stage
did, no field-history row is written for them: such a row would read as the stage-mover
editing a permission-restricted field, which the clean data must never show.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sandbox.db import format_datetime
from sandbox.history import opportunity_history_row
from sandbox.seed_accounts import AccountInfo
from sandbox.seed_activity import activity, some_note, task
from sandbox.seed_core import Context, Row, field_history, system
from sandbox.seed_defects import OPPORTUNITY_KINDS, quota
from sandbox.seed_timeline import Deal, Planner

_PRODUCTS = ("Platform Expansion", "Enterprise Licence", "Renewal", "Pilot", "Data Migration",
             "Support Upgrade", "New Business", "Analytics Add-on", "Regional Rollout",
             "Implementation Services")
_DERIVED = frozenset({"Probability", "ForecastCategoryName"})


def opportunity_specs(size: int, count: int, rng: random.Random) -> list[str]:
    q = quota(size)
    specs = [kind for kind in OPPORTUNITY_KINDS for _ in range(q)]
    specs += ["stage_jump_with_notes"] * q
    specs += ["unauthorized_Amount"] * quota(size, 1.0)
    specs += ["unauthorized_Probability"] * max(1, round(size / 2000))
    clean = max(0, count - len(specs))
    specs += rng.choices(("open", "won", "lost"), weights=(45, 30, 25), k=clean)
    rng.shuffle(specs)
    return specs


def seed_opportunities(ctx: Context, accounts: list[AccountInfo], count: int) -> None:
    rng = ctx.rng("opportunities")
    planner = Planner(ctx.stages, ctx.clock, [user.id for user in ctx.staff.ops])
    for spec in opportunity_specs(ctx.size, count, rng):
        account = rng.choice(accounts)
        owner = account.owner if rng.random() < 0.85 else rng.choice(ctx.staff.reps).id
        deal = planner.plan(spec, owner, ctx.staff.manager_of(owner), rng)
        opportunity_id = ctx.ids.take("006")
        _write(ctx, rng, deal, opportunity_id, account)
        _surroundings(ctx, rng, deal, opportunity_id, account)
        for kind, field_name in deal.defects:
            ctx.manifest.defect(kind, "Opportunity", opportunity_id, field_name)
        for kind, field_name in deal.controls:
            ctx.manifest.control(kind, "Opportunity", opportunity_id, field_name)


def _follow_stage(ctx: Context, row: Row) -> None:
    stage = ctx.stages[row["StageName"].lower()]
    row["Probability"] = stage.probability
    row["ForecastCategoryName"] = stage.forecast_category
    row["IsClosed"], row["IsWon"] = int(stage.is_closed), int(stage.is_won)


def _history_row(ctx: Context, before: Row | None, after: Row, when: datetime, by: str) -> None:
    row = opportunity_history_row(before, after)
    if row is not None:
        row["Id"] = ctx.ids.take("008")
        row.update(system(when, by))
        ctx.writer.add("OpportunityHistory", row)


def _write(ctx: Context, rng: random.Random, deal: Deal, opportunity_id: str,
           account: AccountInfo) -> None:
    row: Row = {
        "Id": opportunity_id, "Name": f"{account.brand} - {rng.choice(_PRODUCTS)}",
        "AccountId": account.id, **deal.initial,
        "Type": rng.choice(("New Customer", "Existing Customer - Upgrade",
                            "Existing Customer - Replacement")),
        "LeadSource": rng.choice(("Web", "Phone Inquiry", "Partner Referral", "Other")),
        "Description": "Opportunity sourced from an inbound request." if rng.random() < 0.4
        else None,
        "LastActivityDate": None, "LastStageChangeDate": None, "OwnerId": deal.owner,
    }
    _follow_stage(ctx, row)
    field_history(ctx, "Opportunity", None, row, deal.created, deal.owner)
    _history_row(ctx, None, row, deal.created, deal.owner)
    last_when, last_by = deal.created, deal.owner
    for change in deal.changes:
        before = dict(row)
        row.update(change.values)
        derived: frozenset[str] = frozenset()
        if "StageName" in change.values:
            explicit = {name: row[name] for name in change.explicit}
            _follow_stage(ctx, row)
            row.update(explicit)
            derived = _DERIVED - change.explicit
            row["LastStageChangeDate"] = format_datetime(change.when)
        field_history(ctx, "Opportunity", before, row, change.when, change.by, skip=derived)
        _history_row(ctx, before, row, change.when, change.by)
        last_when, last_by = change.when, change.by
    row.update(system(deal.created, deal.owner, last_when, last_by))
    ctx.writer.add("Opportunity", row)


def _free_day(ctx: Context, deal: Deal, rng: random.Random, newest: int,
              oldest: int) -> date | None:
    """A day between ``newest`` and ``oldest`` days ago that is not near a quiet moment."""
    if oldest < newest:
        return None
    for _ in range(12):
        candidate = ctx.clock.day(-rng.randint(newest, oldest))
        if not deal.is_quiet(candidate):
            return candidate
    return None


def _surroundings(ctx: Context, rng: random.Random, deal: Deal, opportunity_id: str,
                  account: AccountInfo) -> None:
    """Activities and notes on the deal, dated by its life and kept off its quiet moments."""
    age = ctx.clock.days_before(deal.created)
    newest = 1
    if deal.close_moment is not None and not deal.open:
        newest = max(1, ctx.clock.days_before(deal.close_moment))
    if deal.active_until is not None:
        newest = deal.active_until

    def who() -> str | None:
        return rng.choice(account.contacts) if account.contacts and rng.random() < 0.6 else None

    if deal.open and deal.active_until is None:
        day = _free_day(ctx, deal, rng, 1, 25)
        assert day is not None, deal.scenario
        activity(ctx, rng, owner=deal.owner, day=day, what=opportunity_id, who=who())
        if rng.random() < 0.4:
            task(ctx, rng, owner=deal.owner, day=ctx.clock.day(rng.randint(1, 20)), done=False,
                 what=opportunity_id, who=who())
    if deal.active_until is not None:
        activity(ctx, rng, owner=deal.owner, day=ctx.clock.day(-deal.active_until),
                 what=opportunity_id, who=who())
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        day = _free_day(ctx, deal, rng, newest, age - 1)
        if day is not None:
            activity(ctx, rng, owner=deal.owner, day=day, what=opportunity_id, who=who())
    for moment in deal.explained:
        _explain(ctx, rng, deal, opportunity_id, moment)
    if rng.random() < 0.3:
        day = _free_day(ctx, deal, rng, newest, age - 1)
        if day is not None:
            when = ctx.clock.at(ctx.clock.days_before(day), rng)
            some_note(ctx, rng, parent=opportunity_id, owner=deal.owner, when=when)


def _explain(ctx: Context, rng: random.Random, deal: Deal, opportunity_id: str,
             moment: datetime) -> None:
    """The evidence for a big move: a note or a logged call within two days after it."""
    when = moment + timedelta(hours=rng.randint(1, 48))
    if when >= ctx.clock.start_of_today:
        when = moment + timedelta(minutes=5)
    if deal.scenario == "lost" or rng.random() < 0.3:
        task(ctx, rng, owner=deal.owner, day=when.date(), done=True, what=opportunity_id,
             subject="Call: decision explained",
             description="Customer told us where the deal stands and why.")
    else:
        some_note(ctx, rng, parent=opportunity_id, owner=deal.owner, when=when,
                  title="Why the stage changed",
                  body="Executive sponsor signed off early; skipped the usual steps.")
