"""Standard Salesforce fields of the matched objects: what a CSV column may be called.

Used to tell a person that a column of their file is not a field ("Frist Name": did you mean
FirstName?) before matching quietly ignores it. Custom fields (``…__c``) are always accepted.
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

_ADDRESS = ("Street", "City", "State", "PostalCode", "Country", "StateCode", "CountryCode",
            "Latitude", "Longitude")
_SYSTEM = ("Id", "OwnerId", "CreatedDate", "CreatedById", "LastModifiedDate",
           "LastModifiedById", "SystemModstamp", "IsDeleted", "LastActivityDate",
           "LastViewedDate", "LastReferencedDate")


def _address(prefix: str) -> tuple[str, ...]:
    return tuple(prefix + part for part in _ADDRESS)


STANDARD_FIELDS: dict[str, frozenset[str]] = {
    "Account": frozenset({
        *_SYSTEM, "Name", "Type", "Industry", "Rating", "Phone", "Fax", "Website",
        "AccountNumber", "Site", "AnnualRevenue", "NumberOfEmployees", "Description",
        "ParentId", "Ownership", "TickerSymbol", "Sic", "AccountSource", "Owner.Name",
        *_address("Billing"), *_address("Shipping"),
    }),
    "Contact": frozenset({
        *_SYSTEM, "Salutation", "FirstName", "MiddleName", "LastName", "Suffix", "Name",
        "AccountId", "Account.Name", "ReportsToId", "Title", "Department", "Email", "Phone",
        "MobilePhone", "HomePhone", "OtherPhone", "Fax", "AssistantName", "AssistantPhone",
        "LeadSource", "Birthdate", "Description", "HasOptedOutOfEmail", "DoNotCall",
        "Owner.Name", *_address("Mailing"), *_address("Other"),
    }),
    "Lead": frozenset({
        *_SYSTEM, "Salutation", "FirstName", "MiddleName", "LastName", "Suffix", "Name",
        "Company", "Title", "Email", "Phone", "MobilePhone", "Fax", "Website", "Status",
        "LeadSource", "Industry", "Rating", "AnnualRevenue", "NumberOfEmployees",
        "Description", "IsConverted", "ConvertedAccountId", "ConvertedContactId",
        "ConvertedOpportunityId", "ConvertedDate", "HasOptedOutOfEmail", "DoNotCall",
        "Owner.Name", *_address(""),
    }),
}


def is_known_field(object_name: str, column: str) -> bool:
    return column in STANDARD_FIELDS[object_name] or column.endswith("__c")


def suggest_field(object_name: str, column: str) -> str | None:
    """The standard field a misspelt column most likely meant, if any is close."""
    squeezed = column.replace(" ", "").replace("_", "")
    best = process.extractOne(squeezed, sorted(STANDARD_FIELDS[object_name]),
                              scorer=fuzz.ratio, processor=str.lower, score_cutoff=75)
    return best[0] if best else None
