"""The org's writes: create, update, soft delete and upsert, with Salesforce's semantics.

Every write is validated (:mod:`sandbox.validation`), checked against the acting user's
field-level security (:mod:`sandbox.security`), completed with derived and system fields
(:mod:`sandbox.derive`), and recorded in history (:mod:`sandbox.history`) — all inside one
SQLite transaction, so a refused write leaves nothing behind. Nested calls run in savepoints,
which is what sObject collections and ``/composite`` use for allOrNone.

The seed and the importer write with :func:`sandbox.db.insert_rows` for speed; they may reuse
:func:`sandbox.derive.derive` and :mod:`sandbox.history` to build rows the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.db import (
    allocate_ids_in_transaction,
    format_datetime,
    from_storage,
    insert_rows,
    load_schema,
    parse_datetime,
)
from sandbox.derive import DeriveContext, Stage, derive
from sandbox.history import field_history_rows, opportunity_history_row
from sandbox.ids import normalise
from sandbox.schema import Field, SObject
from sandbox.security import SECURITY_OBJECTS, Actor, FieldSecurity, security_error_message
from sandbox.validation import convert_values, resolve_fields, rule_violations
from sandbox.wire import ErrorItem, SalesforceError, not_found

Row = dict[str, Any]

#: deleting a record of the key deletes these children too, as Salesforce's cascade does
CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Contact", "AccountId"), ("Opportunity", "AccountId")),
}
#: records attached to any deleted record go with it
ATTACHED: tuple[tuple[str, str], ...] = (
    ("Task", "WhatId"), ("Task", "WhoId"), ("Event", "WhatId"), ("Event", "WhoId"),
    ("Note", "ParentId"), ("ContentDocumentLink", "LinkedEntityId"),
)
DUPLICATE_USERNAME = (
    "Duplicate Username.<br>The username already exists in this or another Salesforce "
    "organization. Usernames must be unique across all Salesforce organizations. To resolve, "
    "use a different username (it doesn't need to match the user's email address)."
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class UpsertResult:
    id: str
    created: bool


class MultipleMatches(Exception):
    """An upsert's external id names more than one record (answered 300 with their ids)."""

    def __init__(self, object_name: str, ids: Sequence[str]) -> None:
        super().__init__(f"{len(ids)} {object_name} records match")
        self.object_name = object_name
        self.ids = list(ids)


class Store:
    """Writes and single-record reads of one sandbox database, for one process."""

    def __init__(self, conn: sqlite3.Connection, *,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.conn = conn
        self.schema = load_schema(conn)
        self.security = FieldSecurity(conn)
        self._clock = clock
        self._last_stamp = self._latest_stamp()
        self._depth = 0
        self._stages_key: tuple[int, int] | None = None
        self._stages_generation = 0
        self._stages: dict[str, Stage] = {}

    # -- lookups -----------------------------------------------------------------------

    def sobject(self, name: str) -> SObject:
        found = self.schema.object(name)
        if found is None:
            raise SalesforceError.one(
                400, "INVALID_TYPE", f"sObject type '{name}' is not supported. If you are "
                "attempting to use a custom object, be sure to append the '__c' after the "
                "entity name. Please reference your WSDL or the describe call for the "
                "appropriate names.")
        return found

    def object_of(self, record_id: str) -> SObject | None:
        return self.schema.by_prefix(record_id[:3])

    def fetch(self, sobject: SObject, record_id: str) -> Row | None:
        """The stored row with this id (deleted or not), or None."""
        cursor = self.conn.execute(f"SELECT * FROM {quote(sobject.name)} WHERE Id = ?",
                                   (record_id,))
        values = cursor.fetchone()
        if values is None:
            return None
        columns = [d[0] for d in cursor.description]
        by_lower = dict(zip((c.lower() for c in columns), values, strict=True))
        return {f.name: by_lower.get(f.name.lower()) for f in sobject.fields}

    def find_ids(self, sobject: SObject, field: Field, value: Any) -> list[str]:
        """Live records whose ``field`` equals ``value`` (text compared case-insensitively)."""
        collate = " COLLATE NOCASE" if field.sql_type == "TEXT" else ""
        rows = self.conn.execute(
            f"SELECT Id FROM {quote(sobject.name)} WHERE {quote(field.name)} = ?{collate} "
            "AND coalesce(IsDeleted, 0) = 0 ORDER BY Id LIMIT 100", (value,))
        return [row[0] for row in rows]

    def stages(self) -> dict[str, Stage]:
        """The org's opportunity stages by lower-cased name (active or not)."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        key = (self._stages_generation, version)
        if key != self._stages_key:
            rows = self.conn.execute(
                "SELECT coalesce(ApiName, MasterLabel), SortOrder, IsActive, IsClosed, IsWon, "
                'DefaultProbability, ForecastCategoryName FROM "OpportunityStage" '
                "WHERE coalesce(IsDeleted, 0) = 0 ORDER BY SortOrder")
            self._stages = {
                row[0].lower(): Stage(row[0], row[1] or 0, bool(row[2]), bool(row[3]),
                                      bool(row[4]), row[5], row[6])
                for row in rows if row[0]
            }
            self._stages_key = key
        return self._stages

    # -- transactions and time ---------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a transaction at the top, a savepoint when nested."""
        top = self._depth == 0 and not self.conn.in_transaction
        savepoint = f"sp{self._depth}"
        self.conn.execute("BEGIN IMMEDIATE" if top else f"SAVEPOINT {savepoint}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if top:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO {savepoint}")
                self.conn.execute(f"RELEASE {savepoint}")
            self._forget_caches()
            raise
        self._depth -= 1
        self.conn.execute("COMMIT" if top else f"RELEASE {savepoint}")

    def now(self) -> datetime:
        return self._clock()

    def _stamp(self) -> str:
        """This write's timestamp: the clock, but always at least 1 ms after the last one."""
        moment = self._clock().astimezone(UTC)
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if moment <= self._last_stamp:
            moment = self._last_stamp + timedelta(milliseconds=1)
        self._last_stamp = moment
        return format_datetime(moment)

    def _latest_stamp(self) -> datetime:
        latest = datetime(1970, 1, 1, tzinfo=UTC)
        for sobject in self.schema.objects:
            value = self.conn.execute(
                f"SELECT max(SystemModstamp) FROM {quote(sobject.name)}").fetchone()[0]
            if value:
                latest = max(latest, parse_datetime(value))
        return latest

    def _forget_caches(self) -> None:
        self.security.invalidate()
        self._stages_generation += 1

    # -- writes ------------------------------------------------------------------------

    def create(self, actor: Actor, object_name: str, payload: Mapping[str, Any]) -> str:
        """Insert one record; returns its id. Raises SalesforceError when refused."""
        sobject = self.sobject(object_name)
        if not sobject.createable:
            raise SalesforceError.one(400, "INVALID_TYPE_FOR_OPERATION",
                                      f"entity type cannot be inserted: {sobject.label}")
        with self.transaction():
            given = self._convert(actor, sobject, payload, creating=True)
            row: Row = {f.name: _default(f) for f in sobject.fields}
            row.update(given)
            if sobject.field("OwnerId") is not None and row.get("OwnerId") is None:
                row["OwnerId"] = actor.user_id
            now = self._stamp()
            row["Id"] = allocate_ids_in_transaction(self.conn, sobject.key_prefix, 1)[0]
            row.update(IsDeleted=0, CreatedDate=now, CreatedById=actor.user_id,
                       LastModifiedDate=now, LastModifiedById=actor.user_id,
                       SystemModstamp=now)
            derive(sobject.name, None, row, set(given), DeriveContext(now, self.stages()))
            self._check(sobject, None, row, set(given))
            insert_rows(self.conn, sobject, [row], columns=list(row))
            self._after_write(actor, sobject, None, row, now)
        return str(row["Id"])

    def update(self, actor: Actor, object_name: str, record_id: str,
               payload: Mapping[str, Any], *,
               precondition: Callable[[Row], None] | None = None) -> str:
        """Change one record; ``precondition`` may refuse it after seeing the current row."""
        sobject = self.sobject(object_name)
        if not sobject.updateable:
            raise SalesforceError.one(400, "INVALID_TYPE_FOR_OPERATION",
                                      f"entity type cannot be updated: {sobject.label}")
        with self.transaction():
            before = self._live_row(sobject, record_id)
            if precondition is not None:
                precondition(before)
            changes = self._convert(actor, sobject, payload, creating=False)
            row = dict(before)
            row.update(changes)
            now = self._stamp()
            row.update(LastModifiedDate=now, LastModifiedById=actor.user_id, SystemModstamp=now)
            derive(sobject.name, before, row, set(changes), DeriveContext(now, self.stages()))
            self._check(sobject, before, row, set(changes))
            changed = [name for name in row if row[name] != before.get(name)]
            assignments = ", ".join(f"{quote(name)} = ?" for name in changed)
            self.conn.execute(f"UPDATE {quote(sobject.name)} SET {assignments} WHERE Id = ?",
                              [row[name] for name in changed] + [before["Id"]])
            self._after_write(actor, sobject, before, row, now)
        return str(before["Id"])

    def delete(self, actor: Actor, record_id: str, object_name: str | None = None) -> str:
        """Soft-delete one record (IsDeleted = true) and what cascades from it."""
        canonical = self.record_id(record_id)
        sobject = self.sobject(object_name) if object_name else self.object_of(canonical)
        if sobject is None:
            raise not_found()
        if not sobject.deletable:
            raise SalesforceError.one(400, "INVALID_TYPE_FOR_OPERATION",
                                      f"entity type cannot be deleted: {sobject.label}")
        with self.transaction():
            before = self._live_row(sobject, canonical)
            now = self._stamp()
            deleted = self._soft_delete(actor, sobject, [before["Id"]], now)
            for child, link in CASCADES.get(sobject.name, ()):
                ids = [r[0] for r in self.conn.execute(
                    f"SELECT Id FROM {quote(child)} WHERE {quote(link)} = ? "
                    "AND coalesce(IsDeleted, 0) = 0", (before["Id"],))]
                deleted += self._soft_delete(actor, self.sobject(child), ids, now)
            for child, link in ATTACHED:
                for parent_id in list(deleted):
                    ids = [r[0] for r in self.conn.execute(
                        f"SELECT Id FROM {quote(child)} WHERE {quote(link)} = ? "
                        "AND coalesce(IsDeleted, 0) = 0", (parent_id,))]
                    self._soft_delete(actor, self.sobject(child), ids, now)
            if sobject.name in ("Task", "Event"):
                self._refresh_last_activity({before.get("WhatId"), before.get("WhoId")})
            if sobject.name.lower() in SECURITY_OBJECTS:
                self.security.invalidate()
        return str(before["Id"])

    def upsert(self, actor: Actor, object_name: str, field_name: str, value: str,
               payload: Mapping[str, Any]) -> UpsertResult:
        """Update the record whose external id ``field_name`` is ``value``, or create it."""
        sobject = self.sobject(object_name)
        key = sobject.field(field_name)
        if key is None or not (key.external_id or key.name == "Id"):
            raise not_found("Provided external ID field does not exist or is not accessible: "
                            f"{field_name}")
        body = {k: v for k, v in payload.items() if k.lower() != key.name.lower()}
        if key.name == "Id":
            canonical = normalise(value)
            matches = [canonical] if canonical and self._is_live(sobject, canonical) else []
        else:
            matches = self.find_ids(sobject, key, value)
        if len(matches) > 1:
            raise MultipleMatches(sobject.name, matches)
        if matches:
            return UpsertResult(self.update(actor, sobject.name, matches[0], body), False)
        if key.name != "Id":
            body[key.name] = value
        return UpsertResult(self.create(actor, sobject.name, body), True)

    def record_id(self, value: Any) -> str:
        canonical = normalise(value) if isinstance(value, str) else None
        if canonical is None:
            raise SalesforceError.one(400, "MALFORMED_ID", f"malformed id {value}", [])
        return canonical

    # -- the steps of a write ----------------------------------------------------------

    def _live_row(self, sobject: SObject, record_id: str) -> Row:
        canonical = self.record_id(record_id)
        row = self.fetch(sobject, canonical)
        if row is None:
            raise not_found()
        if row.get("IsDeleted"):
            raise SalesforceError.one(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return row

    def _is_live(self, sobject: SObject, record_id: str) -> bool:
        row = self.conn.execute(
            f"SELECT coalesce(IsDeleted, 0) FROM {quote(sobject.name)} WHERE Id = ?",
            (record_id,)).fetchone()
        return row is not None and not row[0]

    def _convert(self, actor: Actor, sobject: SObject, payload: Mapping[str, Any], *,
                 creating: bool) -> Row:
        fields = resolve_fields(sobject, payload, creating=creating)
        refused = self.security.refused(actor, sobject.name, [f.name for f, _ in fields])
        if refused:
            raise SalesforceError.one(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                      security_error_message(refused), refused)
        picklists = ({"StageName": [s.name for s in self.stages().values() if s.is_active]}
                     if sobject.name == "Opportunity" and self.stages() else None)
        values, errors = convert_values(self.schema, fields, picklists)
        if errors:
            raise SalesforceError(400, errors)
        return values

    def _check(self, sobject: SObject, before: Row | None, row: Row, given: set[str]) -> None:
        errors: list[ErrorItem] = []
        missing = [
            f.name for f in sobject.fields
            if not f.nillable and f.type != "boolean" and not f.derived and f.name != "Id"
            and row.get(f.name) is None and (before is None or f.name in given)
            and (f.createable if before is None else f.updateable)
        ]
        if missing:
            errors.append(ErrorItem("REQUIRED_FIELD_MISSING",
                                    f"Required fields are missing: [{', '.join(missing)}]",
                                    tuple(missing)))
        for name in sorted(given):
            found = sobject.field(name)
            if found is None or row.get(name) is None:
                continue
            if found.type == "reference":
                errors.extend(self._reference_problems(sobject, found, row[name]))
            if found.unique:
                errors.extend(self._unique_problems(sobject, found, row))
        if not errors:
            errors = rule_violations(sobject.name, row)
        if errors:
            raise SalesforceError(400, errors)

    def _reference_problems(self, sobject: SObject, lookup: Field, value: str) -> list[ErrorItem]:
        target = self.object_of(value)
        if target is None:
            return [ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                              (lookup.name,))]
        row = self.conn.execute(
            f"SELECT coalesce(IsDeleted, 0), "
            f"{'IsActive' if target.name == 'User' else '1'} FROM {quote(target.name)} "
            "WHERE Id = ?", (value,)).fetchone()
        if row is None or row[0]:
            return [ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                              (lookup.name,))]
        if lookup.name == "OwnerId" and not row[1]:
            return [ErrorItem("INACTIVE_OWNER_OR_USER",
                              f"operation performed with inactive user [{value}] as owner of "
                              f"{sobject.label.lower()}", (lookup.name,))]
        return []

    def _unique_problems(self, sobject: SObject, found: Field, row: Row) -> list[ErrorItem]:
        others = [i for i in self.find_ids(sobject, found, row[found.name]) if i != row["Id"]]
        if not others:
            return []
        if sobject.name == "User" and found.name == "Username":
            return [ErrorItem("DUPLICATE_USERNAME", DUPLICATE_USERNAME, (found.name,))]
        return [ErrorItem("DUPLICATE_VALUE",
                          f"duplicate value found: {found.name} duplicates value on record "
                          f"with id: {others[0]}", (found.name,))]

    def _after_write(self, actor: Actor, sobject: SObject, before: Row | None, row: Row,
                     now: str) -> None:
        if sobject.history_object:
            history = self.sobject(sobject.history_object)
            self._insert_system_rows(actor, history,
                                     field_history_rows(sobject, history, before, row), now)
        if sobject.name == "Opportunity":
            entry = opportunity_history_row(before, row)
            if entry is not None:
                self._insert_system_rows(actor, self.sobject("OpportunityHistory"), [entry],
                                         now)
        if sobject.name in ("Task", "Event"):
            parents = {row.get("WhatId"), row.get("WhoId")}
            if before is not None:
                parents |= {before.get("WhatId"), before.get("WhoId")}
            self._refresh_last_activity(parents)
        lowered = sobject.name.lower()
        if lowered in SECURITY_OBJECTS:
            self.security.invalidate()
        if lowered == "opportunitystage":
            self._stages_generation += 1

    def _insert_system_rows(self, actor: Actor, sobject: SObject, rows: list[Row],
                            now: str) -> None:
        if not rows:
            return
        ids = allocate_ids_in_transaction(self.conn, sobject.key_prefix, len(rows))
        for new_id, entry in zip(ids, rows, strict=True):
            entry.update(Id=new_id, IsDeleted=0, CreatedDate=now, CreatedById=actor.user_id,
                         LastModifiedDate=now, LastModifiedById=actor.user_id,
                         SystemModstamp=now)
        insert_rows(self.conn, sobject, rows, columns=list(rows[0]))

    def _soft_delete(self, actor: Actor, sobject: SObject, ids: list[str],
                     now: str) -> list[str]:
        if ids:
            self.conn.executemany(
                f"UPDATE {quote(sobject.name)} SET IsDeleted = 1, LastModifiedDate = ?, "
                "LastModifiedById = ?, SystemModstamp = ? WHERE Id = ?",
                [(now, actor.user_id, now, record_id) for record_id in ids])
        return ids

    def _refresh_last_activity(self, parent_ids: set[Any]) -> None:
        """LastActivityDate: the latest closed task's or past event's date on the record."""
        today = self._clock().astimezone(UTC).date().isoformat()
        for parent_id in parent_ids:
            if not parent_id:
                continue
            target = self.object_of(parent_id)
            if target is None or target.field("LastActivityDate") is None:
                continue
            latest = self.conn.execute(
                "SELECT max(d) FROM ("
                " SELECT coalesce(ActivityDate, substr(CompletedDateTime, 1, 10)) AS d "
                ' FROM "Task" WHERE (WhatId = ?1 OR WhoId = ?1) AND IsClosed = 1'
                "  AND coalesce(IsDeleted, 0) = 0"
                " UNION ALL SELECT ActivityDate FROM \"Event\" WHERE (WhatId = ?1 OR WhoId = ?1)"
                "  AND coalesce(IsDeleted, 0) = 0 AND ActivityDate <= ?2)",
                (parent_id, today)).fetchone()[0]
            self.conn.execute(f"UPDATE {quote(target.name)} SET LastActivityDate = ? "
                              "WHERE Id = ?", (latest, parent_id))


def _default(found: Field) -> Any:
    if found.default is not None:
        return int(bool(found.default)) if found.type == "boolean" else found.default
    return 0 if found.type == "boolean" else None


def record_json(sobject: SObject, row: Mapping[str, Any], version: str,
                fields: Sequence[Field] | None = None) -> dict[str, Any]:
    """A stored row as the REST API returns it (``version`` like "59.0")."""
    chosen = fields if fields is not None else sobject.fields
    body: dict[str, Any] = {"attributes": {
        "type": sobject.name,
        "url": f"/services/data/v{version}/sobjects/{sobject.name}/{row['Id']}",
    }}
    for found in chosen:
        body[found.name] = from_storage(found, row.get(found.name))
    return body
