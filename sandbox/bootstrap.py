"""What every org has from its first day: the admin, their profile, the standard stages.

:func:`ensure_org` is idempotent — it adds only what is missing (matched by name), so it runs
on every server start and the seed or importer may call it too.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from sandbox.db import allocate_ids, format_datetime, insert_rows
from sandbox.schema import STAGES, STANDARD
from sandbox.security import ADMIN_PROFILE

DEFAULT_ADMIN = "admin@weeder.sandbox"


def _system(user_id: str, now: str) -> dict[str, object]:
    return {"IsDeleted": 0, "CreatedDate": now, "CreatedById": user_id,
            "LastModifiedDate": now, "LastModifiedById": user_id, "SystemModstamp": now}


def ensure_org(conn: sqlite3.Connection, *, admin_username: str = DEFAULT_ADMIN,
               now: datetime | None = None) -> str:
    """Create the admin user, the System Administrator profile (with the permission set it
    owns) and the ten standard opportunity stages when missing. Returns the admin's id."""
    stamp = format_datetime(now or datetime.now(UTC))
    row = conn.execute('SELECT Id FROM "User" WHERE Username = ? COLLATE NOCASE',
                       (admin_username,)).fetchone()
    admin_id = row[0] if row else allocate_ids(conn, "005", 1)[0]

    profile = conn.execute('SELECT Id FROM "Profile" WHERE Name = ? AND coalesce(IsDeleted, 0) = 0',
                           (ADMIN_PROFILE,)).fetchone()
    profile_id = profile[0] if profile else None
    if profile_id is None:
        profile_id = allocate_ids(conn, "00e", 1)[0]
        insert_rows(conn, STANDARD.object("Profile"), [{  # type: ignore[arg-type]
            "Id": profile_id, "Name": ADMIN_PROFILE,
            "Description": "Full access, including Modify All Data", **_system(admin_id, stamp),
        }])
    owned = conn.execute('SELECT 1 FROM "PermissionSet" WHERE ProfileId = ?',
                         (profile_id,)).fetchone()
    if owned is None:
        insert_rows(conn, STANDARD.object("PermissionSet"), [{  # type: ignore[arg-type]
            "Id": allocate_ids(conn, "0PS", 1)[0], "Name": "X00e_System_Administrator",
            "Label": ADMIN_PROFILE, "IsOwnedByProfile": 1, "ProfileId": profile_id,
            **_system(admin_id, stamp),
        }])
    if row is None:
        insert_rows(conn, STANDARD.object("User"), [{  # type: ignore[arg-type]
            "Id": admin_id, "Username": admin_username, "FirstName": "Sandbox",
            "LastName": "Admin", "Name": "Sandbox Admin", "Email": admin_username,
            "Alias": "admin", "Title": "Administrator", "IsActive": 1, "ProfileId": profile_id,
            "TimeZoneSidKey": "GMT", **_system(admin_id, stamp),
        }])
    has_stages = conn.execute('SELECT 1 FROM "OpportunityStage" LIMIT 1').fetchone()
    if has_stages is None:
        ids = allocate_ids(conn, "01J", len(STAGES))
        insert_rows(conn, STANDARD.object("OpportunityStage"), [  # type: ignore[arg-type]
            {"Id": stage_id, "MasterLabel": name, "ApiName": name, "SortOrder": order,
             "IsActive": 1, "IsClosed": int(closed), "IsWon": int(won),
             "DefaultProbability": probability, "ForecastCategoryName": category,
             **_system(admin_id, stamp)}
            for stage_id, (name, order, closed, won, probability, category) in zip(
                ids, STAGES, strict=True)
        ])
    return str(admin_id)
