"""Writing through the Salesforce connector: per-record results, chunks, conflicts, locks, tasks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import responses

from connectors.salesforce import WriteError, WriteResult
from engine.model import TaskRequest
from tests.unit.test_salesforce_connector import API, make_client, mocked_http, page, sf_error


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with mocked_http() as mock:
        yield mock

COLLECTION = f"{API}/composite/sobjects"


def sent(call: Any) -> dict[str, Any]:
    return json.loads(call.request.body)


def ok(record_id: str) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": []}


def failure(code: str, message: str, fields: list[str] | None = None,
            record_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"success": False, "errors": [
        {"statusCode": code, "message": message, "fields": fields or []}]}
    if record_id:
        item["id"] = record_id
    return item


def echo_successes(request: Any) -> tuple[int, dict[str, str], str]:
    """A collection endpoint that accepts everything, echoing ids (or inventing them)."""
    records = json.loads(request.body)["records"]
    items = [ok(r.get("Id") or f"001{n:015d}") for n, r in enumerate(records)]
    return 200, {}, json.dumps(items)


# -- create and update -----------------------------------------------------------------------------


def test_create_surfaces_each_records_result(http):
    http.add(responses.POST, COLLECTION, json=[
        ok("001000000000001AAA"),
        failure("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"])])
    client, _ = make_client()

    results = client.create("Account", [{"Name": "Acme"}, {"Industry": "Energy"}])

    assert results == [
        WriteResult("001000000000001AAA", "ok"),
        WriteResult(None, "failed", (WriteError("REQUIRED_FIELD_MISSING",
                                                "Required fields are missing: [Name]",
                                                ("Name",)),)),
    ]
    body = sent(http.calls[0])
    assert body == {"allOrNone": False, "records": [
        {"attributes": {"type": "Account"}, "Name": "Acme"},
        {"attributes": {"type": "Account"}, "Industry": "Energy"}]}


def test_writes_go_in_chunks_of_at_most_200(http):
    http.add_callback(responses.POST, COLLECTION, callback=echo_successes)
    client, _ = make_client()

    results = client.create("Contact", [{"LastName": f"L{i}"} for i in range(450)])

    assert [len(sent(c)["records"]) for c in http.calls] == [200, 200, 50]
    assert len(results) == 450 and all(r.ok for r in results)


def test_update_patches_with_ids_and_reports_per_record(http):
    http.add(responses.PATCH, COLLECTION, json=[
        ok("001000000000001AAA"),
        failure("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "Rating: bad value for restricted picklist field: Terrible", ["Rating__c"],
                record_id="001000000000002AAA")])
    client, _ = make_client()

    results = client.update("Account", [
        {"Id": "001000000000001AAA", "Industry": "Energy", "CloseDate": date(2024, 3, 1)},
        {"Id": "001000000000002AAA", "Rating__c": "Terrible"}])

    assert [r.status for r in results] == ["ok", "failed"]
    assert results[1].record_id == "001000000000002AAA"
    assert str(results[1].errors[0]) == ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Rating: bad "
                                         "value for restricted picklist field: Terrible "
                                         "[Rating__c]")
    assert sent(http.calls[0])["records"][0] == {"attributes": {"type": "Account"},
                                                 "Id": "001000000000001AAA",
                                                 "Industry": "Energy", "CloseDate": "2024-03-01"}


def test_a_request_refused_as_a_whole_fails_each_of_its_records(http):
    http.add(responses.PATCH, COLLECTION, status=400,
             json=[{"message": "No such column 'Foo__c' on sobject of type Account",
                    "errorCode": "INVALID_FIELD"}])
    client, sleeps = make_client()

    results = client.update("Account", [{"Id": "001000000000001AAA", "Foo__c": 1},
                                        {"Id": "001000000000002AAA", "Foo__c": 2}])

    assert [(r.record_id, r.status, r.errors[0].code) for r in results] == [
        ("001000000000001AAA", "failed", "INVALID_FIELD"),
        ("001000000000002AAA", "failed", "INVALID_FIELD")]
    assert client.api_calls == 1 and sleeps == []


def test_update_needs_an_id_on_every_record():
    client, _ = make_client()
    with pytest.raises(Exception, match="not a Salesforce record id"):
        client.update("Account", [{"Name": "no id"}])
    assert client.api_calls == 0


# -- UNABLE_TO_LOCK_ROW ----------------------------------------------------------------------------

LOCKED = ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")


def test_locked_rows_are_sent_again_alone(http):
    http.add(responses.PATCH, COLLECTION, json=[
        ok("001000000000001AAA"), failure(*LOCKED, record_id="001000000000002AAA"),
        ok("001000000000003AAA")])
    http.add(responses.PATCH, COLLECTION, json=[ok("001000000000002AAA")])
    client, sleeps = make_client()

    results = client.update("Account", [{"Id": f"00100000000000{n}AAA", "Rating": "Hot"}
                                        for n in (1, 2, 3)])

    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert [r["Id"] for r in sent(http.calls[1])["records"]] == ["001000000000002AAA"]
    assert len(sleeps) == 1


def test_a_row_that_stays_locked_fails_after_bounded_retries(http):
    http.add(responses.PATCH, COLLECTION, json=[failure(*LOCKED, record_id="001000000000002AAA")])
    client, sleeps = make_client()

    results = client.update("Account", [{"Id": "001000000000002AAA", "Rating": "Hot"}])

    assert results[0].status == "failed" and results[0].errors[0].code == "UNABLE_TO_LOCK_ROW"
    assert len(http.calls) == client.retry.lock_retries + 1
    assert len(sleeps) == client.retry.lock_retries


# -- conditional updates ---------------------------------------------------------------------------

READ_AT = "2024-01-31T12:00:00.000+0000"


def stamp_row(record_id: str, stamp: str) -> dict[str, Any]:
    return {"attributes": {"type": "Account", "url": f"/x/{record_id}"}, "Id": record_id,
            "SystemModstamp": stamp}


def test_records_changed_since_they_were_read_are_left_alone(http):
    http.add(responses.GET, f"{API}/query/", json=page([
        stamp_row("001000000000001AAA", "2024-01-31T12:00:00.000Z"),  # same instant
        stamp_row("001000000000002AAA", "2024-02-01T09:00:00.000+0000"),  # edited since
    ]))  # 001000000000003AAA is gone
    http.add(responses.PATCH, COLLECTION, json=[ok("001000000000001AAA"),
                                                ok("001000000000004AAA")])
    client, _ = make_client()

    results = client.update_if_unchanged("Account", [
        ("001000000000001AAA", {"Industry": "Energy"}, READ_AT),
        ("001000000000002AAA", {"Industry": "Energy"}, READ_AT),
        ("001000000000003AAA", {"Industry": "Energy"}, READ_AT),
        ("001000000000004AAA", {"Industry": "Energy"}, None),  # unconditional
    ])

    assert [(r.record_id, r.status) for r in results] == [
        ("001000000000001AAA", "ok"), ("001000000000002AAA", "conflict"),
        ("001000000000003AAA", "conflict"), ("001000000000004AAA", "ok")]
    assert results[1].errors[0].code == "RECORD_MODIFIED"
    assert results[2].errors[0].code == "ENTITY_IS_DELETED"
    query = http.calls[0].request.params["q"]
    assert query == ("SELECT Id, SystemModstamp FROM Account WHERE Id IN "
                     "('001000000000001AAA','001000000000002AAA','001000000000003AAA')")
    written = [r["Id"] for r in sent(http.calls[1])["records"]]
    assert written == ["001000000000001AAA", "001000000000004AAA"]


def test_a_15_character_id_matches_its_18_character_stamp(http):
    http.add(responses.GET, f"{API}/query/", json=page([stamp_row("001000000000001AAA",
                                                                  READ_AT)]))
    http.add(responses.PATCH, COLLECTION, json=[ok("001000000000001AAA")])
    client, _ = make_client()
    results = client.update_if_unchanged("Account", [("001000000000001", {"Rating": "Hot"},
                                                      READ_AT)])
    assert results[0].status == "ok"


def test_nothing_is_written_when_every_record_changed(http):
    http.add(responses.GET, f"{API}/query/", json=page([stamp_row("001000000000001AAA",
                                                                  "2025-01-01T00:00:00.000Z")]))
    client, _ = make_client()
    results = client.update_if_unchanged("Account", [("001000000000001AAA", {"Rating": "Hot"},
                                                      READ_AT)])
    assert results[0].status == "conflict"
    assert [c.request.method for c in http.calls] == ["GET"]


def test_if_unmodified_since_412_is_a_conflict_and_never_retried(http):
    url = f"{API}/sobjects/Account/001000000000001AAA"
    http.add(responses.PATCH, url, status=412, json=[{
        "errorCode": "PRECONDITION_FAILED",
        "message": "The requested resource has been modified since the time specified in the "
                   "If-Unmodified-Since header"}])
    client, sleeps = make_client()

    result = client.update_one_if_unmodified(
        "Account", "001000000000001AAA", {"Industry": "Energy"},
        since=datetime(2024, 1, 31, 12, 0, 0, 250_000, tzinfo=UTC))

    assert result.status == "conflict" and result.errors[0].code == "PRECONDITION_FAILED"
    assert client.api_calls == 1 and sleeps == []
    # HTTP dates have whole seconds: rounded up, so the stamp we read does not count as a change.
    assert http.calls[0].request.headers["If-Unmodified-Since"] == "Wed, 31 Jan 2024 12:00:01 GMT"


def test_if_unmodified_since_success_and_validation_failure(http):
    url = f"{API}/sobjects/Account/001000000000001AAA"
    http.add(responses.PATCH, url, status=204)
    http.add(responses.PATCH, url, status=400, json=[{
        "message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["Name"]}])
    client, _ = make_client()
    since = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)

    assert client.update_one_if_unmodified("Account", "001000000000001AAA", {"Name": "A"},
                                           since) == WriteResult("001000000000001AAA", "ok")
    failed = client.update_one_if_unmodified("Account", "001000000000001AAA", {"Name": None},
                                             since)
    assert failed.status == "failed"
    assert failed.errors == (WriteError("REQUIRED_FIELD_MISSING",
                                        "Required fields are missing: [Name]", ("Name",)),)
    assert client.api_calls == 2


# -- review tasks ----------------------------------------------------------------------------------


def test_create_tasks_opens_not_started_tasks(http):
    http.add(responses.POST, COLLECTION, json=[ok("00T000000000001AAA"),
                                               ok("00T000000000002AAA")])
    client, _ = make_client()
    tasks = [
        TaskRequest(rule_id="stage-skip", fingerprint="f1", what_id="006000000000001AAA",
                    who_id=None, owner_id="005000000000001AAA", subject="Explain the jump",
                    description="Prospecting -> Closed Won with no notes",
                    due_date=date(2024, 2, 7), priority="High"),
        TaskRequest(rule_id="lead-email", fingerprint="f2", what_id=None,
                    who_id="00Q000000000001AAA", owner_id="005000000000002AAA",
                    subject="Fix the email", description="bounced", due_date=date(2024, 2, 8)),
    ]

    results = client.create_tasks(tasks)

    assert [r.record_id for r in results] == ["00T000000000001AAA", "00T000000000002AAA"]
    first, second = sent(http.calls[0])["records"]
    assert first == {"attributes": {"type": "Task"}, "Subject": "Explain the jump",
                     "Description": "Prospecting -> Closed Won with no notes",
                     "OwnerId": "005000000000001AAA", "ActivityDate": "2024-02-07",
                     "Priority": "High", "Status": "Not Started",
                     "WhatId": "006000000000001AAA"}
    assert second["WhoId"] == "00Q000000000001AAA" and "WhatId" not in second
    assert second["Priority"] == "Normal"


def test_close_tasks_completes_them_and_appends_the_comment(http):
    http.add(responses.GET, f"{API}/query/", json=page([
        {"attributes": {"type": "Task", "url": "/t1"}, "Id": "00T000000000001AAA",
         "Description": "Prospecting -> Closed Won"},
        {"attributes": {"type": "Task", "url": "/t2"}, "Id": "00T000000000002AAA",
         "Description": None}]))
    http.add(responses.PATCH, COLLECTION, json=[ok("00T000000000001AAA"),
                                                ok("00T000000000002AAA")])
    client, _ = make_client()

    results = client.close_tasks(["00T000000000001AAA", "00T000000000009AAA",
                                  "00T000000000002AAA"], "Resolved: notes were added.")

    assert [(r.record_id, r.status) for r in results] == [
        ("00T000000000001AAA", "ok"), ("00T000000000009AAA", "failed"),
        ("00T000000000002AAA", "ok")]
    assert results[1].errors[0].code == "NOT_FOUND"
    updates = sent(http.calls[1])["records"]
    assert updates[0]["Description"] == "Prospecting -> Closed Won\n\nResolved: notes were added."
    assert updates[1]["Description"] == "Resolved: notes were added."
    assert {u["Status"] for u in updates} == {"Completed"}


def test_write_failures_that_stop_the_run_are_raised_not_reported(http):
    http.add(responses.POST, COLLECTION, status=403,
             json=sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
    client, _ = make_client()
    from connectors.salesforce import ApiLimitExceeded

    with pytest.raises(ApiLimitExceeded):
        client.create("Account", [{"Name": "Acme"}])
