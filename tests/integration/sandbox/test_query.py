"""Query and queryAll over HTTP: 2,000-record pages with locators, batch sizes, parent paths,
child subqueries, date literals, COUNT(), Bulk API 2.0 query jobs, and query errors."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.db import connect
from sandbox.server import RunningSandbox, start_sandbox

from .conftest import Team, _system, insert, login

BULK_DEALS = 4500
DELETED_DEALS = 10
TODAY = date.today()
#: special deals: name -> close date offset in days from today
DATED = {"Dated today": 0, "Dated yesterday": -1, "Dated in 3 days": 3,
         "Dated 10 days ago": -10, "Dated in 40 days": 40}


@pytest.fixture(scope="module")
def sandbox(team_db: tuple[Path, Team]) -> Iterator[RunningSandbox]:
    db_path, team = team_db
    conn = connect(db_path)
    system = {**_system(team.admin_id), "OwnerId": team.rep_id}
    acme, _empty = insert(conn, "Account", [{"Name": "Acme", **system},
                                            {"Name": "Lonely Corp", **system}])
    insert(conn, "Contact", [
        {"FirstName": "Ann", "LastName": last, "Name": f"Ann {last}", "AccountId": acme,
         **system} for last in ("Lee", "Kim", "Abe")])
    insert(conn, "Opportunity", [
        {"Name": f"Bulk {n:04d}", "StageName": "Prospecting", "CloseDate": "2020-01-01",
         "Amount": float(n), "AccountId": acme, "IsClosed": 0, "IsWon": 0, **system,
         "IsDeleted": int(n < DELETED_DEALS)}
        for n in range(BULK_DEALS)])
    insert(conn, "Opportunity", [
        {"Name": name, "StageName": "Qualification", "AccountId": acme, "IsClosed": 0,
         "IsWon": 0, "CloseDate": (TODAY + timedelta(days=offset)).isoformat(), **system}
        for name, offset in DATED.items()])
    conn.close()
    with start_sandbox(db_path) as running:
        yield running


@pytest.fixture(scope="module")
def sf(sandbox: RunningSandbox) -> Salesforce:
    return login(sandbox)


def test_first_page_holds_2000_records_and_points_at_the_next(sf: Salesforce) -> None:
    page = sf.query("SELECT Id FROM Opportunity WHERE Name LIKE 'Bulk%'")
    assert page["totalSize"] == BULK_DEALS - DELETED_DEALS
    assert page["done"] is False
    assert len(page["records"]) == 2000
    assert re.fullmatch(r"/services/data/v59\.0/query/01g\w{15}-2000", page["nextRecordsUrl"])


def test_query_all_walks_every_page_and_the_last_has_no_next_url(sf: Salesforce) -> None:
    first = sf.query("SELECT Id FROM Opportunity WHERE Name LIKE 'Bulk%'")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    last = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert [len(p["records"]) for p in (first, second, last)] == [2000, 2000, 490]
    assert "nextRecordsUrl" not in last and last["done"] is True
    ids = {r["Id"] for p in (first, second, last) for r in p["records"]}
    assert len(ids) == BULK_DEALS - DELETED_DEALS
    assert sum(1 for _ in sf.query_all_iter("SELECT Id FROM Opportunity WHERE Name LIKE 'Bulk%'")
               ) == BULK_DEALS - DELETED_DEALS


def test_batch_size_header_sets_the_page_size(sf: Salesforce) -> None:
    page = sf.query("SELECT Id FROM Opportunity WHERE Name LIKE 'Bulk%'",
                    headers={"Sforce-Query-Options": "batchSize=500"})
    assert len(page["records"]) == 500
    assert page["nextRecordsUrl"].endswith("-500")


def test_query_all_includes_deleted_rows_and_its_locator_also_works_under_query(
        sf: Salesforce) -> None:
    page = sf.query("SELECT Id, IsDeleted FROM Opportunity WHERE Name LIKE 'Bulk%'",
                    include_deleted=True)
    assert page["totalSize"] == BULK_DEALS
    assert "/queryAll/" in page["nextRecordsUrl"]
    locator = page["nextRecordsUrl"].rsplit("/", 1)[1]
    jsforce_style = sf.query_more(locator)  # jsforce asks /query/{locator} even for queryAll
    assert len(jsforce_style["records"]) == 2000
    deleted = sum(1 for r in sf.query_all_iter(
        "SELECT Id, IsDeleted FROM Opportunity WHERE Name LIKE 'Bulk%'", include_deleted=True)
        if r["IsDeleted"])
    assert deleted == DELETED_DEALS


def test_an_unknown_locator_is_refused(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query_more("01g000000000000AAA-2000")
    assert refused.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_parent_paths_come_back_as_nested_records(sf: Salesforce, team: Team) -> None:
    record = sf.query("SELECT Name, Account.Name, Owner.Name, Owner.Manager.Email "
                      "FROM Opportunity WHERE Name = 'Dated today'")["records"][0]
    assert record["Account"]["Name"] == "Acme"
    assert record["Account"]["attributes"]["type"] == "Account"
    assert record["Owner"]["Name"] == "Rita Rep"
    assert record["Owner"]["Manager"]["Email"] == "mo.manager@weeder.sandbox"
    assert record["attributes"]["url"].startswith("/services/data/v59.0/sobjects/Opportunity/")


def test_child_subqueries_nest_a_query_result_or_null(sf: Salesforce) -> None:
    records = sf.query("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) "
                       "FROM Account ORDER BY Name")["records"]
    by_name = {r["Name"]: r for r in records}
    contacts = by_name["Acme"]["Contacts"]
    assert contacts["totalSize"] == 3 and contacts["done"] is True
    assert [c["LastName"] for c in contacts["records"]] == ["Abe", "Kim", "Lee"]
    assert by_name["Lonely Corp"]["Contacts"] is None


@pytest.mark.parametrize(("literal", "expected"), [
    ("TODAY", {"Dated today"}),
    ("YESTERDAY", {"Dated yesterday"}),
    ("LAST_N_DAYS:7", {"Dated today", "Dated yesterday"}),
    ("NEXT_N_DAYS:5", {"Dated in 3 days"}),
    ("LAST_N_DAYS:30", {"Dated today", "Dated yesterday", "Dated 10 days ago"}),
])
def test_date_literals_select_the_deals_in_their_range(sf: Salesforce, literal: str,
                                                        expected: set[str]) -> None:
    records = sf.query_all(f"SELECT Name FROM Opportunity WHERE CloseDate = {literal} "
                           "AND Name LIKE 'Dated%'")["records"]
    assert {r["Name"] for r in records} == expected


def test_count_query_answers_the_total_without_records(sf: Salesforce) -> None:
    answer = sf.query("SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Dated%'")
    assert answer == {"totalSize": len(DATED), "done": True, "records": []}


def test_malformed_and_unknown_field_queries_answer_salesforce_errors(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as malformed:
        sf.query("SELECT Id FORM Account")
    assert malformed.value.status == 400
    assert malformed.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        sf.query("SELECT Bacon__c FROM Account")
    error = unknown.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Bacon__c' on entity 'Account'" in error["message"]
    assert set(error) == {"message", "errorCode"}


def test_bulk_query_pages_csv_results_by_max_records(sf: Salesforce) -> None:
    pages = list(sf.bulk2.Opportunity.query(
        "SELECT Id, Name, Account.Name FROM Opportunity WHERE Name LIKE 'Bulk%'",
        max_records=2000, wait=0))
    assert len(pages) == 3
    rows = [row for text in pages for row in csv.DictReader(io.StringIO(text))]
    assert len(rows) == BULK_DEALS - DELETED_DEALS
    assert set(rows[0]) == {"Id", "Name", "Account.Name"}
    assert {row["Account.Name"] for row in rows} == {"Acme"}


def test_bulk_results_without_max_records_come_in_one_page(sf: Salesforce) -> None:
    base = f"https://{sf.sf_instance}/services/data/v59.0/jobs/query"
    job = sf.session.post(base, headers=sf.headers, json={
        "operation": "query", "query": "SELECT Id FROM Opportunity WHERE Name LIKE 'Dated%'"})
    assert job.status_code == 200
    job_id = job.json()["id"]
    assert sf.session.get(f"{base}/{job_id}", headers=sf.headers).json()["state"] == \
        "JobComplete"
    results = sf.session.get(f"{base}/{job_id}/results", headers=sf.headers)
    assert results.headers["Sforce-Locator"] == "null"
    assert results.headers["Sforce-NumberOfRecords"] == str(len(DATED))
    assert results.headers["Content-Type"].startswith("text/csv")
    assert sf.session.get(f"{base}/750000000000000AAA", headers=sf.headers).status_code == 404


def test_a_locator_with_any_offset_continues_from_there(sf: Salesforce) -> None:
    soql = "SELECT Id FROM Opportunity WHERE Name LIKE 'Bulk%' ORDER BY Name"
    every = [r["Id"] for r in sf.query_all_iter(soql)]
    cursor_id = sf.query(soql)["nextRecordsUrl"].rsplit("/", 1)[1].split("-")[0]
    page = sf.query_more(f"{cursor_id}-2500")
    assert [r["Id"] for r in page["records"]] == every[2500:]
    assert page["done"] is True
