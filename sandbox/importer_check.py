"""Checking source records before an import writes anything: fields, values, references.

Every problem is collected (up to a limit) with its place, so the admin fixes the file once,
not once per run. A field unknown on many records is reported once, with how many.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from engine.errors import WeederError
from sandbox.db import to_storage
from sandbox.ids import normalise
from sandbox.importer_read import Source
from sandbox.schema import TEXT_TYPES, Field, Schema, SObject

MAX_PROBLEMS = 30
_KIND_WORDS = {
    "date": "date (YYYY-MM-DD)", "datetime": "date and time (2025-06-30T10:00:00Z)",
    "int": "whole number", "double": "number", "currency": "number", "percent": "number",
    "boolean": "true or false",
}
_CSV_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LENGTH_CHECKED = TEXT_TYPES - {"id", "reference", "textarea", "picklist", "multipicklist"}
#: A reference to be resolved: (kind, value) with kind "ref" (@referenceId), "csv" (an Id
#: column value of another imported row, or an org id), "id" (an org id).
Pending = tuple[str, str]


class Problems:
    """Problems found so far; the same unknown field in one file is reported once."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._unknown: dict[tuple[str, str, str], list[Any]] = {}

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(line)

    def unknown_field(self, source: Source, sobject: SObject, key: str, value: Any) -> None:
        seen = self._unknown.get((source.file, sobject.name, key.lower()))
        if seen is not None:
            seen[1] += 1
            return
        entry: list[Any] = [len(self.lines), 0]
        self._unknown[(source.file, sobject.name, key.lower())] = entry
        if key.lower().endswith("__c"):
            hint = (f"Declare it with --declare-field {sobject.name}.{key}:{guess_type(value)}, "
                    "or remove it from the file.")
        else:
            hint = "Remove it from the file (only custom fields, ending in __c, can be declared)."
        self.add(f"{source.place}: No such column '{key}' on sobject of type {sobject.name} "
                 f"(INVALID_FIELD). {hint}")
        entry.append(source.file)

    def raise_if_any(self) -> None:
        for position, more, *rest in self._unknown.values():
            if more and position < len(self.lines):
                self.lines[position] += f" {more} more record{'s' if more > 1 else ''} in " \
                                        f"{rest[0]} name it too."
        if self.lines:
            raise WeederError("\n".join(self.lines) + "\nNothing was imported.", exit_code=1)


def guess_type(value: Any) -> str:
    """The custom field type a value suggests, for the --declare-field hint."""
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true",
                                                                                 "false")):
        return "boolean"
    if isinstance(value, int | float):
        return "double"
    text = str(value or "")
    if text.startswith(("http://", "https://", "www.")):
        return "url"
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        return "email"
    if _DATE.match(text):
        return "date"
    return "textarea" if len(text) > 255 else "string"


@dataclass
class Checked:
    """A record that passed: stored values, references by source position or id."""

    source: Source
    sobject: SObject
    values: dict[str, Any] = field(default_factory=dict)
    #: field -> position of another imported record, an org id, or None (give it to the admin)
    references: dict[str, int | str | None] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)
    kept_id: str | None = None
    to_admin: int = 0


def _absent(record: Checked, required: Field) -> bool:
    """Not in the file, or empty there (a value refused for its form is reported as that)."""
    if required.name in record.references:
        return False
    if required.name not in record.given:
        return True
    return required.name in record.values and record.values[required.name] is None


class Checker:
    def __init__(self, conn: sqlite3.Connection, schema: Schema, sources: list[Source],
                 stage_names: list[str]) -> None:
        self.conn = conn
        self.schema = schema
        self.sources = sources
        self.stages = {name.lower() for name in stage_names}
        self.problems = Problems()
        self.pending: list[tuple[Checked, Field, Pending]] = []

    def run(self) -> list[Checked]:
        checked = [self._record(source) for source in self.sources]
        self._kept_ids(checked)
        self._resolve(checked)
        self.problems.raise_if_any()
        return checked

    def _record(self, source: Source) -> Checked:
        sobject = self.schema.object(source.object_name)
        assert sobject is not None
        record = Checked(source, sobject)
        for key, raw in source.values.items():
            found = sobject.field(key)
            if found is None:
                self.problems.unknown_field(source, sobject, key, raw)
                continue
            record.given.add(found.name)
            if found.name == "Id":
                record.kept_id = self._id_to_keep(sobject, raw)
            elif raw is None:
                record.values[found.name] = None
            elif found.type == "reference":
                self._reference(record, found, raw)
            else:
                self._value(record, found, raw)
        if source.parent is not None:
            position, link = source.parent
            record.references[link] = position
            record.given.add(link)
        missing = [f.name for f in sobject.fields if f.required_on_create and _absent(record, f)]
        if missing:
            self.problems.add(f"{source.place}: Required fields are missing: "
                              f"[{', '.join(missing)}] (REQUIRED_FIELD_MISSING)")
        return record

    def _value(self, record: Checked, found: Field, raw: Any) -> None:
        value = raw
        if record.source.csv and found.type == "boolean" and isinstance(raw, str):
            value = _CSV_BOOLEANS.get(raw.strip().lower(), raw)
        where = f"{record.source.place}: {found.name}"
        try:
            if isinstance(value, dict | list):
                raise ValueError
            stored = to_storage(found, value)
        except (ValueError, TypeError, OverflowError):
            words = _KIND_WORDS.get(found.type, "text")
            self.problems.add(f"{where}: {raw!r} is not a valid {words}")
            return
        if found.type in _LENGTH_CHECKED and found.length and len(str(stored)) > found.length:
            self.problems.add(f"{where}: the value is longer than the field's {found.length} "
                              "characters (STRING_TOO_LONG)")
            return
        if record.sobject.name == "Opportunity" and found.name == "StageName" \
                and str(stored).lower() not in self.stages:
            self.problems.add(f"{where}: bad value for restricted picklist field: {stored} "
                              "(not one of the org's opportunity stages)")
            return
        record.values[found.name] = stored

    def _reference(self, record: Checked, found: Field, raw: Any) -> None:
        source = record.source
        text = str(raw).strip()
        if not isinstance(raw, str):
            self.problems.add(f"{source.place}: {found.name}: {raw!r} is not a record id")
        elif text.startswith("@") and not source.csv:
            if not source.resolve_refs:
                self.problems.add(f"{source.place}: {found.name}: {text} is a reference, but "
                                  "resolveRefs is false for this file in the plan")
            else:
                self.pending.append((record, found, ("ref", text[1:])))
        elif source.csv:
            self.pending.append((record, found, ("csv", text)))
        elif normalise(text) is None:
            self.problems.add(f"{source.place}: {found.name}: {text!r} is not a record id "
                              "nor an @referenceId")
        else:
            self.pending.append((record, found, ("id", normalise(text) or text)))

    def _id_to_keep(self, sobject: SObject, raw: Any) -> str | None:
        """An Id value is kept when it is a well-formed id of this object; otherwise the
        record gets a new id (and references to the old value still find it)."""
        candidate = normalise(str(raw).strip()) if raw is not None else None
        if candidate is None or not candidate.startswith(sobject.key_prefix):
            return None
        return candidate

    def _kept_ids(self, checked: list[Checked]) -> None:
        seen: dict[str, str] = {}
        for record in checked:
            if record.kept_id is None:
                continue
            if record.kept_id in seen:
                self.problems.add(f"{record.source.place}: Id {record.kept_id} is also the Id "
                                  f"of {seen[record.kept_id]} (DUPLICATE_VALUE)")
            seen[record.kept_id] = record.source.place
        for object_name in sorted({r.sobject.name for r in checked if r.kept_id}):
            ids = [r.kept_id for r in checked if r.kept_id and r.sobject.name == object_name]
            for existing in self._existing(object_name, ids):  # type: ignore[arg-type]
                self.problems.add(f"{seen[existing]}: the org already has a {object_name} with "
                                  f"Id {existing} (DUPLICATE_VALUE); import into a new database "
                                  "or leave the Id column out")

    def _resolve(self, checked: list[Checked]) -> None:
        by_reference: dict[str, int] = {}
        by_old_id: dict[str, int] = {}
        for position, record in enumerate(checked):
            source = record.source
            if source.reference_id and source.save_ref:
                by_reference.setdefault(source.reference_id, position)
            raw = source.values.get("Id") if source.csv else None
            if isinstance(raw, str) and raw.strip():
                by_old_id[raw.strip()] = position
                by_old_id[normalise(raw.strip()) or raw.strip()] = position
        in_org: list[tuple[Checked, Field, str]] = []
        for record, found, (kind, value) in self.pending:
            where = f"{record.source.place}: {found.name}"
            target: int | None = None
            if kind == "ref":
                target = by_reference.get(value)
            elif kind == "csv":
                target = by_old_id.get(value)
                if target is None:
                    target = by_old_id.get(normalise(value) or "")
            if target is not None:
                target_object = checked[target].sobject.name
                if target_object not in found.reference_to:
                    self.problems.add(f"{where}: {'@' if kind == 'ref' else ''}{value} is a "
                                      f"{target_object}, but {record.sobject.name}.{found.name} "
                                      f"points to {' or '.join(found.reference_to)}")
                record.references[found.name] = target
            elif kind == "ref":
                self.problems.add(f"{where}: no record saved the reference @{value} (define it "
                                  "in this file or in an earlier file of the plan with saveRefs)")
            else:
                in_org.append((record, found, normalise(value) or ""))
        self._org_references(in_org)

    def _org_references(self, wanted: list[tuple[Checked, Field, str]]) -> None:
        """References to records already in the org; users who are not there go to the admin
        (an export names owners the sandbox has never heard of)."""
        found_ids: set[str] = set()
        by_object: dict[str, list[str]] = {}
        for _, found, value in wanted:
            for target in found.reference_to:
                by_object.setdefault(target, []).append(value)
        for object_name, ids in by_object.items():
            found_ids |= set(self._existing(object_name, [i for i in ids if i]))
        for record, found, value in wanted:
            if value in found_ids:
                record.references[found.name] = value
            elif found.reference_to == ("User",):
                record.references[found.name] = None
                record.to_admin += 1
            else:
                raw = record.source.values.get(found.name)
                self.problems.add(
                    f"{record.source.place}: {found.name}: no {' or '.join(found.reference_to)} "
                    f"with Id {raw!r} in the import or the org (INVALID_CROSS_REFERENCE_KEY)")

    def _existing(self, object_name: str, ids: list[str]) -> list[str]:
        present: list[str] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            present += [row[0] for row in self.conn.execute(
                f'SELECT Id FROM "{object_name}" WHERE Id IN ({marks})', chunk)]
        return present
