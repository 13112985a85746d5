"""sObject rows over HTTP: create / get / update / delete, ids in both forms, error shapes,
derived fields, conditional updates, upsert by external id, and describe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from sandbox.db import connect, declare_custom_field
from sandbox.ids import checksum
from sandbox.schema import Field
from sandbox.server import RunningSandbox, start_sandbox

from .conftest import Team, login

MISSING_ACCOUNT = "0010W00000zzzzzAAA"


@pytest.fixture(scope="module")
def sandbox(team_db: tuple[Path, Team]) -> Iterator[RunningSandbox]:
    conn = connect(team_db[0])
    declare_custom_field(conn, "Account", Field("External_Id__c", "string", "External Id", 40,
                                                external_id=True))
    conn.close()
    with start_sandbox(team_db[0]) as running:
        yield running


@pytest.fixture(scope="module")
def sf(sandbox: RunningSandbox) -> Salesforce:
    return login(sandbox)


def _refusal(call: Any) -> tuple[int, list[dict[str, Any]]]:
    with pytest.raises(SalesforceError) as refused:
        call()
    return refused.value.status, refused.value.content


def test_create_returns_an_18_character_id_with_a_valid_checksum(sf: Salesforce) -> None:
    answer = sf.Account.create({"Name": "Checksum Inc"})
    assert answer["success"] is True and answer["errors"] == []
    new_id = answer["id"]
    assert len(new_id) == 18 and new_id.startswith("001")
    assert checksum(new_id[:15]) == new_id[15:]


def test_15_character_and_case_mangled_ids_name_the_same_record(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Case Corp"})["id"]
    for form in (new_id[:15], new_id.lower(), new_id):
        record = sf.Account.get(form)
        assert record["Id"] == new_id and record["Name"] == "Case Corp"


def test_update_and_delete_answer_204_and_a_deleted_row_is_gone(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Short Lived"})["id"]
    assert sf.Account.update(new_id, {"Industry": "Energy"}) == 204
    assert sf.Account.get(new_id)["Industry"] == "Energy"
    assert sf.Account.delete(new_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(new_id)
    status, body = _refusal(lambda: sf.Account.delete(new_id))
    assert (status, body[0]["errorCode"]) == (404, "ENTITY_IS_DELETED")


def test_get_with_fields_returns_those_fields_and_the_id(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Fields Ltd", "Industry": "Retail"})["id"]
    record = sf.session.get(f"https://{sf.sf_instance}/services/data/v59.0/sobjects/Account/"
                            f"{new_id}?fields=Name", headers=sf.headers).json()
    assert set(record) == {"attributes", "Name", "Id"}


@pytest.mark.parametrize(("object_name", "payload", "code", "fields", "message"), [
    ("Contact", {"FirstName": "Ann"}, "REQUIRED_FIELD_MISSING", ["LastName"],
     "Required fields are missing: [LastName]"),
    ("Account", {"Name": "X", "Bacon__c": 1}, "INVALID_FIELD", None,
     "No such column 'Bacon__c' on sobject of type Account"),
    ("Account", {"Name": "X", "CreatedDate": "2024-01-31T12:00:00Z"},
     "INVALID_FIELD_FOR_INSERT_UPDATE", ["CreatedDate"], "Unable to create/update fields: "
     "CreatedDate."),
    ("Contact", {"LastName": "Lee", "AccountId": "006B000002nBrQ"}, "MALFORMED_ID",
     ["AccountId"], "Account ID: id value of incorrect type: 006B000002nBrQ"),
    ("Contact", {"LastName": "Lee", "AccountId": MISSING_ACCOUNT},
     "INVALID_CROSS_REFERENCE_KEY", ["AccountId"], "invalid cross reference id"),
    ("Opportunity", {"Name": "D", "StageName": "Nope", "CloseDate": "2026-01-31"},
     "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["StageName"],
     "Stage: bad value for restricted picklist field: Nope"),
    ("Account", {"Name": "N" * 256}, "STRING_TOO_LONG", ["Name"], "(max length=255)"),
    ("Opportunity", {"Name": "D", "StageName": "Prospecting", "CloseDate": "2026-01-31",
                     "Amount": -5}, "FIELD_CUSTOM_VALIDATION_EXCEPTION", ["Amount"],
     "Amount cannot be negative."),
    ("Contact", {"LastName": "Lee", "Email": "bob at acme.com"}, "INVALID_EMAIL_ADDRESS",
     ["Email"], "invalid email address: bob at acme.com"),
])
def test_refused_writes_answer_salesforce_errors(sf: Salesforce, object_name: str,
                                                 payload: dict[str, Any], code: str,
                                                 fields: list[str] | None, message: str) -> None:
    status, body = _refusal(lambda: getattr(sf, object_name).create(payload))
    assert status == 400
    assert len(body) == 1 and body[0]["errorCode"] == code
    assert message in body[0]["message"]
    assert body[0].get("fields") == fields


def test_an_unknown_object_is_not_found(sf: Salesforce) -> None:
    status, body = _refusal(lambda: sf.Bacon__c.create({"Name": "x"}))
    assert status == 404
    assert body == [{"message": "The requested resource does not exist",
                     "errorCode": "NOT_FOUND"}]


def test_an_id_of_another_object_in_the_url_is_not_found(sf: Salesforce) -> None:
    contact_id = sf.Contact.create({"LastName": "Wrongplace"})["id"]
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(contact_id)


def test_the_org_fills_derived_fields(sf: Salesforce) -> None:
    account_id = sf.Account.create({"Name": "Derived Co"})["id"]
    contact = sf.Contact.get(sf.Contact.create({"FirstName": "Ann", "LastName": "Lee",
                                                "AccountId": account_id})["id"])
    assert contact["Name"] == "Ann Lee"
    deal_id = sf.Opportunity.create({"Name": "Big", "StageName": "Negotiation/Review",
                                     "CloseDate": "2026-12-31", "AccountId": account_id})["id"]
    deal = sf.Opportunity.get(deal_id)
    assert (deal["Probability"], deal["ForecastCategoryName"], deal["IsClosed"]) == \
        (90.0, "Pipeline", False)
    sf.Opportunity.update(deal_id, {"StageName": "Closed Won"})
    deal = sf.Opportunity.get(deal_id)
    assert (deal["IsClosed"], deal["IsWon"], deal["Probability"]) == (True, True, 100.0)
    assert deal["LastStageChangeDate"] is not None
    task_id = sf.Task.create({"Subject": "Call", "WhatId": account_id, "Status": "Completed",
                              "ActivityDate": "2026-03-04"})["id"]
    assert sf.Task.get(task_id)["IsClosed"] is True
    assert sf.Account.get(account_id)["LastActivityDate"] == "2026-03-04"
    note_id = sf.ContentNote.create({"Title": "Call notes",
                                     "Content": "<p>Budget &amp; timing</p>"})["id"]
    assert sf.ContentNote.get(note_id)["TextPreview"] == "Budget & timing"


def test_system_fields_carry_the_writer_and_a_strictly_increasing_modstamp(
        sf: Salesforce, team: Team) -> None:
    new_id = sf.Account.create({"Name": "Stamped"})["id"]
    first = sf.Account.get(new_id)
    sf.Account.update(new_id, {"Phone": "+14155550123"})
    second = sf.Account.get(new_id)
    assert first["CreatedById"] == second["LastModifiedById"] == team.admin_id
    assert second["SystemModstamp"] > first["SystemModstamp"]
    assert second["CreatedDate"] == first["CreatedDate"]


def test_a_stale_if_match_update_is_refused_with_412(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Etagged"})["id"]
    url = f"https://{sf.sf_instance}/services/data/v59.0/sobjects/Account/{new_id}"
    read = sf.session.get(url, headers=sf.headers)
    tag = read.headers["ETag"]
    sf.Account.update(new_id, {"Industry": "Banking"})  # someone else changes it meanwhile
    with pytest.raises(SalesforceGeneralError) as refused:
        sf.Account.update(new_id, {"Industry": "Energy"}, headers={"If-Match": tag})
    assert refused.value.status == 412
    assert refused.value.content[0]["errorCode"] == "PRECONDITION_FAILED"
    assert sf.Account.get(new_id)["Industry"] == "Banking"
    fresh = sf.session.get(url, headers=sf.headers).headers["ETag"]
    assert sf.Account.update(new_id, {"Industry": "Energy"}, headers={"If-Match": fresh}) == 204


def test_if_unmodified_since_before_the_last_change_is_refused(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Dated Change"})["id"]
    with pytest.raises(SalesforceGeneralError) as refused:
        sf.Account.update(new_id, {"Industry": "Energy"},
                          headers={"If-Unmodified-Since": "Wed, 01 Jan 2020 00:00:00 GMT"})
    assert refused.value.status == 412
    assert sf.Account.update(new_id, {"Industry": "Energy"},
                             headers={"If-Unmodified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
                             ) == 204


def test_if_modified_since_answers_304_for_an_unchanged_row(sf: Salesforce) -> None:
    new_id = sf.Account.create({"Name": "Not Modified"})["id"]
    url = f"https://{sf.sf_instance}/services/data/v59.0/sobjects/Account/{new_id}"
    last_modified = sf.session.get(url, headers=sf.headers).headers["Last-Modified"]
    again = sf.session.get(url, headers={**sf.headers, "If-Modified-Since": last_modified})
    assert again.status_code == 304 and again.content == b""


def test_upsert_creates_then_updates_by_external_id(sf: Salesforce) -> None:
    assert sf.Account.upsert("External_Id__c/EXT-1", {"Name": "Upserted"}) == 201
    assert sf.Account.upsert("External_Id__c/EXT-1", {"Name": "Upserted Again"}) == 200
    records = sf.query("SELECT Name FROM Account WHERE External_Id__c = 'EXT-1'")["records"]
    assert [r["Name"] for r in records] == ["Upserted Again"]
    assert sf.Account.get_by_custom_id("External_Id__c", "EXT-1")["Name"] == "Upserted Again"


def test_upsert_matching_two_records_answers_300_with_their_urls(sf: Salesforce) -> None:
    first = sf.Account.create({"Name": "Twin A", "External_Id__c": "TWIN"})["id"]
    second = sf.Account.create({"Name": "Twin B", "External_Id__c": "TWIN"})["id"]
    with pytest.raises(SalesforceMoreThanOneRecord) as many:
        sf.Account.upsert("External_Id__c/TWIN", {"Name": "Which"})
    assert sorted(url.rsplit("/", 1)[1] for url in many.value.content) == sorted([first, second])


def test_upsert_on_a_field_that_is_not_an_external_id_is_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as refused:
        sf.Account.upsert("Name/Acme", {"Industry": "Energy"})
    assert "Provided external ID field does not exist" in refused.value.content[0]["message"]


def test_describe_reports_fields_picklists_and_child_relationships(sf: Salesforce) -> None:
    deal = sf.Opportunity.describe()
    fields = {f["name"]: f for f in deal["fields"]}
    assert fields["Id"]["createable"] is False and fields["Id"]["nillable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert fields["AccountId"]["relationshipName"] == "Account"
    assert "Closed Won" in [v["value"] for v in fields["StageName"]["picklistValues"]]
    assert fields["IsWon"]["updateable"] is False
    account = sf.Account.describe()
    children = {(c["childSObject"], c["relationshipName"]) for c in account["childRelationships"]}
    assert {("Contact", "Contacts"), ("Opportunity", "Opportunities")} <= children
    assert "External_Id__c" in {f["name"] for f in account["fields"]}
    listed = {o["name"]: o for o in sf.describe()["sobjects"]}
    assert listed["Opportunity"]["keyPrefix"] == "006"


def test_malformed_json_body_is_a_parser_error(sf: Salesforce) -> None:
    answer = requests.post(f"https://{sf.sf_instance}/services/data/v59.0/sobjects/Account/"
                           .replace("https://", "http://"), data=b"{not json",
                           headers=sf.headers, timeout=5)
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_unsupported_version_and_unknown_path_are_not_found(sf: Salesforce) -> None:
    base = f"https://{sf.sf_instance}/services/data"
    for url in (f"{base}/v49.0/limits", f"{base}/v59.0/nothing-here"):
        answer = sf.session.get(url, headers=sf.headers)
        assert answer.status_code == 404
        assert answer.json()[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceMalformedRequest):
        sf.Opportunity.update(sf.Opportunity.create({
            "Name": "Id mismatch", "StageName": "Prospecting", "CloseDate": "2026-01-31"})["id"],
            {"Id": MISSING_ACCOUNT})
