"""Reading through the Salesforce connector: pages, record shapes, pulls, Bulk API, describe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.salesforce import BulkJobFailed, SalesforceError, soql_in, soql_quote
from connectors.salesforce_records import child_relationships
from engine.errors import WeederError
from engine.model import FieldInfo
from tests.unit.test_salesforce_connector import API, account, make_client, mocked_http, page


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with mocked_http() as mock:
        yield mock


def sent_soql(call) -> str:
    return parse_qs(urlsplit(call.request.url).query)["q"][0]


# -- query -----------------------------------------------------------------------------------------


def test_query_follows_next_records_url_and_strips_attributes(http):
    next_url = "/services/data/v59.0/query/01gD0000002HU6KIAW-2000"
    http.add(responses.GET, f"{API}/query/", json=page(
        [account("001A", "Acme", Owner={"attributes": {"type": "User", "url": "/x"},
                                         "Name": "Ann"})], total=2, next_url=next_url))
    http.add(responses.GET, f"{API}/query/01gD0000002HU6KIAW-2000",
             json=page([account("001B", "Zeta", Owner=None)], total=2))
    client, _ = make_client()

    rows = list(client.query("SELECT Id, Name, Owner.Name FROM Account", batch_size=500))

    assert rows == [{"Id": "001A", "Name": "Acme", "Owner": {"Name": "Ann"}},
                    {"Id": "001B", "Name": "Zeta", "Owner": None}]
    assert [c.request.headers["Sforce-Query-Options"] for c in http.calls] == ["batchSize=500"] * 2
    assert client.api_calls == 2


def test_query_is_lazy_page_by_page(http):
    next_url = "/services/data/v59.0/query/01g-2000"
    http.add(responses.GET, f"{API}/query/", json=page([account("001A", "A")], total=2,
                                                       next_url=next_url))
    http.add(responses.GET, f"{API}{next_url[len('/services/data/v59.0'):]}",
             json=page([account("001B", "B")], total=2))
    client, _ = make_client()

    rows = client.query("SELECT Id, Name FROM Account")
    assert next(rows)["Id"] == "001A"
    assert client.api_calls == 1
    assert next(rows)["Id"] == "001B"
    assert client.api_calls == 2


def test_child_subqueries_become_lists_and_empty_ones_empty_lists(http):
    contact = {"attributes": {"type": "Contact", "url": "/c"}, "LastName": "Lee"}
    more_url = "/services/data/v59.0/query/01gCHILD-1"
    http.add(responses.GET, f"{API}/query/", json=page([
        account("001A", "Acme", Contacts={"totalSize": 3, "done": False,
                                          "nextRecordsUrl": more_url,
                                          "records": [contact, {**contact, "LastName": "Kim"}]}),
        account("001B", "Zeta", Contacts=None),
    ]))
    http.add(responses.GET, f"{API}/query/01gCHILD-1",
             json=page([{**contact, "LastName": "Ode"}], total=3))
    client, _ = make_client()

    rows = list(client.query("SELECT Id, Name, (SELECT LastName FROM contacts) FROM Account"))

    assert rows[0]["Contacts"] == [{"LastName": "Lee"}, {"LastName": "Kim"}, {"LastName": "Ode"}]
    assert rows[1]["Contacts"] == []


def test_a_null_parent_is_not_mistaken_for_an_empty_child_list(http):
    # The semi-join's FROM names an object, not a child relationship of the selected rows.
    http.add(responses.GET, f"{API}/query/", json=page([account("001A", "A", Parent=None)]))
    client, _ = make_client()
    rows = list(client.query(
        "SELECT Id, Name, Parent.Name FROM Account WHERE ParentId IN (SELECT Id FROM Parent)"))
    assert rows == [{"Id": "001A", "Name": "A", "Parent": None}]


def test_child_relationships_are_read_from_the_select_list_only():
    soql = ("SELECT Name, (SELECT Id FROM OpportunityHistories WHERE StageName IN ('a', 'b)')), "
            "(select Id from Notes) FROM Opportunity WHERE Name = 'x (SELECT Id FROM Fake)' "
            "AND AccountId IN (SELECT Id FROM Account)")
    assert child_relationships(soql) == {"opportunityhistories", "notes"}


def test_include_deleted_uses_query_all(http):
    http.add(responses.GET, f"{API}/queryAll/", json=page([account("001A", "Gone",
                                                                   IsDeleted=True)]))
    client, _ = make_client()
    rows = list(client.query("SELECT Id, Name, IsDeleted FROM Account", include_deleted=True))
    assert rows[0]["IsDeleted"] is True


def test_count_reads_total_size(http):
    http.add(responses.GET, f"{API}/query/", json={"totalSize": 42, "done": True, "records": []})
    client, _ = make_client()
    assert client.count("SELECT COUNT() FROM Account WHERE Industry = null") == 42


def test_batch_size_outside_salesforce_bounds_is_refused():
    client, _ = make_client()
    with pytest.raises(ValueError, match="200..2000"):
        client.query("SELECT Id FROM Account", batch_size=50)


# -- pull ------------------------------------------------------------------------------------------


def test_pull_adds_the_watermark_and_orders_by_systemmodstamp(http):
    http.add(responses.GET, f"{API}/query/", json=page([]))
    client, _ = make_client()
    since = datetime(2024, 1, 31, 14, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=2)))

    list(client.pull("Opportunity", ["Name", "StageName"], since=since,
                     where="IsClosed = false"))

    assert sent_soql(http.calls[0]) == (
        "SELECT Name, StageName, Id, SystemModstamp FROM Opportunity "
        "WHERE SystemModstamp > 2024-01-31T12:00:00+00:00 AND (IsClosed = false) "
        "ORDER BY SystemModstamp ASC, Id ASC")


def test_pull_without_a_watermark_reads_everything_and_keeps_requested_fields(http):
    http.add(responses.GET, f"{API}/queryAll/", json=page([]))
    client, _ = make_client()

    list(client.pull("Account", ["Id", "systemmodstamp", "Owner.Name",
                                 "(SELECT Id FROM Contacts)"], since=None, include_deleted=True))

    assert sent_soql(http.calls[0]) == (
        "SELECT Id, systemmodstamp, Owner.Name, (SELECT Id FROM Contacts) FROM Account "
        "ORDER BY SystemModstamp ASC, Id ASC")


def test_pull_treats_a_naive_watermark_as_utc(http):
    http.add(responses.GET, f"{API}/query/", json=page([]))
    client, _ = make_client()
    list(client.pull("Lead", ["Email"], since=datetime(2024, 5, 1, 8, 30)))
    assert "SystemModstamp > 2024-05-01T08:30:00+00:00" in sent_soql(http.calls[0])


@pytest.mark.parametrize("object_name,fields", [
    ("Account; DELETE", ["Name"]),
    ("Account", ["Name FROM User --"]),
    ("Account", ["(SELECT Id FROM Contacts"]),
])
def test_pull_refuses_names_that_are_not_names(object_name, fields):
    client, _ = make_client()
    with pytest.raises(WeederError, match="is not a Salesforce"):
        client.pull(object_name, fields, since=None)
    assert client.api_calls == 0


# -- SOQL escaping ---------------------------------------------------------------------------------


def test_soql_values_are_escaped():
    assert soql_quote("O'Brien \\ Co") == "'O\\'Brien \\\\ Co'"
    assert soql_quote(None) == "null" and soql_quote(True) == "true"
    assert soql_quote(datetime(2024, 1, 31, 12, 0, tzinfo=UTC)) == "2024-01-31T12:00:00+00:00"
    assert soql_in("Id", ["001A", "x') OR Name LIKE ('%"]) == (
        "Id IN ('001A','x\\') OR Name LIKE (\\'%')")


def test_soql_in_refuses_an_empty_list_and_a_bad_field():
    with pytest.raises(ValueError, match="at least one value"):
        soql_in("Id", [])
    with pytest.raises(WeederError):
        soql_in("Id) OR (Name", ["x"])


def test_update_if_unchanged_escapes_ids_it_puts_in_soql():
    client, _ = make_client()
    with pytest.raises(WeederError, match="not a Salesforce record id"):
        client.update_if_unchanged("Account", [("001' OR Id != '", {"Name": "x"}, "2024")])


# -- Bulk API 2.0 ----------------------------------------------------------------------------------


def test_bulk_query_polls_then_reads_every_csv_page(http):
    job = {"id": "750R0000000zlh9IAA", "operation": "query", "object": "Account",
           "state": "UploadComplete", "contentType": "CSV", "apiVersion": 59.0}
    http.add(responses.POST, f"{API}/jobs/query", json=job)
    http.add(responses.GET, f"{API}/jobs/query/750R0000000zlh9IAA", json={**job,
                                                                          "state": "InProgress"})
    http.add(responses.GET, f"{API}/jobs/query/750R0000000zlh9IAA", json={**job,
                                                                          "state": "JobComplete"})
    results = f"{API}/jobs/query/750R0000000zlh9IAA/results"
    http.add(responses.GET, results, content_type="text/csv",
             headers={"Sforce-Locator": "MTAwMA", "Sforce-NumberOfRecords": "2"},
             body='"Id","Name","Account.Name","AnnualRevenue"\n'
                  '"0015f00000BCvReAAL","Acme, Inc.","Parent ""Co""","1500000.0"\n'
                  '"0015f00000BFjNuAAL","Beta","",""\n')
    http.add(responses.GET, results, content_type="text/csv",
             headers={"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"},
             body='"Id","Name","Account.Name","AnnualRevenue"\n"0015f00000BFjNvAAL","Gamma","",""\n')
    client, sleeps = make_client(bulk_poll_interval=0.01, bulk_page_size=2)

    rows = list(client.bulk_query("SELECT Id, Name, Account.Name, AnnualRevenue FROM Account"))

    assert rows == [
        {"Id": "0015f00000BCvReAAL", "Name": "Acme, Inc.", "Account": {"Name": 'Parent "Co"'},
         "AnnualRevenue": "1500000.0"},
        {"Id": "0015f00000BFjNuAAL", "Name": "Beta", "Account": None, "AnnualRevenue": None},
        {"Id": "0015f00000BFjNvAAL", "Name": "Gamma", "Account": None, "AnnualRevenue": None},
    ]
    assert sleeps == [0.01]
    pages = [c.request for c in http.calls if c.request.url.startswith(results)]
    assert [p.params.get("locator") for p in pages] == [None, "MTAwMA"]
    assert all(p.params["maxRecords"] == "2" for p in pages)
    assert pages[0].headers["Accept"] == "text/csv"
    created = http.calls[0].request
    assert b'"operation": "query"' in created.body


def test_a_failed_bulk_job_says_why(http):
    http.add(responses.POST, f"{API}/jobs/query", json={"id": "750X", "state": "UploadComplete"})
    http.add(responses.GET, f"{API}/jobs/query/750X",
             json={"id": "750X", "state": "Failed",
                   "errorMessage": "INVALID_FIELD: No such column"})
    client, _ = make_client()
    with pytest.raises(BulkJobFailed, match="750X failed: INVALID_FIELD: No such column"):
        list(client.bulk_query("SELECT Nope FROM Account"))


def test_a_bulk_job_that_never_finishes_is_aborted_within_the_time_limit(http):
    http.add(responses.POST, f"{API}/jobs/query", json={"id": "750Y", "state": "UploadComplete"})
    http.add(responses.GET, f"{API}/jobs/query/750Y", json={"id": "750Y", "state": "InProgress"})
    http.add(responses.PATCH, f"{API}/jobs/query/750Y", json={"id": "750Y", "state": "Aborted"})
    client, sleeps = make_client(bulk_poll_interval=1.0, bulk_timeout=5.0)

    with pytest.raises(BulkJobFailed, match="did not finish within 5 s"):
        list(client.bulk_query("SELECT Id FROM Account"))

    assert sum(sleeps) >= 5.0 and len(sleeps) <= 4
    assert http.calls[-1].request.method == "PATCH"


# -- describe and limits ---------------------------------------------------------------------------

STAGE_FIELD = {
    "name": "StageName", "type": "picklist", "label": "Stage", "updateable": True,
    "nillable": False, "referenceTo": [], "relationshipName": None,
    "picklistValues": [
        {"active": True, "defaultValue": False, "label": "Prospecting", "validFor": None,
         "value": "Prospecting"},
        {"active": False, "defaultValue": False, "label": "Old", "validFor": None,
         "value": "Old"}],
}
ACCOUNT_FIELD = {
    "name": "AccountId", "type": "reference", "label": "Account ID", "updateable": True,
    "nillable": True, "picklistValues": [], "referenceTo": ["Account"],
    "relationshipName": "Account",
}


def test_describe_is_fetched_once_and_fields_become_field_info(http):
    http.add(responses.GET, f"{API}/sobjects/Opportunity/describe",
             json={"name": "Opportunity", "fields": [STAGE_FIELD, ACCOUNT_FIELD]})
    client, _ = make_client()

    fields = client.describe_fields("Opportunity")
    client.describe("Opportunity")

    assert client.api_calls == 1
    assert fields["StageName"] == FieldInfo(name="StageName", type="picklist", label="Stage",
                                            updateable=True, nillable=False,
                                            picklist_values=("Prospecting",))
    assert fields["AccountId"].reference_to == ("Account",)
    assert fields["AccountId"].relationship_name == "Account"


def test_describing_an_unknown_object_names_it(http):
    http.add(responses.GET, f"{API}/sobjects/Widget__c/describe", status=404,
             json=[{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    client, _ = make_client()
    with pytest.raises(SalesforceError, match="no object 'Widget__c'"):
        client.describe("Widget__c")


def test_limits_and_api_budget(http):
    http.add(responses.GET, f"{API}/limits/", json={
        "DailyApiRequests": {"Max": 15000, "Remaining": 14980,
                             "Dataloader Bulk": {"Max": 0, "Remaining": 0}},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000}})
    client, _ = make_client()
    assert client.limits()["DailyBulkV2QueryJobs"]["Remaining"] == 10000
    assert client.api_budget() == (14980, 15000)
    assert client.api_calls == 2
