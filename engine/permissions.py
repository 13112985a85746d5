"""Field policies: who may edit a field, possibly narrower once the record is in some state.

A rule file declares policies once, at its top level::

    policies:
      - field: Opportunity.Amount
        editors: [Sales Rep, Sales Manager, Sales Ops, System Administrator]
        states:
          - when: {field: StageName, equals: Closed Won}
            editors: [Sales Ops, System Administrator]

``editors`` name profiles, or permission sets by Name; a permission set owned by a profile
(IsOwnedByProfile) counts as that profile. The first state whose ``when`` holds decides who may
edit; when none holds, ``editors`` does. The ``permission_drift`` and ``edit_violation`` kinds
check the policies (who *can* edit; who *did*).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.conditions import Condition, ConditionData, Predicate, condition_paths
from engine.model import Context, Record


class PolicyStateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: ConditionData = Field(description="the state, as a condition on the record")
    editors: list[str] = Field(min_length=1, description="who may edit while the state holds")


class FieldPolicySpec(BaseModel):
    """One entry of a rule file's ``policies`` list."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Object.Field, e.g. Opportunity.Amount")
    editors: list[str] = Field(min_length=1, description="profiles or permission sets allowed")
    states: list[PolicyStateSpec] = Field(default_factory=list,
                                          description="narrower editors in some states")
    description: str = Field(default="", description="why the policy exists")


@dataclass(frozen=True, slots=True)
class PolicyState:
    condition: Condition
    holds: Predicate
    editors: frozenset[str]  # casefolded
    shown: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FieldPolicy:
    object: str
    field: str
    editors: frozenset[str]  # casefolded
    shown: tuple[str, ...]  # as written, for messages
    states: tuple[PolicyState, ...] = ()
    description: str = ""

    @property
    def key(self) -> str:
        return f"{self.object}.{self.field}"

    @property
    def anyone(self) -> frozenset[str]:
        """Everyone the policy lets edit in some state: what FieldPermissions may grant."""
        names = set(self.editors)
        for state in self.states:
            names |= state.editors
        return frozenset(names)

    @property
    def anyone_shown(self) -> tuple[str, ...]:
        seen = dict.fromkeys(self.shown)
        for state in self.states:
            seen.update(dict.fromkeys(state.shown))
        return tuple(seen)

    def editors_for(self, record: Record, ctx: Context) -> tuple[frozenset[str], tuple[str, ...]]:
        for state in self.states:
            if state.holds(record, ctx):
                return state.editors, state.shown
        return self.editors, self.shown

    def state_fields(self) -> set[str]:
        paths: set[str] = set()
        for state in self.states:
            paths.update(condition_paths(state.condition))
        return paths


def folded(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


def profile_name(user: Mapping[str, Any]) -> str | None:
    name = user.get("Profile.Name")
    if name is None and isinstance(user.get("Profile"), Mapping):
        name = user["Profile"].get("Name")
    return name if isinstance(name, str) else None


def user_grants(ctx: Context, user_id: str | None) -> frozenset[str] | None:
    """The casefolded profile and permission-set names a user edits under; None if unknown."""
    if not user_id:
        return None
    user = ctx.users.get(user_id)
    if user is None:
        return None
    names = set(ctx.user_permission_sets.get(user_id, ()))
    profile = profile_name(user)
    if profile:
        names.add(profile)
    return folded(names)


def permission_set_grants(permission_set: Record) -> tuple[frozenset[str], str]:
    """Names a PermissionSet record stands for, and how to call it in a message.

    A profile's own permission set stands for the profile (its Name and Label are generated in
    real orgs); any other permission set for its Name and its Label.
    """
    profile = permission_set.get("Profile")
    profile_name = profile.get("Name") if isinstance(profile, Mapping) else None
    if permission_set.get("IsOwnedByProfile"):
        name = profile_name or permission_set.get("Label")
        return folded([name] if isinstance(name, str) else []), f"profile {name!r}"
    names = [str(permission_set[key]) for key in ("Name", "Label") if permission_set.get(key)]
    label = permission_set.get("Label") or permission_set.get("Name") or permission_set.get("Id")
    return folded(names), f"permission set {label!r}"
