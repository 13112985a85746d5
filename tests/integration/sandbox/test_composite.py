"""Composite resources over HTTP: sObject collections with partial failures and allOrNone
rollback, retrieve, and /composite with referenceIds."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def _count(sf: Salesforce, where: str) -> int:
    return int(sf.query(f"SELECT COUNT() FROM Account WHERE {where}")["totalSize"])


def _create(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool) -> Any:
    return sf.restful("composite/sobjects", method="POST",
                      json={"allOrNone": all_or_none, "records": records})


def test_partial_failure_writes_the_good_records_and_reports_the_bad(admin: Salesforce) -> None:
    results = _create(admin, [
        {"attributes": {"type": "Account"}, "Name": "Partial A"},
        {"attributes": {"type": "Contact"}, "FirstName": "No Last Name"},
        {"attributes": {"type": "Account"}, "Name": "Partial B"},
    ], all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1] == {"success": False, "errors": [{
        "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: "
        "[LastName]", "fields": ["LastName"]}]}
    assert _count(admin, "Name LIKE 'Partial%'") == 2


def test_all_or_none_rolls_back_every_record_when_one_fails(admin: Salesforce) -> None:
    results = _create(admin, [
        {"attributes": {"type": "Account"}, "Name": "Atomic A"},
        {"attributes": {"type": "Account"}, "Name": "Atomic B", "Bacon__c": 1},
    ], all_or_none=True)
    assert results[0] == {"success": False, "errors": [{
        "statusCode": ROLLED_BACK, "message": "Record rolled back because not all records were "
        "valid and the request was using AllOrNone header", "fields": []}]}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert _count(admin, "Name LIKE 'Atomic%'") == 0


def test_update_accepts_lowercase_id_and_keeps_ids_in_rolled_back_items(
        admin: Salesforce) -> None:
    first, second = (r["id"] for r in _create(admin, [
        {"attributes": {"type": "Account"}, "Name": "Upd A"},
        {"attributes": {"type": "Account"}, "Name": "Upd B"}], all_or_none=False))
    results = admin.restful("composite/sobjects", method="PATCH", json={
        "allOrNone": True, "records": [
            {"attributes": {"type": "Account"}, "id": first, "Industry": "Energy"},
            {"attributes": {"type": "Account"}, "id": second, "NumberOfEmployees": -3}]})
    assert results[0]["id"] == first and results[0]["errors"][0]["statusCode"] == ROLLED_BACK
    assert results[1]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert admin.Account.get(first)["Industry"] is None
    results = admin.restful("composite/sobjects", method="PATCH", json={
        "records": [{"attributes": {"type": "Account"}, "id": first[:15], "Industry": "Energy"}]})
    assert results == [{"id": first, "success": True, "errors": []}]
    assert admin.Account.get(first)["Industry"] == "Energy"


def test_delete_reports_each_id_including_malformed_ones(admin: Salesforce) -> None:
    (kept,) = (r["id"] for r in _create(admin, [
        {"attributes": {"type": "Account"}, "Name": "Doomed"}], all_or_none=False))
    results = admin.restful("composite/sobjects", method="DELETE",
                            params={"ids": f"{kept},001RM000003oLrB000"})
    assert results[0] == {"id": kept, "success": True, "errors": []}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert _count(admin, "Name = 'Doomed'") == 0


def test_retrieve_returns_records_in_id_order_with_null_for_missing(admin: Salesforce) -> None:
    (found,) = (r["id"] for r in _create(admin, [
        {"attributes": {"type": "Account"}, "Name": "Fetched"}], all_or_none=False))
    records = admin.restful("composite/sobjects/Account", method="POST",
                            json={"ids": [found, "0010W00000zzzzzAAA"], "fields": ["Name"]})
    assert records[0]["Name"] == "Fetched" and records[0]["Id"] == found
    assert records[1] is None


def test_more_than_200_records_are_refused(admin: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest):
        _create(admin, [{"attributes": {"type": "Account"}, "Name": f"Many {n}"}
                        for n in range(201)], all_or_none=False)
    assert _count(admin, "Name LIKE 'Many%'") == 0


def test_composite_chains_subrequests_through_reference_ids(admin: Salesforce) -> None:
    answer = admin.restful("composite", method="POST", json={"allOrNone": True,
                                                             "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "refAcct", "body": {"Name": "Chained"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact",
         "referenceId": "refCont", "body": {"LastName": "Lee", "AccountId": "@{refAcct.id}"}},
        {"method": "GET", "url": "/services/data/v59.0/sobjects/Account/@{refAcct.id}"
         "?fields=Name", "referenceId": "refGet"},
        {"method": "GET", "url": "/services/data/v59.0/query?q=SELECT+LastName+FROM+Contact+"
         "WHERE+AccountId='@{refAcct.id}'", "referenceId": "refQuery"},
    ]})["compositeResponse"]
    assert [r["httpStatusCode"] for r in answer] == [201, 201, 200, 200]
    account_id = answer[0]["body"]["id"]
    assert answer[0]["httpHeaders"]["Location"].endswith(account_id)
    assert answer[2]["body"]["Name"] == "Chained"
    assert answer[3]["body"]["records"][0]["LastName"] == "Lee"


def test_composite_all_or_none_halts_and_rolls_back(admin: Salesforce) -> None:
    answer = admin.restful("composite", method="POST", json={"allOrNone": True,
                                                             "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "good", "body": {"Name": "Halted"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact",
         "referenceId": "bad", "body": {"FirstName": "Nameless"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "later", "body": {"Name": "Halted too"}},
    ]})["compositeResponse"]
    assert [r["httpStatusCode"] for r in answer] == [400, 400, 400]
    assert answer[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answer[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert answer[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert _count(admin, "Name LIKE 'Halted%'") == 0


def test_composite_without_all_or_none_keeps_independent_work(admin: Salesforce) -> None:
    answer = admin.restful("composite", method="POST", json={"compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact",
         "referenceId": "bad", "body": {"FirstName": "Nameless"}},
        {"method": "PATCH", "url": "/services/data/v59.0/sobjects/Account/@{bad.id}",
         "referenceId": "dependent", "body": {"Name": "x"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account",
         "referenceId": "independent", "body": {"Name": "Independent"}},
    ]})["compositeResponse"]
    assert [r["httpStatusCode"] for r in answer] == [400, 400, 201]
    assert answer[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "No value for bad.id" in answer[1]["body"][0]["message"]
    assert _count(admin, "Name = 'Independent'") == 1
