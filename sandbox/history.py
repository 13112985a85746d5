"""History rows the org writes itself when a record changes (pure: rows in, rows out).

Two kinds, as in Salesforce:
- field history (AccountHistory, ContactHistory, LeadHistory, OpportunityFieldHistory): one row
  per tracked field that changed, plus a ``created`` row when a tracked record is created;
- OpportunityHistory: one row on create and whenever Amount, Probability, StageName or
  CloseDate changes, carrying the deal's new state and the previous amount and close date.

The rows returned here lack Id and the system fields; the store adds them (attributed to the
acting user) and inserts them in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.schema import Field, SObject

Row = dict[str, Any]

#: Field-history values longer than this are recorded as changed, without the values
HISTORY_VALUE_LENGTH = 255
OPPORTUNITY_HISTORY_FIELDS = ("Amount", "Probability", "StageName", "CloseDate")
#: OpportunityHistory.ForecastCategory holds the category's API name, not its label
FORECAST_CATEGORY_API_NAMES = {
    "Pipeline": "Pipeline", "Best Case": "BestCase", "Commit": "Forecast",
    "Closed": "Closed", "Omitted": "Omitted",
}
_DATA_TYPES = {
    "string": "Text", "textarea": "TextArea", "picklist": "DynamicEnum",
    "multipicklist": "MultiEnum", "combobox": "DynamicEnum", "email": "Email", "phone": "Phone",
    "url": "Url", "currency": "Currency", "double": "Double", "percent": "Percent",
    "int": "Double", "boolean": "Boolean", "date": "Date", "datetime": "DateTime",
    "reference": "EntityId", "id": "EntityId",
}


def parent_field(history: SObject, parent: SObject) -> str:
    """The lookup of a field-history object to the record it tracks (AccountHistory.AccountId)."""
    for candidate in history.fields:
        if candidate.type == "reference" and candidate.reference_to == (parent.name,):
            return candidate.name
    raise LookupError(f"{history.name} has no lookup to {parent.name}")


def history_field_name(tracked: Field) -> str:
    """Salesforce names a standard lookup's history rows by its relationship (Owner, Account)."""
    if tracked.type == "reference" and not tracked.custom and tracked.relationship_name:
        return tracked.relationship_name
    return tracked.name


def history_value(tracked: Field, value: Any) -> str | None:
    if value is None:
        return None
    if tracked.type == "boolean":
        return "true" if value else "false"
    if tracked.type in ("currency", "double", "percent", "int"):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value)
    if tracked.type == "textarea" and tracked.length > HISTORY_VALUE_LENGTH:
        return None
    return text[:HISTORY_VALUE_LENGTH]


def field_history_rows(sobject: SObject, history: SObject, before: Mapping[str, Any] | None,
                       after: Mapping[str, Any]) -> list[Row]:
    """The field-history rows for one write of a record of ``sobject``."""
    link = parent_field(history, sobject)
    record_id = after["Id"]
    if before is None:
        return [{link: record_id, "Field": "created", "DataType": "Text",
                 "OldValue": None, "NewValue": None}]
    rows = []
    for tracked in sobject.tracked_fields:
        old, new = before.get(tracked.name), after.get(tracked.name)
        if old == new:
            continue
        rows.append({
            link: record_id,
            "Field": history_field_name(tracked),
            "DataType": _DATA_TYPES.get(tracked.type, "Text"),
            "OldValue": history_value(tracked, old),
            "NewValue": history_value(tracked, new),
        })
    return rows


def opportunity_history_row(before: Mapping[str, Any] | None,
                            after: Mapping[str, Any]) -> Row | None:
    """The OpportunityHistory row for one write of a deal, or None when none is due."""
    if before is not None and all(
        before.get(name) == after.get(name) for name in OPPORTUNITY_HISTORY_FIELDS
    ):
        return None
    amount, probability = after.get("Amount"), after.get("Probability")
    expected = (amount * probability / 100.0
                if amount is not None and probability is not None else None)
    category = after.get("ForecastCategoryName")
    return {
        "OpportunityId": after["Id"],
        "StageName": after.get("StageName"),
        "Amount": amount,
        "ExpectedRevenue": expected,
        "CloseDate": after.get("CloseDate"),
        "Probability": probability,
        "ForecastCategory": FORECAST_CATEGORY_API_NAMES.get(str(category), category),
        "PrevAmount": before.get("Amount") if before is not None else None,
        "PrevCloseDate": before.get("CloseDate") if before is not None else None,
    }
