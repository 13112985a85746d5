"""What the rules may consult besides the records: stages, users, permission sets, describe.

Read from the org once per run; the engine receives it as a plain :class:`engine.model.Context`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from connectors.salesforce import SalesforceClient
from engine.model import Context, FieldInfo, Stage

STAGES_SOQL = ("SELECT ApiName, MasterLabel, SortOrder, IsActive, IsClosed, IsWon, "
               "DefaultProbability FROM OpportunityStage ORDER BY SortOrder")
USERS_SOQL = ("SELECT Id, Name, Username, Email, ManagerId, ProfileId, Profile.Name, IsActive "
              "FROM User")
ASSIGNMENTS_SOQL = ("SELECT AssigneeId, PermissionSet.Name, PermissionSet.IsOwnedByProfile "
                    "FROM PermissionSetAssignment")


def read_stages(client: SalesforceClient) -> tuple[Stage, ...]:
    return tuple(
        Stage(name=row.get("ApiName") or row["MasterLabel"], sort_order=int(row["SortOrder"] or 0),
              is_closed=bool(row.get("IsClosed")), is_won=bool(row.get("IsWon")),
              is_active=bool(row.get("IsActive", True)),
              default_probability=row.get("DefaultProbability"))
        for row in client.query(STAGES_SOQL)
    )


def read_users(client: SalesforceClient) -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {}
    for row in client.query(USERS_SOQL):
        profile = row.get("Profile") or {}
        users[row["Id"]] = {**{k: v for k, v in row.items() if k != "Profile"},
                            "Profile.Name": profile.get("Name")}
    return users


def read_permission_sets(client: SalesforceClient) -> dict[str, frozenset[str]]:
    """user id -> names of the permission sets assigned besides the profile's own."""
    assigned: dict[str, set[str]] = {}
    for row in client.query(ASSIGNMENTS_SOQL):
        permission_set = row.get("PermissionSet") or {}
        if permission_set.get("IsOwnedByProfile"):
            continue
        assigned.setdefault(row["AssigneeId"], set()).add(permission_set.get("Name") or "")
    return {user: frozenset(names) for user, names in assigned.items()}


def read_describe(client: SalesforceClient,
                  objects: Iterable[str]) -> dict[str, dict[str, FieldInfo]]:
    return {name: client.describe_fields(name) for name in objects}


def build_context(client: SalesforceClient, *, today: date, objects: Iterable[str]) -> Context:
    """One Context for the run: a few calls, whatever the size of the org."""
    return Context(
        today=today,
        stages=read_stages(client),
        fields=read_describe(client, objects),
        users=read_users(client),
        user_permission_sets=read_permission_sets(client),
    )
