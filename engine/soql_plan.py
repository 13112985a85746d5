"""The pull plan: per object, every field and child row the rules read, rendered as ONE SOQL query.

Rules declare what they read (``Needs``); the plan unions them per object and adds what every
finding and fix needs anyway (Id, SystemModstamp for conditional writes, OwnerId for routing,
the name for messages). Child rows come as subqueries, so a deal arrives with its stage history,
field history, notes and activities in the same query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.rules.base import Needs
from engine.sfschema import NAME_FIELDS, OWNED_OBJECTS


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    object: str
    fields: tuple[str, ...]
    #: child relationship -> fields of its rows
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def soql(self, where: str | None = None) -> str:
        return render_soql(self, where)


@dataclass(frozen=True, slots=True)
class PullPlan:
    objects: Mapping[str, ObjectPlan]
    #: the context must carry OpportunityStage rows
    stages: bool = False
    #: the context must carry users (profiles, managers, permission sets)
    users: bool = False

    def soql(self) -> dict[str, str]:
        return {name: plan.soql() for name, plan in self.objects.items()}


def _ordered(names: Iterable[str]) -> tuple[str, ...]:
    unique = set(names)
    head = [name for name in ("Id",) if name in unique]
    return (*head, *sorted(unique - set(head)))


def plan_for(needs: Iterable[tuple[str, Needs]]) -> PullPlan:
    merged: dict[str, Needs] = {}
    for obj, need in needs:
        merged[obj] = merged[obj].merge(need) if obj in merged else need
    objects: dict[str, ObjectPlan] = {}
    stages = users = False
    for obj, need in merged.items():
        base = {"Id", "SystemModstamp", *NAME_FIELDS.get(obj, ())}
        if obj in OWNED_OBJECTS:
            base.add("OwnerId")
        children = {name: _ordered({"Id", *rows}) for name, rows in sorted(need.children.items())}
        objects[obj] = ObjectPlan(obj, _ordered(base | need.fields), children)
        stages = stages or need.stages
        users = users or need.users
    return PullPlan(dict(sorted(objects.items())), stages, users)


def render_soql(plan: ObjectPlan, where: str | None = None) -> str:
    """``SELECT Id, ..., (SELECT Id, ... FROM Notes) FROM Opportunity [WHERE ...]``."""
    items = list(plan.fields)
    for relationship, fields in plan.children.items():
        items.append(f"(SELECT {', '.join(fields)} FROM {relationship})")
    soql = f"SELECT {', '.join(items)} FROM {plan.object}"
    return f"{soql} WHERE {where}" if where else soql
