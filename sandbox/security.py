"""Who the session's user is, and which fields they may edit (field-level security).

The rule, as in a real org: a field that has FieldPermissions rows is editable only by users
one of whose permission sets grants PermissionsEdit on it — the permission set owned by their
profile (PermissionSet.ProfileId) or one assigned to them (PermissionSetAssignment). The
"System Administrator" profile bypasses it (Modify All Data). A field with no FieldPermissions
rows at all is unrestricted, so an imported org without permission data stays writable.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

ADMIN_PROFILE = "System Administrator"
#: writes to these objects change what a user may edit: the cache is dropped after them
SECURITY_OBJECTS = frozenset(
    {"user", "profile", "permissionset", "permissionsetassignment", "fieldpermissions"}
)


@dataclass(frozen=True, slots=True)
class Actor:
    """The user a session acts as: writes are attributed to them and checked against them."""

    user_id: str
    username: str = ""
    profile_id: str | None = None
    profile_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.profile_name == ADMIN_PROFILE


def load_actor(conn: sqlite3.Connection, user_id: str) -> Actor | None:
    row = conn.execute(
        'SELECT u.Id, u.Username, u.ProfileId, p.Name FROM "User" u '
        'LEFT JOIN "Profile" p ON p.Id = u.ProfileId WHERE u.Id = ?', (user_id,)
    ).fetchone()
    if row is None:
        return None
    return Actor(row[0], row[1] or "", row[2], row[3])


class FieldSecurity:
    """Answers "may this user edit Object.Field?" from FieldPermissions, with a cache.

    The cache is keyed by a generation the store bumps after writing a security object, and by
    SQLite's data_version, which moves when another process (the seed, an import) commits.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._generation = 0
        self._key: tuple[int, int] | None = None
        self._restricted: frozenset[str] = frozenset()
        self._editable: dict[str, frozenset[str]] = {}

    def invalidate(self) -> None:
        self._generation += 1

    def refused(self, actor: Actor, object_name: str, field_names: list[str]) -> list[str]:
        """The fields among ``field_names`` that ``actor`` may not edit on ``object_name``."""
        if actor.is_admin or not field_names:
            return []
        self._refresh()
        if not self._restricted:
            return []
        editable = self._editable.get(actor.user_id)
        if editable is None:
            editable = self._editable_for(actor)
            self._editable[actor.user_id] = editable
        refused = []
        for name in field_names:
            key = f"{object_name}.{name}".lower()
            if key in self._restricted and key not in editable:
                refused.append(name)
        return refused

    def _refresh(self) -> None:
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        key = (self._generation, version)
        if key == self._key:
            return
        self._key = key
        self._editable = {}
        self._restricted = frozenset(
            row[0].lower() for row in self._conn.execute(
                'SELECT DISTINCT Field FROM "FieldPermissions" '
                "WHERE coalesce(IsDeleted, 0) = 0 AND Field IS NOT NULL"
            )
        )

    def _editable_for(self, actor: Actor) -> frozenset[str]:
        rows = self._conn.execute(
            'SELECT fp.Field FROM "FieldPermissions" fp '
            'JOIN "PermissionSet" ps ON ps.Id = fp.ParentId AND coalesce(ps.IsDeleted, 0) = 0 '
            "WHERE coalesce(fp.IsDeleted, 0) = 0 AND fp.PermissionsEdit = 1 AND ("
            "  (ps.ProfileId IS NOT NULL AND ps.ProfileId = ?)"
            '  OR ps.Id IN (SELECT PermissionSetId FROM "PermissionSetAssignment" '
            "              WHERE AssigneeId = ? AND coalesce(IsDeleted, 0) = 0))",
            (actor.profile_id, actor.user_id),
        )
        return frozenset(row[0].lower() for row in rows if row[0])


def security_error_message(field_names: list[str]) -> str:
    return (f"Unable to create/update fields: {', '.join(field_names)}. Please check the "
            "security settings of this field and verify that it is read/write for your "
            "profile or permission set.")
