"""Review tasks for rules with ``action: task``: who gets it (routing), and what it says."""

from __future__ import annotations

from datetime import timedelta

from engine.model import Context, Finding, Record, TaskRequest
from engine.pack.model import Routing, Rule
from engine.rules.base import Violation
from engine.rules.stage_progression import WEEDER_TASK_PREFIX
from engine.values import display

#: Objects a task relates to with WhoId (people); the others use WhatId.
_PEOPLE = frozenset({"Contact", "Lead"})
#: Objects a task cannot point at (WhatId only takes accounts, deals, cases and the like).
_UNLINKABLE = frozenset({"PermissionSet", "User", "Profile", "FieldPermissions"})


def _manager(ctx: Context, user_id: str | None) -> str | None:
    if not user_id:
        return None
    manager = ctx.users.get(user_id, {}).get("ManagerId")
    return manager if isinstance(manager, str) and manager else None


def _user_by_name(ctx: Context, wanted: str) -> str | None:
    if wanted.startswith("005") and len(wanted) in (15, 18):
        return wanted
    for user_id, user in ctx.users.items():
        if str(user.get("Username", "")).lower() == wanted.lower():
            return user_id
    return None


def assignee(routing: Routing, record: Record, violation: Violation, ctx: Context) -> str | None:
    """The user id who should act; a manager falls back to the person they manage."""
    owner = record.get("OwnerId")
    if routing.target == "owner":
        return owner
    if routing.target == "owner_manager":
        return _manager(ctx, owner) or owner
    if routing.target == "editor_manager":
        return _manager(ctx, violation.editor_id) or violation.editor_id or owner
    return _user_by_name(ctx, routing.user or "")


def task_for(rule: Rule, record: Record, finding: Finding, violation: Violation,
             ctx: Context) -> TaskRequest | None:
    owner = assignee(rule.routing, record, violation, ctx)
    if not owner:
        return None
    record_id = finding.record_id
    linkable = rule.object not in _UNLINKABLE
    name = record.get("Name") or record.get("Label") or record_id
    lines = [finding.message, "", f"Record: {rule.object} {name} ({record_id})",
             f"Rule: {rule.id} — {rule.description}"]
    suggested = finding.evidence.get("suggested") if finding.evidence else None
    if isinstance(suggested, dict):
        lines.append("Suggested: " + ", ".join(f"{k} = {display(v)}" for k, v in suggested.items()))
    return TaskRequest(
        rule_id=rule.id,
        fingerprint=finding.fingerprint,
        what_id=record_id if linkable and rule.object not in _PEOPLE else None,
        who_id=record_id if rule.object in _PEOPLE else None,
        owner_id=owner,
        subject=f"{WEEDER_TASK_PREFIX} {rule.description}"[:255],
        description="\n".join(lines),
        due_date=ctx.today + timedelta(days=rule.due_in_days),
        priority="High" if rule.severity.value == "error" else "Normal",
    )
