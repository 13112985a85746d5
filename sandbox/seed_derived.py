"""Org-wide facts the seed and the importer both rebuild after a bulk write: the stage table
as the store reads it, LastActivityDate from the activities, and the secondary indexes.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from sandbox.derive import Stage


def load_stages(conn: sqlite3.Connection) -> dict[str, Stage]:
    """The org's opportunity stages by lower-case API name."""
    rows = conn.execute('SELECT ApiName, SortOrder, IsActive, IsClosed, IsWon, '
                        'DefaultProbability, ForecastCategoryName FROM "OpportunityStage" '
                        "WHERE coalesce(IsDeleted, 0) = 0")
    return {row[0].lower(): Stage(row[0], row[1], bool(row[2]), bool(row[3]), bool(row[4]),
                                  row[5], row[6]) for row in rows}


def drop_indexes(conn: sqlite3.Connection) -> list[str]:
    """Drop the secondary indexes before a bulk load (building them once at the end is several
    times faster than keeping them up to date row by row); returns how to rebuild them."""
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                         "AND sql IS NOT NULL AND name LIKE 'ix!_%' ESCAPE '!'").fetchall()
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


_ACTIVITIES = """CREATE TEMP TABLE _activity AS
    SELECT WhatId AS what, WhoId AS who, ActivityDate AS day FROM "Task"
     WHERE IsClosed = 1 AND ActivityDate <= :today AND coalesce(IsDeleted, 0) = 0
    UNION ALL
    SELECT WhatId, WhoId, ActivityDate FROM "Event"
     WHERE ActivityDate <= :today AND coalesce(IsDeleted, 0) = 0"""
_UPDATES = (
    """UPDATE "Opportunity" SET LastActivityDate = m.day FROM
       (SELECT what AS id, max(day) AS day FROM _activity WHERE what LIKE '006%' GROUP BY what) m
       WHERE "Opportunity".Id = m.id""",
    """UPDATE "Contact" SET LastActivityDate = m.day FROM
       (SELECT who AS id, max(day) AS day FROM _activity WHERE who LIKE '003%' GROUP BY who) m
       WHERE "Contact".Id = m.id""",
    """UPDATE "Lead" SET LastActivityDate = m.day FROM
       (SELECT who AS id, max(day) AS day FROM _activity WHERE who LIKE '00Q%' GROUP BY who) m
       WHERE "Lead".Id = m.id""",
    """UPDATE "Account" SET LastActivityDate = m.day FROM
       (SELECT id, max(day) AS day FROM (
          SELECT what AS id, day FROM _activity WHERE what LIKE '001%'
          UNION ALL SELECT o.AccountId, a.day FROM _activity a
                    JOIN "Opportunity" o ON o.Id = a.what
          UNION ALL SELECT c.AccountId, a.day FROM _activity a
                    JOIN "Contact" c ON c.Id = a.who) GROUP BY id) m
       WHERE "Account".Id = m.id""",
)


def refresh_last_activity_dates(conn: sqlite3.Connection, today: date) -> None:
    """LastActivityDate as Salesforce keeps it: the latest past event or closed task on (or
    with) the record. Runs inside the caller's transaction; records with no activity keep
    theirs."""
    conn.execute("DROP TABLE IF EXISTS temp._activity")
    conn.execute(_ACTIVITIES, {"today": today.isoformat()})
    for statement in _UPDATES:
        conn.execute(statement)
    conn.execute("DROP TABLE temp._activity")
