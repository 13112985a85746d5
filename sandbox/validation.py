"""What a write must satisfy before the org accepts it, with Salesforce's errors.

Two stages, as in Salesforce: the request's fields are resolved and their values converted
(:func:`resolve_fields`, :func:`convert_values` — unknown fields, read-only fields, wrong
types, bad ids, restricted picklists, values too long), then the whole record is checked by the
store (required fields, lookups that exist, unique values) and finally by the org's validation
rules (:func:`rule_violations`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.db import to_storage
from sandbox.ids import normalise
from sandbox.schema import TEXT_TYPES, Field, Schema, SObject
from sandbox.security import security_error_message
from sandbox.wire import ErrorItem, SalesforceError

_IGNORED_KEYS = frozenset({"attributes"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_LENGTH_CHECKED = TEXT_TYPES - {"id", "reference", "picklist", "multipicklist"}


def resolve_fields(sobject: SObject, payload: Mapping[str, Any], *,
                   creating: bool) -> list[tuple[Field, Any]]:
    """The payload's fields (matched case-insensitively) with their raw values.

    Raises INVALID_FIELD for a field the object does not have and INVALID_FIELD_FOR_INSERT_UPDATE
    for one the API may not write, as the whole request fails in Salesforce for these.
    """
    resolved: list[tuple[Field, Any]] = []
    read_only: list[str] = []
    for key, value in payload.items():
        if key.lower() in _IGNORED_KEYS:
            continue
        found = sobject.field(key)
        if found is None:
            raise SalesforceError.one(
                400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {sobject.name}")
        if found.name == "Id":
            if creating:
                raise SalesforceError.one(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                          "cannot specify Id in an insert call", ["Id"])
            continue  # the caller names the record elsewhere (URL or collection item)
        if not (found.createable if creating else found.updateable):
            read_only.append(found.name)
            continue
        resolved.append((found, value))
    if read_only:
        raise SalesforceError.one(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                                  security_error_message(read_only), read_only)
    return resolved


def convert_values(schema: Schema, fields: Iterable[tuple[Field, Any]],
                   picklists: Mapping[str, Iterable[str]] | None = None,
                   ) -> tuple[dict[str, Any], list[ErrorItem]]:
    """Stored values for the resolved fields, and the errors of those that do not fit.

    ``picklists`` supplies the allowed values of picklists the org keeps in a table
    (Opportunity.StageName from OpportunityStage); those are restricted.
    """
    values: dict[str, Any] = {}
    errors: list[ErrorItem] = []
    dynamic = {name.lower(): tuple(allowed) for name, allowed in (picklists or {}).items()}
    for found, raw in fields:
        try:
            stored = to_storage(found, raw)
        except (ValueError, TypeError):
            errors.append(ErrorItem(
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of {found.type} from value {raw!r} or request "
                "may be missing a required field", (found.name,)))
            continue
        problem = _value_problem(schema, found, stored, dynamic.get(found.name.lower()))
        if isinstance(problem, ErrorItem):
            errors.append(problem)
            continue
        values[found.name] = problem if problem is not None else stored
    return values, errors


def _value_problem(schema: Schema, found: Field, stored: Any,
                   allowed: tuple[str, ...] | None) -> ErrorItem | Any:
    """An error for ``stored``, or a canonical replacement value, or None when it is fine."""
    if stored is None:
        return None
    label = found.label or found.name
    if found.type == "reference":
        canonical = normalise(stored)
        targets = {t.key_prefix for name in found.reference_to
                   if (t := schema.object(name)) is not None}
        if canonical is None or (targets and canonical[:3] not in targets):
            return ErrorItem("MALFORMED_ID", f"{label}: id value of incorrect type: {stored}",
                             (found.name,))
        return canonical
    if found.type in ("picklist", "multipicklist") and (found.restricted_picklist or allowed):
        choices = allowed if allowed is not None else found.picklist
        by_lower = {choice.lower(): choice for choice in choices}
        parts = stored.split(";") if found.type == "multipicklist" else [stored]
        canonical_parts = [by_lower.get(part.lower()) for part in parts]
        if any(part is None for part in canonical_parts):
            return ErrorItem("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                             f"{label}: bad value for restricted picklist field: {stored}",
                             (found.name,))
        return ";".join(p for p in canonical_parts if p)
    if found.type in _LENGTH_CHECKED and found.length and len(stored) > found.length:
        return ErrorItem("STRING_TOO_LONG",
                         f"{label}: data value too large: {stored} (max length={found.length})",
                         (found.name,))
    if found.type == "email" and not _EMAIL.match(stored):
        return ErrorItem("INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {stored}",
                         (found.name,))
    return None


# -- the org's validation rules ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ValidationRule:
    """A rule an admin would have set up in the org; ``broken`` sees the record as saved."""

    object_name: str
    name: str
    field: str
    message: str
    broken: Callable[[Mapping[str, Any]], bool]


def _negative(name: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda row: row.get(name) is not None and row[name] < 0


def _ends_before_start(row: Mapping[str, Any]) -> bool:
    start, end = row.get("StartDateTime"), row.get("EndDateTime")
    return start is not None and end is not None and end < start


RULES: tuple[ValidationRule, ...] = (
    ValidationRule("Opportunity", "Amount_Not_Negative", "Amount",
                   "Amount cannot be negative.", _negative("Amount")),
    ValidationRule("Opportunity", "Probability_In_Range", "Probability",
                   "Probability must be between 0 and 100.",
                   lambda row: row.get("Probability") is not None
                   and not 0 <= row["Probability"] <= 100),
    ValidationRule("Account", "Employees_Not_Negative", "NumberOfEmployees",
                   "Employees cannot be negative.", _negative("NumberOfEmployees")),
    ValidationRule("Event", "End_After_Start", "EndDateTime",
                   "The event must end after it starts.", _ends_before_start),
)


def rule_violations(object_name: str, row: Mapping[str, Any]) -> list[ErrorItem]:
    return [
        ErrorItem("FIELD_CUSTOM_VALIDATION_EXCEPTION", rule.message, (rule.field,))
        for rule in RULES
        if rule.object_name == object_name and rule.broken(row)
    ]
