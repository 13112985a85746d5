"""What the engine knows of Salesforce's standard objects, to check rules before an org is at hand.

Rule files name objects, fields and relationships; a typo there must be an error with a location,
not an empty result at run time. Without an org we check against the standard objects below;
with describe metadata (``Mapping[object, Mapping[field, FieldInfo]]``) the org's own fields win
for the objects it describes. Custom fields (``__c``) of an object we have no describe for are
accepted: there is nothing to check them against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.model import FieldInfo

_AUDIT = (
    "Id:id CreatedDate:datetime CreatedById:reference LastModifiedDate:datetime "
    "LastModifiedById:reference SystemModstamp:datetime IsDeleted:boolean"
)
_HISTORY = (
    "Id:id Field:picklist OldValue:anytype NewValue:anytype DataType:picklist "
    "CreatedById:reference CreatedDate:datetime IsDeleted:boolean"
)

# object -> space-separated "Field:type" tokens (standard fields only).
_FIELDS: dict[str, str] = {
    "Account": _AUDIT + " Name:string Type:picklist ParentId:reference BillingStreet:textarea "
    "BillingCity:string BillingState:string BillingPostalCode:string BillingCountry:string "
    "BillingStateCode:picklist BillingCountryCode:picklist ShippingStreet:textarea "
    "ShippingCity:string ShippingState:string ShippingPostalCode:string ShippingCountry:string "
    "ShippingStateCode:picklist ShippingCountryCode:picklist Phone:phone Fax:phone "
    "AccountNumber:string Website:url Sic:string Industry:picklist AnnualRevenue:currency "
    "NumberOfEmployees:int Ownership:picklist TickerSymbol:string Description:textarea "
    "Rating:picklist Site:string OwnerId:reference LastActivityDate:date AccountSource:picklist "
    "MasterRecordId:reference",
    "Contact": _AUDIT + " AccountId:reference LastName:string FirstName:string "
    "Salutation:picklist Name:string OtherStreet:textarea OtherCity:string OtherState:string "
    "OtherPostalCode:string OtherCountry:string MailingStreet:textarea MailingCity:string "
    "MailingState:string MailingPostalCode:string MailingCountry:string MailingStateCode:picklist "
    "MailingCountryCode:picklist Phone:phone Fax:phone MobilePhone:phone HomePhone:phone "
    "OtherPhone:phone AssistantPhone:phone ReportsToId:reference Email:email Title:string "
    "Department:string AssistantName:string LeadSource:picklist Birthdate:date "
    "Description:textarea OwnerId:reference HasOptedOutOfEmail:boolean DoNotCall:boolean "
    "LastActivityDate:date LastCURequestDate:datetime LastCUUpdateDate:datetime "
    "EmailBouncedReason:string EmailBouncedDate:datetime MasterRecordId:reference",
    "Lead": _AUDIT + " LastName:string FirstName:string Salutation:picklist Name:string "
    "Title:string Company:string Street:textarea City:string State:string PostalCode:string "
    "Country:string StateCode:picklist CountryCode:picklist Phone:phone MobilePhone:phone "
    "Fax:phone Email:email Website:url Description:textarea LeadSource:picklist Status:picklist "
    "Industry:picklist Rating:picklist AnnualRevenue:currency NumberOfEmployees:int "
    "OwnerId:reference IsConverted:boolean ConvertedDate:date ConvertedAccountId:reference "
    "ConvertedContactId:reference ConvertedOpportunityId:reference IsUnreadByOwner:boolean "
    "LastActivityDate:date HasOptedOutOfEmail:boolean DoNotCall:boolean "
    "EmailBouncedReason:string EmailBouncedDate:datetime MasterRecordId:reference",
    "Opportunity": _AUDIT + " AccountId:reference Name:string Description:textarea "
    "StageName:picklist Amount:currency Probability:percent ExpectedRevenue:currency "
    "TotalOpportunityQuantity:double CloseDate:date Type:picklist NextStep:string "
    "LeadSource:picklist IsClosed:boolean IsWon:boolean ForecastCategory:picklist "
    "ForecastCategoryName:picklist CampaignId:reference HasOpportunityLineItem:boolean "
    "Pricebook2Id:reference OwnerId:reference LastActivityDate:date FiscalQuarter:int "
    "FiscalYear:int Fiscal:string LastStageChangeDate:datetime IsPrivate:boolean",
    "User": "Id:id Username:string Name:string FirstName:string LastName:string Email:email "
    "IsActive:boolean ProfileId:reference ManagerId:reference UserRoleId:reference Title:string "
    "Department:string Alias:string TimeZoneSidKey:picklist CreatedDate:datetime "
    "Street:textarea City:string State:string PostalCode:string Country:string Phone:phone "
    "MobilePhone:phone "
    "LastLoginDate:datetime SystemModstamp:datetime",
    "Profile": "Id:id Name:string Description:string UserLicenseId:reference UserType:picklist "
    "CreatedDate:datetime SystemModstamp:datetime",
    "PermissionSet": "Id:id Name:string Label:string Description:string IsOwnedByProfile:boolean "
    "ProfileId:reference IsCustom:boolean NamespacePrefix:string LicenseId:reference "
    "CreatedDate:datetime SystemModstamp:datetime",
    "FieldPermissions": "Id:id ParentId:reference SobjectType:picklist Field:string "
    "PermissionsRead:boolean PermissionsEdit:boolean SystemModstamp:datetime",
    "PermissionSetAssignment": "Id:id AssigneeId:reference PermissionSetId:reference "
    "SystemModstamp:datetime",
    "OpportunityStage": "Id:id ApiName:string MasterLabel:string SortOrder:int IsActive:boolean "
    "IsClosed:boolean IsWon:boolean DefaultProbability:percent ForecastCategory:picklist "
    "ForecastCategoryName:picklist Description:string",
    "OpportunityHistory": "Id:id OpportunityId:reference StageName:picklist Amount:currency "
    "CloseDate:date Probability:percent ForecastCategory:picklist PrevAmount:currency "
    "PrevCloseDate:date ExpectedRevenue:currency CreatedById:reference CreatedDate:datetime "
    "SystemModstamp:datetime IsDeleted:boolean",
    "OpportunityFieldHistory": _HISTORY + " OpportunityId:reference",
    "AccountHistory": _HISTORY + " AccountId:reference",
    "ContactHistory": _HISTORY + " ContactId:reference",
    "LeadHistory": _HISTORY + " LeadId:reference",
    "Task": _AUDIT + " WhoId:reference WhatId:reference Subject:string ActivityDate:date "
    "Status:picklist Priority:picklist OwnerId:reference Description:textarea IsClosed:boolean "
    "TaskSubtype:picklist Type:picklist CompletedDateTime:datetime",
    "Event": _AUDIT + " WhoId:reference WhatId:reference Subject:string ActivityDate:date "
    "ActivityDateTime:datetime StartDateTime:datetime EndDateTime:datetime "
    "DurationInMinutes:int OwnerId:reference Description:textarea Type:picklist",
    "Note": _AUDIT + " ParentId:reference Title:string Body:textarea IsPrivate:boolean "
    "OwnerId:reference",
    "ContentDocumentLink": "Id:id LinkedEntityId:reference ContentDocumentId:reference "
    "ShareType:picklist Visibility:picklist IsDeleted:boolean SystemModstamp:datetime",
    "ContentDocument": _AUDIT + " Title:string FileType:string FileExtension:string "
    "OwnerId:reference LatestPublishedVersionId:reference",
}

#: object -> relationship name -> parent object (lookups usable as ``Owner.ManagerId``).
_PARENTS: dict[str, dict[str, str]] = {
    "Account": {"Owner": "User", "Parent": "Account", "CreatedBy": "User",
                "LastModifiedBy": "User"},
    "Contact": {"Account": "Account", "Owner": "User", "ReportsTo": "Contact",
                "CreatedBy": "User", "LastModifiedBy": "User"},
    "Lead": {"Owner": "User", "ConvertedAccount": "Account", "ConvertedContact": "Contact",
             "ConvertedOpportunity": "Opportunity", "CreatedBy": "User",
             "LastModifiedBy": "User"},
    "Opportunity": {"Account": "Account", "Owner": "User", "CreatedBy": "User",
                    "LastModifiedBy": "User"},
    "User": {"Manager": "User", "Profile": "Profile"},
    "PermissionSet": {"Profile": "Profile"},
    "FieldPermissions": {"Parent": "PermissionSet"},
    "PermissionSetAssignment": {"Assignee": "User", "PermissionSet": "PermissionSet"},
    "ContentDocumentLink": {"ContentDocument": "ContentDocument"},
    "Task": {"Owner": "User", "CreatedBy": "User"},
    "Event": {"Owner": "User", "CreatedBy": "User"},
    "Note": {"Owner": "User", "CreatedBy": "User"},
    "OpportunityHistory": {"CreatedBy": "User", "Opportunity": "Opportunity"},
    "OpportunityFieldHistory": {"CreatedBy": "User", "Opportunity": "Opportunity"},
    "AccountHistory": {"CreatedBy": "User", "Account": "Account"},
    "ContactHistory": {"CreatedBy": "User", "Contact": "Contact"},
    "LeadHistory": {"CreatedBy": "User", "Lead": "Lead"},
}

#: object -> child relationship name -> child object (the ones the sandbox and rules use).
_CHILDREN: dict[str, dict[str, str]] = {
    "Account": {"Contacts": "Contact", "Opportunities": "Opportunity", "Tasks": "Task",
                "Events": "Event", "Notes": "Note", "Histories": "AccountHistory",
                "ContentDocumentLinks": "ContentDocumentLink"},
    "Contact": {"Tasks": "Task", "Events": "Event", "Notes": "Note",
                "Histories": "ContactHistory"},
    "Lead": {"Tasks": "Task", "Events": "Event", "Notes": "Note", "Histories": "LeadHistory"},
    "Opportunity": {"OpportunityHistories": "OpportunityHistory",
                    "Histories": "OpportunityFieldHistory", "Tasks": "Task", "Events": "Event",
                    "Notes": "Note", "ContentDocumentLinks": "ContentDocumentLink"},
    "PermissionSet": {"FieldPerms": "FieldPermissions", "Assignments": "PermissionSetAssignment"},
}

#: Objects whose records carry an OwnerId (findings are routed to the owner).
OWNED_OBJECTS = frozenset({"Account", "Contact", "Lead", "Opportunity", "Task", "Event", "Note"})

#: The field that names a record in messages.
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "Account": ("Name",), "Contact": ("Name",), "Lead": ("Name",), "Opportunity": ("Name",),
    "PermissionSet": ("Name", "Label"), "User": ("Name",),
}


def _parse(tokens: str) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = {}
    for token in tokens.split():
        name, type_ = token.split(":")
        fields[name] = FieldInfo(name=name, type=type_)
    return fields


STANDARD_FIELDS: dict[str, dict[str, FieldInfo]] = {obj: _parse(t) for obj, t in _FIELDS.items()}


@dataclass(frozen=True, slots=True)
class PathProblem:
    """Why a field path does not resolve, and what the admin probably meant."""

    message: str
    #: the name that did not resolve, to compare with the suggestions
    word: str = ""
    suggestions: tuple[str, ...] = ()


class Schema:
    """Objects, fields and relationships a rule may name: the standard ones, refined by describe."""

    def __init__(self, describe: Mapping[str, Mapping[str, FieldInfo]] | None = None) -> None:
        self._describe = dict(describe or {})

    def objects(self) -> list[str]:
        return sorted(set(STANDARD_FIELDS) | set(self._describe))

    def has_object(self, name: str) -> bool:
        return name in STANDARD_FIELDS or name in self._describe

    def fields(self, obj: str) -> Mapping[str, FieldInfo]:
        described = self._describe.get(obj)
        if described is not None:
            return described
        return STANDARD_FIELDS.get(obj, {})

    def is_described(self, obj: str) -> bool:
        return obj in self._describe

    def field(self, obj: str, name: str) -> FieldInfo | None:
        return self.fields(obj).get(name)

    def parents(self, obj: str) -> dict[str, str]:
        parents = dict(_PARENTS.get(obj, {}))
        for info in self._describe.get(obj, {}).values():
            if info.relationship_name and info.reference_to:
                parents[info.relationship_name] = info.reference_to[0]
        return parents

    def children(self, obj: str) -> Mapping[str, str]:
        return _CHILDREN.get(obj, {})

    def resolve(self, obj: str, path: str) -> FieldInfo | PathProblem:
        """Follow ``Owner.Manager.Email`` from ``obj`` to the last field's info."""
        parts = path.split(".")
        current = obj
        for hop in parts[:-1]:
            target = self.parents(current).get(hop)
            if target is None:
                return PathProblem(f"unknown relationship '{hop}' on {current}", hop,
                                   tuple(sorted(self.parents(current))))
            current = target
        last = parts[-1]
        info = self.field(current, last)
        if info is not None:
            return info
        if last.endswith("__c") and not self.is_described(current):
            return FieldInfo(name=last, type="anytype")
        return PathProblem(f"unknown field '{last}' on {current}", last,
                           tuple(self.fields(current)))


def field_infos_from_describe(describe: Mapping[str, object]) -> dict[str, FieldInfo]:
    """Turn one object's describe JSON (``sf.Account.describe()``) into FieldInfo by name."""
    out: dict[str, FieldInfo] = {}
    raw_fields = describe.get("fields")
    for raw in raw_fields if isinstance(raw_fields, list) else ():
        if not isinstance(raw, Mapping) or "name" not in raw:
            continue
        picklist = tuple(
            str(value.get("value"))
            for value in raw.get("picklistValues") or []
            if isinstance(value, Mapping) and value.get("active", True)
        )
        out[str(raw["name"])] = FieldInfo(
            name=str(raw["name"]),
            type=str(raw.get("type", "string")),
            label=str(raw.get("label") or ""),
            updateable=bool(raw.get("updateable", True)),
            nillable=bool(raw.get("nillable", True)),
            picklist_values=picklist,
            reference_to=tuple(raw.get("referenceTo") or ()),
            relationship_name=raw.get("relationshipName"),
        )
    return out
