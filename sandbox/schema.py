"""The sandbox org's objects and fields: what describe reports, what SOQL may name, what the
store keeps.

Storage convention (shared by the store, the SOQL compiler, the seed and the importer): one
SQLite table per object, named as the object; one column per field, named as the field.
SQLite's identifiers are case-insensitive, as SOQL's are. Values are stored as: id/reference/
text kinds -> TEXT (ids always in 18-character form); boolean -> INTEGER 0/1; int -> INTEGER;
double/currency/percent -> REAL; date -> TEXT ``YYYY-MM-DD``; datetime -> TEXT
``YYYY-MM-DDTHH:MM:SS.mmm+0000`` (always UTC, so text order is time order).

Custom fields (``__c``) are declared per database and added with :meth:`Schema.with_custom`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

TEXT_TYPES = frozenset(
    {"id", "reference", "string", "textarea", "picklist", "multipicklist", "email", "phone",
     "url", "combobox"}
)
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
FIELD_TYPES = TEXT_TYPES | NUMBER_TYPES | {"boolean", "int", "date", "datetime"}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    #: name of the child relationship this lookup creates on each parent (e.g. "Contacts")
    child_relationship: str | None = None
    picklist: tuple[str, ...] = ()
    restricted_picklist: bool = False
    default: object = None
    custom: bool = False
    name_field: bool = False
    external_id: bool = False
    unique: bool = False
    #: field history is kept for this field (Salesforce allows up to 20 per object)
    tracked: bool = False
    #: filled by the store (Name from FirstName + LastName, IsClosed from StageName, ...)
    derived: bool = False

    @property
    def sql_type(self) -> str:
        if self.type in ("boolean", "int"):
            return "INTEGER"
        if self.type in NUMBER_TYPES:
            return "REAL"
        return "TEXT"

    @property
    def required_on_create(self) -> bool:
        return (not self.nillable and self.createable and self.default is None
                and self.type != "boolean" and not self.derived)


@dataclass(frozen=True, slots=True)
class ChildRelationship:
    name: str
    child_object: str
    field: str


@dataclass(frozen=True, slots=True)
class SObject:
    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: tuple[Field, ...]
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    #: the history object written when a tracked field changes ("AccountHistory")
    history_object: str | None = None
    custom: bool = False
    _by_lower: Mapping[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_lower", MappingProxyType({f.name.lower(): f for f in self.fields})
        )

    def field(self, name: str) -> Field | None:
        """The field called ``name``, case-insensitively (as SOQL and the REST API match)."""
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> Field | None:
        """The lookup field whose relationship is called ``name`` (``Owner`` -> OwnerId)."""
        lowered = name.lower()
        for candidate in self.fields:
            if candidate.relationship_name and candidate.relationship_name.lower() == lowered:
                return candidate
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def tracked_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.tracked)


# -- field constructors: short names keep the object tables below readable ----------------

def _id() -> Field:
    return Field("Id", "id", "Record ID", 18, nillable=False, createable=False, updateable=False)


def text(name: str, label: str = "", length: int = 255, **kw: Any) -> Field:
    return Field(name, "string", label or name, length, **kw)


def area(name: str, label: str = "", length: int = 32000, **kw: Any) -> Field:
    return Field(name, "textarea", label or name, length, **kw)


def typed(name: str, kind: str, label: str = "", **kw: Any) -> Field:
    return Field(name, kind, label or name, **kw)


def pick(name: str, values: Iterable[str], label: str = "", **kw: Any) -> Field:
    return Field(name, "picklist", label or name, 255, picklist=tuple(values), **kw)


def ref(name: str, to: str | tuple[str, ...], relationship: str, child: str | None = None,
        label: str = "", **kw: Any) -> Field:
    targets = (to,) if isinstance(to, str) else to
    return Field(name, "reference", label or name, 18, reference_to=targets,
                 relationship_name=relationship, child_relationship=child, **kw)


def flag(name: str, label: str = "", default: bool = False, **kw: Any) -> Field:
    return Field(name, "boolean", label or name, nillable=False, default=default, **kw)


def _system(owner: bool = True) -> tuple[Field, ...]:
    fields = [
        flag("IsDeleted", "Deleted", createable=False, updateable=False),
        typed("CreatedDate", "datetime", "Created Date", nillable=False, createable=False,
              updateable=False, derived=True),
        ref("CreatedById", "User", "CreatedBy", label="Created By ID", nillable=False,
            createable=False, updateable=False, derived=True),
        typed("LastModifiedDate", "datetime", "Last Modified Date", nillable=False,
              createable=False, updateable=False, derived=True),
        ref("LastModifiedById", "User", "LastModifiedBy", label="Last Modified By ID",
            nillable=False, createable=False, updateable=False, derived=True),
        typed("SystemModstamp", "datetime", "System Modstamp", nillable=False, createable=False,
              updateable=False, derived=True),
    ]
    if owner:
        fields.append(ref("OwnerId", "User", "Owner", label="Owner ID", tracked=True))
    return tuple(fields)


def _address(prefix: str, label: str) -> tuple[Field, ...]:
    return (
        area(f"{prefix}Street", f"{label} Street", 255),
        text(f"{prefix}City", f"{label} City", 40),
        text(f"{prefix}State", f"{label} State/Province", 80),
        text(f"{prefix}PostalCode", f"{label} Zip/Postal Code", 20),
        text(f"{prefix}Country", f"{label} Country", 80),
    )


def _history(name: str, prefix: str, parent: str, parent_field: str) -> SObject:
    """A field-history object (AccountHistory, ...): written by the org, read-only to the API."""
    return SObject(
        name, prefix, f"{parent} History", f"{parent} History",
        (
            _id(),
            ref(parent_field, parent, parent, child="Histories", createable=False,
                updateable=False, nillable=False),
            text("Field", "Changed Field", 255, createable=False, updateable=False),
            text("DataType", "Data Type", 40, createable=False, updateable=False),
            text("OldValue", "Old Value", 255, createable=False, updateable=False),
            text("NewValue", "New Value", 255, createable=False, updateable=False),
            *_system(owner=False),
        ),
        createable=False, updateable=False, deletable=False,
    )


STAGES = (
    # name, sort order, closed, won, default probability, forecast category
    ("Prospecting", 1, False, False, 10.0, "Pipeline"),
    ("Qualification", 2, False, False, 10.0, "Pipeline"),
    ("Needs Analysis", 3, False, False, 20.0, "Pipeline"),
    ("Value Proposition", 4, False, False, 50.0, "Pipeline"),
    ("Id. Decision Makers", 5, False, False, 60.0, "Pipeline"),
    ("Perception Analysis", 6, False, False, 70.0, "Pipeline"),
    ("Proposal/Price Quote", 7, False, False, 75.0, "Pipeline"),
    ("Negotiation/Review", 8, False, False, 90.0, "Pipeline"),
    ("Closed Won", 9, True, True, 100.0, "Closed"),
    ("Closed Lost", 10, True, False, 0.0, "Omitted"),
)
STAGE_NAMES = tuple(stage[0] for stage in STAGES)
FORECAST_CATEGORIES = ("Omitted", "Pipeline", "Best Case", "Commit", "Closed")
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted")
INDUSTRIES = ("Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals",
              "Communications", "Construction", "Consulting", "Education", "Electronics",
              "Energy", "Engineering", "Entertainment", "Environmental", "Finance",
              "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance",
              "Machinery", "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail",
              "Shipping", "Technology", "Telecommunications", "Transportation", "Utilities",
              "Other")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
ACTIVITY_PARENTS = ("Account", "Opportunity")  # WhatId targets
PEOPLE = ("Contact", "Lead")  # WhoId targets
NOTE_PARENTS = ("Account", "Contact", "Lead", "Opportunity")


def _objects() -> tuple[SObject, ...]:
    return (
        SObject("User", "005", "User", "Users", (
            _id(),
            text("Username", "Username", 80, nillable=False, unique=True),
            text("FirstName", "First Name", 40),
            text("LastName", "Last Name", 80, nillable=False),
            text("Name", "Full Name", 121, createable=False, updateable=False, derived=True,
                 name_field=True),
            typed("Email", "email", "Email", length=128, nillable=False),
            text("Alias", "Alias", 8),
            text("Title", "Title", 80),
            text("Department", "Department", 80),
            flag("IsActive", "Active", default=True),
            ref("ManagerId", "User", "Manager", label="Manager ID"),
            ref("ProfileId", "Profile", "Profile", label="Profile ID", nillable=False),
            text("TimeZoneSidKey", "Time Zone", 40, default="GMT"),
            *_system(owner=False),
        ), deletable=False),
        SObject("Profile", "00e", "Profile", "Profiles", (
            _id(), text("Name", "Name", 255, nillable=False, name_field=True),
            text("Description", "Description", 255), *_system(owner=False),
        )),
        SObject("PermissionSet", "0PS", "Permission Set", "Permission Sets", (
            _id(),
            text("Name", "Name", 80, nillable=False),
            text("Label", "Label", 80, nillable=False, name_field=True),
            flag("IsOwnedByProfile", "Is Owned By Profile", createable=False,
                 updateable=False),
            ref("ProfileId", "Profile", "Profile", label="Profile ID", createable=False,
                updateable=False),
            *_system(owner=False),
        )),
        SObject("PermissionSetAssignment", "0Pa", "Permission Set Assignment",
                "Permission Set Assignments", (
            _id(),
            ref("AssigneeId", "User", "Assignee", label="Assignee ID", nillable=False,
                updateable=False),
            ref("PermissionSetId", "PermissionSet", "PermissionSet", child="Assignments",
                label="Permission Set ID", nillable=False, updateable=False),
            *_system(owner=False),
        ), updateable=False),
        SObject("FieldPermissions", "01k", "Field Permissions", "Field Permissions", (
            _id(),
            ref("ParentId", "PermissionSet", "Parent", child="FieldPerms", label="Parent ID",
                nillable=False, updateable=False),
            text("SobjectType", "Sobject Type Name", 40, nillable=False, updateable=False),
            text("Field", "Field Name", 255, nillable=False, updateable=False),
            flag("PermissionsRead", "Read Access"),
            flag("PermissionsEdit", "Edit Access"),
            *_system(owner=False),
        )),
        SObject("Account", "001", "Account", "Accounts", (
            _id(),
            text("Name", "Account Name", 255, nillable=False, name_field=True, tracked=True),
            pick("Type", ("Prospect", "Customer - Direct", "Customer - Channel",
                          "Channel Partner / Reseller", "Installation Partner",
                          "Technology Partner", "Other"), "Account Type"),
            pick("Industry", INDUSTRIES, "Industry", tracked=True),
            pick("Rating", ("Hot", "Warm", "Cold"), "Account Rating", tracked=True),
            typed("Phone", "phone", "Account Phone", length=40, tracked=True),
            typed("Fax", "phone", "Account Fax", length=40),
            typed("Website", "url", "Website", length=255),
            text("AccountNumber", "Account Number", 40),
            text("Site", "Account Site", 80),
            *_address("Billing", "Billing"), *_address("Shipping", "Shipping"),
            typed("AnnualRevenue", "currency", "Annual Revenue", tracked=True),
            typed("NumberOfEmployees", "int", "Employees"),
            area("Description", "Account Description"),
            ref("ParentId", "Account", "Parent", child="ChildAccounts", label="Parent Account ID"),
            typed("LastActivityDate", "date", "Last Activity", createable=False,
                  updateable=False, derived=True),
            *_system(),
        ), history_object="AccountHistory"),
        SObject("Contact", "003", "Contact", "Contacts", (
            _id(),
            pick("Salutation", ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof."), "Salutation"),
            text("FirstName", "First Name", 40, tracked=True),
            text("LastName", "Last Name", 80, nillable=False, tracked=True),
            text("Name", "Full Name", 121, createable=False, updateable=False, derived=True,
                 name_field=True),
            ref("AccountId", "Account", "Account", child="Contacts", label="Account ID",
                tracked=True),
            ref("ReportsToId", "Contact", "ReportsTo", label="Reports To ID"),
            text("Title", "Title", 128),
            text("Department", "Department", 80),
            typed("Email", "email", "Email", length=80, tracked=True),
            typed("Phone", "phone", "Business Phone", length=40, tracked=True),
            typed("MobilePhone", "phone", "Mobile Phone", length=40),
            *_address("Mailing", "Mailing"),
            pick("LeadSource", LEAD_SOURCES, "Lead Source"),
            typed("Birthdate", "date", "Birthdate"),
            area("Description", "Contact Description"),
            typed("LastActivityDate", "date", "Last Activity", createable=False,
                  updateable=False, derived=True),
            *_system(),
        ), history_object="ContactHistory"),
        SObject("Lead", "00Q", "Lead", "Leads", (
            _id(),
            pick("Salutation", ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof."), "Salutation"),
            text("FirstName", "First Name", 40, tracked=True),
            text("LastName", "Last Name", 80, nillable=False, tracked=True),
            text("Name", "Full Name", 121, createable=False, updateable=False, derived=True,
                 name_field=True),
            text("Company", "Company", 255, tracked=True),
            text("Title", "Title", 128),
            typed("Email", "email", "Email", length=80, tracked=True),
            typed("Phone", "phone", "Phone", length=40, tracked=True),
            typed("MobilePhone", "phone", "Mobile Phone", length=40),
            typed("Website", "url", "Website", length=255),
            pick("Status", LEAD_STATUSES, "Lead Status", nillable=False,
                 default="Open - Not Contacted", tracked=True),
            pick("LeadSource", LEAD_SOURCES, "Lead Source"),
            pick("Industry", INDUSTRIES, "Industry"),
            pick("Rating", ("Hot", "Warm", "Cold"), "Rating"),
            area("Street", "Street", 255), text("City", "City", 40),
            text("State", "State/Province", 80), text("PostalCode", "Zip/Postal Code", 20),
            text("Country", "Country", 80),
            typed("AnnualRevenue", "currency", "Annual Revenue"),
            typed("NumberOfEmployees", "int", "Employees"),
            area("Description", "Description"),
            flag("IsConverted", "Converted", updateable=False),
            ref("ConvertedAccountId", "Account", "ConvertedAccount", createable=False,
                updateable=False),
            ref("ConvertedContactId", "Contact", "ConvertedContact", createable=False,
                updateable=False),
            typed("LastActivityDate", "date", "Last Activity", createable=False,
                  updateable=False, derived=True),
            *_system(),
        ), history_object="LeadHistory"),
        SObject("Opportunity", "006", "Opportunity", "Opportunities", (
            _id(),
            text("Name", "Name", 120, nillable=False, name_field=True),
            ref("AccountId", "Account", "Account", child="Opportunities", label="Account ID",
                tracked=True),
            pick("StageName", STAGE_NAMES, "Stage", nillable=False, tracked=True),
            typed("Amount", "currency", "Amount", tracked=True),
            typed("Probability", "percent", "Probability (%)", tracked=True),
            typed("CloseDate", "date", "Close Date", nillable=False, tracked=True),
            pick("Type", ("Existing Customer - Upgrade", "Existing Customer - Replacement",
                          "Existing Customer - Downgrade", "New Customer"), "Opportunity Type"),
            pick("LeadSource", LEAD_SOURCES, "Lead Source"),
            text("NextStep", "Next Step", 255, tracked=True),
            area("Description", "Description", tracked=True),
            pick("ForecastCategoryName", FORECAST_CATEGORIES, "Forecast Category",
                 tracked=True),
            flag("IsClosed", "Closed", createable=False, updateable=False, derived=True),
            flag("IsWon", "Won", createable=False, updateable=False, derived=True),
            typed("LastActivityDate", "date", "Last Activity", createable=False,
                  updateable=False, derived=True),
            typed("LastStageChangeDate", "datetime", "Last Stage Change Date",
                  createable=False, updateable=False, derived=True),
            *_system(),
        ), history_object="OpportunityFieldHistory"),
        SObject("OpportunityStage", "01J", "Opportunity Stage", "Opportunity Stages", (
            _id(),
            text("MasterLabel", "Master Label", 255, nillable=False, name_field=True),
            text("ApiName", "Api Name", 255, nillable=False),
            typed("SortOrder", "int", "Sort Order"),
            flag("IsActive", "Is Active", default=True),
            flag("IsClosed", "Is Closed"),
            flag("IsWon", "Is Won"),
            typed("DefaultProbability", "percent", "Default Probability"),
            pick("ForecastCategoryName", FORECAST_CATEGORIES, "Forecast Category"),
            text("Description", "Description", 255),
            *_system(owner=False),
        )),
        SObject("OpportunityHistory", "008", "Opportunity History", "Opportunity History", (
            _id(),
            ref("OpportunityId", "Opportunity", "Opportunity", child="OpportunityHistories",
                createable=False, updateable=False, nillable=False),
            text("StageName", "Stage", 255, createable=False, updateable=False),
            typed("Amount", "currency", "Amount", createable=False, updateable=False),
            typed("ExpectedRevenue", "currency", "Expected Revenue", createable=False,
                  updateable=False),
            typed("CloseDate", "date", "Close Date", createable=False, updateable=False),
            typed("Probability", "percent", "Probability (%)", createable=False,
                  updateable=False),
            text("ForecastCategory", "Forecast Category", 40, createable=False,
                 updateable=False),
            typed("PrevAmount", "currency", "Previous Amount", createable=False,
                  updateable=False),
            typed("PrevCloseDate", "date", "Previous Close Date", createable=False,
                  updateable=False),
            *_system(owner=False),
        ), createable=False, updateable=False, deletable=False),
        _history("OpportunityFieldHistory", "017", "Opportunity", "OpportunityId"),
        _history("AccountHistory", "017", "Account", "AccountId"),
        _history("ContactHistory", "017", "Contact", "ContactId"),
        _history("LeadHistory", "017", "Lead", "LeadId"),
        SObject("Task", "00T", "Task", "Tasks", (
            _id(),
            ref("WhatId", ACTIVITY_PARENTS, "What", child="Tasks", label="Related To ID"),
            ref("WhoId", PEOPLE, "Who", child="Tasks", label="Name ID"),
            text("Subject", "Subject", 255),
            pick("Status", TASK_STATUSES, "Status", nillable=False, default="Not Started"),
            pick("Priority", ("High", "Normal", "Low"), "Priority", nillable=False,
                 default="Normal"),
            typed("ActivityDate", "date", "Due Date Only"),
            area("Description", "Description"),
            pick("TaskSubtype", ("Task", "Email", "Call"), "Task Subtype"),
            flag("IsClosed", "Closed", createable=False, updateable=False, derived=True),
            typed("CompletedDateTime", "datetime", "Completed Date/Time", createable=False,
                  updateable=False, derived=True),
            *_system(),
        )),
        SObject("Event", "00U", "Event", "Events", (
            _id(),
            ref("WhatId", ACTIVITY_PARENTS, "What", child="Events", label="Related To ID"),
            ref("WhoId", PEOPLE, "Who", child="Events", label="Name ID"),
            text("Subject", "Subject", 255),
            typed("ActivityDate", "date", "Due Date Only"),
            typed("ActivityDateTime", "datetime", "Due Date Time"),
            typed("StartDateTime", "datetime", "Start Date Time"),
            typed("EndDateTime", "datetime", "End Date Time"),
            typed("DurationInMinutes", "int", "Duration"),
            text("Location", "Location", 255),
            area("Description", "Description"),
            *_system(),
        )),
        SObject("Note", "002", "Note", "Notes", (
            _id(),
            ref("ParentId", NOTE_PARENTS, "Parent", child="Notes", label="Parent ID",
                nillable=False, updateable=False),
            text("Title", "Title", 80, nillable=False, name_field=True),
            area("Body", "Body"),
            flag("IsPrivate", "Private"),
            *_system(),
        )),
        SObject("ContentNote", "069", "Note", "Notes", (
            _id(),
            text("Title", "Title", 255, nillable=False, name_field=True),
            area("Content", "Content"),
            area("TextPreview", "Text Preview", 255, createable=False, updateable=False,
                 derived=True),
            text("FileType", "File Type", 20, createable=False, updateable=False,
                 default="SNOTE"),
            *_system(),
        )),
        SObject("ContentDocumentLink", "06A", "Content Document Link",
                "Content Document Links", (
            _id(),
            ref("ContentDocumentId", "ContentNote", "ContentDocument", label="ContentDocument ID",
                nillable=False, updateable=False),
            ref("LinkedEntityId", NOTE_PARENTS, "LinkedEntity", child="ContentDocumentLinks",
                label="Linked Entity ID", nillable=False, updateable=False),
            pick("ShareType", ("V", "C", "I"), "Share Type", default="V"),
            pick("Visibility", ("AllUsers", "InternalUsers", "SharedUsers"), "Visibility",
                 default="AllUsers"),
            *_system(owner=False),
        ), updateable=False),
    )


@dataclass(frozen=True)
class Schema:
    """Every object of the org, looked up case-insensitively."""

    objects: tuple[SObject, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_lower", {o.name.lower(): o for o in self.objects})
        children: dict[str, list[ChildRelationship]] = {o.name: [] for o in self.objects}
        for child in self.objects:
            for lookup in child.fields:
                if not lookup.child_relationship:
                    continue
                for parent in lookup.reference_to:
                    children[parent].append(
                        ChildRelationship(lookup.child_relationship, child.name, lookup.name)
                    )
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    def object(self, name: str) -> SObject | None:
        return self._by_lower.get(name.lower())  # type: ignore[attr-defined, no-any-return]

    def by_prefix(self, key_prefix: str) -> SObject | None:
        """The object whose ids start with ``key_prefix`` (history objects share 017: None)."""
        matches = [o for o in self.objects if o.key_prefix == key_prefix]
        return matches[0] if len(matches) == 1 else None

    def child_relationships(self, parent: str) -> tuple[ChildRelationship, ...]:
        return self._children.get(parent, ())  # type: ignore[attr-defined, no-any-return]

    def child_relationship(self, parent: str, name: str) -> ChildRelationship | None:
        lowered = name.lower()
        for relationship in self.child_relationships(parent):
            if relationship.name.lower() == lowered:
                return relationship
        return None

    def with_custom(self, custom_fields: Iterable[tuple[str, Field]]) -> Schema:
        """This schema plus custom fields declared in a database: (object name, field)."""
        extra: dict[str, list[Field]] = {}
        for object_name, custom in custom_fields:
            extra.setdefault(object_name.lower(), []).append(replace(custom, custom=True))
        return Schema(tuple(
            replace(o, fields=o.fields + tuple(extra.get(o.name.lower(), ())))
            for o in self.objects
        ))


STANDARD = Schema(_objects())
