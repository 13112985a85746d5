"""Describe results built from the schema: global, per object (basic and full), per field.

Key sets follow Salesforce's (see SALESFORCE_API.md §5), so generic tools find every key they
read. Values are honest: createable/updateable/nillable come from the schema, StageName's
picklist from the org's OpportunityStage rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandbox.schema import Field, Schema, SObject

_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
    "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
    "date": "xsd:date", "datetime": "xsd:dateTime",
}
_NUMERIC = {"currency": (18, 2), "double": (18, 2), "percent": (3, 0)}
_CASCADE_CHILDREN = {("Account", "Contact"), ("Account", "Opportunity")}
_SYSTEM_DEFAULTED = frozenset({"Id", "OwnerId", "CreatedDate", "CreatedById",
                               "LastModifiedDate", "LastModifiedById", "SystemModstamp",
                               "IsDeleted"})


def urls(sobject: SObject, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{sobject.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "describe": f"{base}/describe",
        "sobject": base,
        "layouts": f"{base}/describe/layouts",
        "quickActions": f"{base}/quickActions",
    }


def object_summary(sobject: SObject, version: str) -> dict[str, Any]:
    """An entry of describe global (and ``objectDescribe`` of the basic info)."""
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": sobject.createable, "custom": sobject.custom, "customSetting": False,
        "deepCloneable": False, "deletable": sobject.deletable, "deprecatedAndHidden": False,
        "feedEnabled": False, "hasSubtypes": False, "isInterface": False, "isSubtype": False,
        "keyPrefix": sobject.key_prefix, "label": sobject.label,
        "labelPlural": sobject.label_plural, "layoutable": sobject.createable,
        "mergeable": sobject.name in ("Account", "Contact", "Lead"), "mruEnabled": True,
        "name": sobject.name, "queryable": True, "replicateable": True, "retrieveable": True,
        "searchable": sobject.createable, "triggerable": sobject.createable,
        "undeletable": sobject.deletable, "updateable": sobject.updateable,
        "urls": {key: value for key, value in urls(sobject, version).items()
                 if key in ("rowTemplate", "defaultValues", "describe", "sobject")},
    }


def describe_global(schema: Schema, version: str) -> dict[str, Any]:
    return {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [object_summary(o, version) for o in schema.objects]}


def field_describe(sobject: SObject, found: Field,
                   picklist: Sequence[str] | None = None) -> dict[str, Any]:
    kind = found.type
    is_text = _SOAP_TYPES.get(kind) is None
    length = 18 if kind in ("id", "reference") else (found.length if is_text else 0)
    precision, scale = _NUMERIC.get(kind, (0, 0))
    values = list(picklist if picklist is not None else found.picklist)
    is_long_text = kind == "textarea" and found.length > 255
    defaulted = (found.default is not None or kind == "boolean"
                 or found.name in _SYSTEM_DEFAULTED or found.derived)
    return {
        "aggregatable": not is_long_text, "aiPredictionField": False, "autoNumber": False,
        "byteLength": length * 3 if is_text else length, "calculated": False,
        "calculatedFormula": None, "cascadeDelete": False, "caseSensitive": False,
        "compoundFieldName": None, "controllerName": None,
        "createable": found.createable and sobject.createable, "custom": found.custom,
        "defaultValue": found.default if kind != "boolean" else bool(found.default),
        "defaultValueFormula": None, "defaultedOnCreate": defaulted,
        "dependentPicklist": False, "deprecatedAndHidden": False,
        "digits": 9 if kind == "int" else 0, "displayLocationInDecimal": False,
        "encrypted": False, "externalId": found.external_id,
        "extraTypeInfo": "plaintextarea" if kind == "textarea" else None,
        "filterable": not is_long_text, "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False, "groupable": not is_long_text
        and kind not in _NUMERIC and kind != "datetime",
        "highScaleNumber": False, "htmlFormatted": False,
        "idLookup": kind == "id" or found.external_id or found.name == "Username",
        "inlineHelpText": None, "label": found.label or found.name, "length": length,
        "mask": None, "maskType": None, "name": found.name, "nameField": found.name_field,
        "namePointing": len(found.reference_to) > 1, "nillable": found.nillable,
        "permissionable": found.nillable and found.createable and not found.derived,
        "picklistValues": [
            {"active": True, "defaultValue": value == found.default, "label": value,
             "validFor": None, "value": value}
            for value in values
        ],
        "polymorphicForeignKey": len(found.reference_to) > 1, "precision": precision,
        "queryByDistance": False, "referenceTargetField": None,
        "referenceTo": list(found.reference_to), "relationshipName": found.relationship_name,
        "relationshipOrder": None, "restrictedDelete": False,
        "restrictedPicklist": found.restricted_picklist or picklist is not None,
        "scale": scale, "searchPrefilterable": kind == "reference",
        "soapType": _SOAP_TYPES.get(kind, "xsd:string"), "sortable": not is_long_text,
        "type": kind, "unique": found.unique,
        "updateable": found.updateable and sobject.updateable,
        "writeRequiresMasterRead": False,
    }


def child_relationships(schema: Schema, sobject: SObject) -> list[dict[str, Any]]:
    """Every lookup pointing at ``sobject``: named ones usable in subqueries, others null."""
    entries = []
    for child in schema.objects:
        for lookup in child.fields:
            if lookup.type != "reference" or sobject.name not in lookup.reference_to:
                continue
            entries.append({
                "cascadeDelete": (sobject.name, child.name) in _CASCADE_CHILDREN,
                "childSObject": child.name, "deprecatedAndHidden": False,
                "field": lookup.name, "junctionIdListNames": [], "junctionReferenceTo": [],
                "relationshipName": lookup.child_relationship, "restrictedDelete": False,
            })
    return entries


def describe_object(schema: Schema, sobject: SObject, version: str,
                    stage_names: Sequence[str] = ()) -> dict[str, Any]:
    """The full describe of one object (``/sobjects/{Name}/describe``)."""
    base = f"/services/data/v{version}/sobjects/{sobject.name}"
    master = "012000000000000AAA"
    summary = object_summary(sobject, version)
    summary.pop("urls")
    fields = [
        field_describe(sobject, f, stage_names if (sobject.name, f.name) == (
            "Opportunity", "StageName") and stage_names else None)
        for f in sobject.fields
    ]
    return {
        "actionOverrides": [], **summary,
        "childRelationships": child_relationships(schema, sobject),
        "compactLayoutable": sobject.createable, "fields": fields,
        "listviewable": None, "lookupLayoutable": None, "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "recordTypeInfos": [{
            "active": True, "available": True, "defaultRecordTypeMapping": True,
            "developerName": "Master", "master": True, "name": "Master",
            "recordTypeId": master, "urls": {"layout": f"{base}/describe/layouts/{master}"},
        }],
        "searchLayoutable": sobject.createable,
        "supportedScopes": [{"label": f"All {sobject.label_plural.lower()}",
                             "name": "everything"}],
        "urls": urls(sobject, version),
    }
