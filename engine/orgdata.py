"""The context rules consult, built from the org's own rows: stages, users, permission sets.

The audit flow runs these queries (when the pull plan says it needs them) and hands the rows to
:func:`context_from_rows`; nothing here talks to Salesforce.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from engine.model import Context, FieldInfo, Record, Stage

STAGES_SOQL = ("SELECT ApiName, MasterLabel, SortOrder, IsActive, IsClosed, IsWon, "
               "DefaultProbability FROM OpportunityStage")
USERS_SOQL = ("SELECT Id, Name, Username, Email, IsActive, ManagerId, ProfileId, Profile.Name "
              "FROM User")
ASSIGNMENTS_SOQL = ("SELECT AssigneeId, PermissionSet.Name, PermissionSet.Label, "
                    "PermissionSet.IsOwnedByProfile FROM PermissionSetAssignment")


def _parent(row: Record, relationship: str, name: str) -> Any:
    parent = row.get(relationship)
    return parent.get(name) if isinstance(parent, Mapping) else None


def stages_from_rows(rows: Iterable[Record]) -> tuple[Stage, ...]:
    """OpportunityStage rows -> stages, in sort order (a deal's StageName is the ApiName)."""
    stages = []
    for row in rows:
        name = row.get("ApiName") or row.get("MasterLabel")
        if not isinstance(name, str):
            continue
        probability = row.get("DefaultProbability")
        stages.append(Stage(
            name=name, sort_order=int(row.get("SortOrder") or 0),
            is_closed=bool(row.get("IsClosed")), is_won=bool(row.get("IsWon")),
            is_active=row.get("IsActive") is not False,
            default_probability=float(probability) if probability is not None else None,
        ))
    return tuple(sorted(stages, key=lambda stage: (stage.sort_order, stage.name)))


def users_from_rows(rows: Iterable[Record]) -> dict[str, Mapping[str, Any]]:
    """User rows -> the ``Context.users`` map (``Profile.Name`` flattened)."""
    users: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        user_id = row.get("Id")
        if not isinstance(user_id, str):
            continue
        users[user_id] = {
            "Id": user_id, "Name": row.get("Name"), "Username": row.get("Username"),
            "Email": row.get("Email"), "IsActive": row.get("IsActive"),
            "ManagerId": row.get("ManagerId"), "ProfileId": row.get("ProfileId"),
            "Profile.Name": _parent(row, "Profile", "Name"),
        }
    return users


def permission_sets_by_user(rows: Iterable[Record]) -> dict[str, frozenset[str]]:
    """PermissionSetAssignment rows -> user id -> Names and Labels of the sets assigned.

    Profile-owned permission sets are left out: the user's profile already stands for them.
    """
    names: dict[str, set[str]] = {}
    for row in rows:
        user_id = row.get("AssigneeId")
        if not isinstance(user_id, str) or _parent(row, "PermissionSet", "IsOwnedByProfile"):
            continue
        for key in ("Name", "Label"):
            value = _parent(row, "PermissionSet", key)
            if isinstance(value, str) and value:
                names.setdefault(user_id, set()).add(value)
    return {user_id: frozenset(found) for user_id, found in names.items()}


def context_from_rows(today: date, *, stages: Iterable[Record] = (),
                      users: Iterable[Record] = (), assignments: Iterable[Record] = (),
                      fields: Mapping[str, Mapping[str, FieldInfo]] | None = None) -> Context:
    return Context(today=today, stages=stages_from_rows(stages), fields=dict(fields or {}),
                   users=users_from_rows(users),
                   user_permission_sets=permission_sets_by_user(assignments))
