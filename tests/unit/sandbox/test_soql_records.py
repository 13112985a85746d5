"""What query results look like: Salesforce's record shape, parents, children, polymorphic
lookups, deleted rows, ids in either form, and values that stay values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from sandbox import db
from sandbox.schema import STANDARD
from sandbox.soql import QueryResult, compile_query, execute, field_value
from sandbox.soql import executor as executor_module
from tests.unit.sandbox.soql_org import TODAY, Org, build_org


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    built = build_org()
    yield built
    built.conn.close()


def run(org: Org, soql: str, *, include_deleted: bool = False, today: date = TODAY,
        api_version: str = "59.0") -> QueryResult:
    compiled = compile_query(soql, STANDARD, today=today)
    return execute(org.conn, compiled, include_deleted=include_deleted, api_version=api_version)


def ref(org: Org, object_name: str, label: str, **fields: Any) -> dict[str, Any]:
    """A nested record as Salesforce writes it: attributes first, then the fields."""
    record_id = org.ids[label]
    return {"attributes": {"type": object_name,
                           "url": f"/services/data/v59.0/sobjects/{object_name}/{record_id}"},
            **fields}


# -- the record shape -------------------------------------------------------------------------

def test_records_carry_attributes_and_fields_in_select_order_spelled_as_describe(org: Org) -> None:
    result = run(org, "select numberofemployees, NAME, annualRevenue, createddate, industry "
                      "from account where name = 'Acme Corp'")
    assert result.records == [ref(
        org, "Account", "Acme Corp", NumberOfEmployees=120, Name="Acme Corp",
        AnnualRevenue=1000000.0, CreatedDate="2024-01-10T09:00:00.000+0000", Industry="Banking",
    )]
    assert list(result.records[0]) == ["attributes", "NumberOfEmployees", "Name",
                                       "AnnualRevenue", "CreatedDate", "Industry"]


def test_values_are_converted_as_the_store_would_return_them(org: Org) -> None:
    fields = ("IsClosed", "IsWon", "Amount", "Probability", "CloseDate", "CreatedDate",
              "IsDeleted")
    record = run(org, f"SELECT {', '.join(fields)} FROM Opportunity "
                      "WHERE Name = 'Acme Upsell'").records[0]
    raw = org.conn.execute(f"SELECT {', '.join(fields)} FROM Opportunity WHERE Name = ?",
                           ("Acme Upsell",)).fetchone()
    opportunity = STANDARD.object("Opportunity")
    assert opportunity is not None
    for name, stored in zip(fields, raw, strict=True):
        found = opportunity.field(name)
        assert found is not None
        assert record[name] == db.from_storage(found, stored)
        assert type(record[name]) is type(db.from_storage(found, stored))
    assert record["IsClosed"] is True and record["IsDeleted"] is False
    assert record["CreatedDate"] == "2024-05-14T23:59:59.999+0000"


def test_the_api_version_of_the_request_is_echoed_in_urls(org: Org) -> None:
    record = run(org, "SELECT Id FROM Account WHERE Name = 'Globex'", api_version="52.0").records[0]
    assert record["attributes"]["url"] == (
        f"/services/data/v52.0/sobjects/Account/{org.ids['Globex']}")


def test_an_unselected_id_still_makes_the_url(org: Org) -> None:
    record = run(org, "SELECT Name FROM Account WHERE Name = 'Globex'").records[0]
    assert "Id" not in record
    assert record["attributes"]["url"].endswith(org.ids["Globex"])


# -- parents ----------------------------------------------------------------------------------

def test_parent_paths_nest_with_their_own_attributes_and_null_when_empty(org: Org) -> None:
    result = run(org, "SELECT Name, Account.Name, Owner.Manager.Email, Owner.Name FROM Contact "
                      "WHERE Name IN ('Ann Lee', 'Orphan Person') ORDER BY Name")
    rita = ref(org, "User", "Rita Rep",
               Manager=ref(org, "User", "Max Manager", Email="max@weeder.test"),
               Name="Rita Rep")
    assert result.records == [
        ref(org, "Contact", "Ann Lee", Name="Ann Lee",
            Account=ref(org, "Account", "Acme Corp", Name="Acme Corp"), Owner=rita),
        ref(org, "Contact", "Orphan Person", Name="Orphan Person", Account=None, Owner=rita),
    ]


def test_a_null_lookup_two_levels_up_is_null_inside_its_parent(org: Org) -> None:
    record = run(org, "SELECT Owner.Manager.Email FROM Account "
                      "WHERE Name LIKE 'o\\'B%'").records[0]
    assert record["Owner"] == ref(org, "User", "Ada Admin", Manager=None)


def test_selecting_a_lookup_and_its_relationship_gives_both_keys(org: Org) -> None:
    record = run(org, "SELECT AccountId, Account.Id FROM Opportunity "
                      "WHERE Name = 'Acme Renewal'").records[0]
    assert record["AccountId"] == org.ids["Acme Corp"]
    assert record["Account"] == ref(org, "Account", "Acme Corp", Id=org.ids["Acme Corp"])


def test_polymorphic_what_resolves_to_the_concrete_type(org: Org) -> None:
    result = run(org, "SELECT Subject, What.Name, What.Type, Who.Name FROM Task "
                      "WHERE Subject IN ('Call Ann', 'Send deck', 'Prep') ORDER BY Subject")
    assert result.records == [
        ref(org, "Task", "Call Ann", Subject="Call Ann",
            What=ref(org, "Opportunity", "Acme Renewal", Name="Acme Renewal",
                     Type="Opportunity"),
            Who=ref(org, "Contact", "Ann Lee", Name="Ann Lee")),
        ref(org, "Task", "Prep", Subject="Prep", What=None, Who=None),
        ref(org, "Task", "Send deck", Subject="Send deck",
            What=ref(org, "Account", "Globex", Name="Globex", Type="Account"),
            Who=ref(org, "Contact", "Cy Dee", Name="Cy Dee")),
    ]


def test_note_parent_is_polymorphic_too(org: Org) -> None:
    result = run(org, "SELECT Title, Parent.Name FROM Note ORDER BY Title")
    assert [(r["Title"], r["Parent"]["attributes"]["type"], r["Parent"]["Name"])
            for r in result.records] == [("Account plan", "Account", "Acme Corp"),
                                         ("Kickoff notes", "Opportunity", "Acme Renewal")]


def test_what_type_filters_by_the_ids_key_prefix(org: Org) -> None:
    result = run(org, "SELECT Subject FROM Task WHERE What.Type IN ('account') "
                      "OR What.Type = null ORDER BY Subject")
    assert [r["Subject"] for r in result.records] == ["Prep", "Send deck"]


# -- children ---------------------------------------------------------------------------------

def test_child_subqueries_are_nested_query_results_or_null(org: Org) -> None:
    result = run(org, "SELECT Name, (SELECT LastName, Email FROM Contacts ORDER BY LastName) "
                      "FROM Account WHERE Name IN ('Acme Corp', 'Initech') ORDER BY Name")
    assert result.records == [
        ref(org, "Account", "Acme Corp", Name="Acme Corp", Contacts={
            "totalSize": 2, "done": True, "records": [
                ref(org, "Contact", "Bob Kim", LastName="Kim", Email=None),
                ref(org, "Contact", "Ann Lee", LastName="Lee", Email="ann@acme.test"),
            ]}),
        ref(org, "Account", "Initech", Name="Initech", Contacts=None),
    ]


def test_child_subqueries_filter_order_and_limit_per_parent(org: Org) -> None:
    result = run(org, "SELECT Name, (SELECT Subject, Owner.Name FROM Tasks WHERE Status != "
                      "'Completed' ORDER BY Subject DESC LIMIT 1) FROM Opportunity "
                      "WHERE Name LIKE 'Acme%' ORDER BY Name")
    renewal, upsell = result.records
    assert renewal["Tasks"] == {"totalSize": 1, "done": True, "records": [
        ref(org, "Task", "Follow up", Subject="Follow up",
            Owner=ref(org, "User", "Rita Rep", Name="Rita Rep"))]}
    assert upsell["Tasks"] is None


def test_several_child_relationships_keep_their_select_positions(org: Org) -> None:
    record = run(org, "SELECT (SELECT StageName FROM OpportunityHistories ORDER BY CreatedDate), "
                      "Name, (SELECT Title FROM Notes), (SELECT Subject FROM Events) "
                      "FROM Opportunity WHERE Name = 'Acme Upsell'").records[0]
    assert list(record) == ["attributes", "OpportunityHistories", "Name", "Notes", "Events"]
    assert [h["StageName"] for h in record["OpportunityHistories"]["records"]] == [
        "Prospecting", "Closed Won"]
    assert record["Notes"] is None
    assert record["Events"]["records"][0]["Subject"] == "Demo"


def test_child_rows_are_fetched_in_chunks_of_parent_ids(org: Org,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    soql = "SELECT Name, (SELECT Title FROM Notes), (SELECT Subject FROM Tasks) FROM Account"
    whole = run(org, soql).records
    statements: list[str] = []
    org.conn.set_trace_callback(statements.append)
    monkeypatch.setattr(executor_module, "_CHUNK", 2)
    try:
        chunked = run(org, soql).records
    finally:
        org.conn.set_trace_callback(None)
    assert chunked == whole
    assert any(r["Notes"] for r in whole) and any(r["Tasks"] for r in whole)
    # 5 accounts in chunks of 2: 3 statements per relationship, plus the parents' own
    assert len(statements) == 1 + 3 + 3


# -- deleted rows ------------------------------------------------------------------------------

def test_deleted_rows_are_hidden_unless_query_all(org: Org) -> None:
    soql = ("SELECT Name, IsDeleted, (SELECT LastName FROM Contacts) FROM Account "
            "WHERE Industry = 'Banking' ORDER BY Name")
    live = run(org, soql)
    everything = run(org, soql, include_deleted=True)
    assert [r["Name"] for r in live.records] == ["Acme Corp", "o'Brien & Sons"]
    assert [(r["Name"], r["IsDeleted"]) for r in everything.records] == [
        ("Acme Corp", False), ("Deleted Co", True), ("o'Brien & Sons", False)]
    assert live.records[0]["Contacts"]["totalSize"] == 2
    assert everything.records[0]["Contacts"]["totalSize"] == 3  # Gone Contact too


def test_is_deleted_true_finds_nothing_without_query_all(org: Org) -> None:
    assert run(org, "SELECT COUNT() FROM Opportunity WHERE IsDeleted = true").total_size == 0
    assert run(org, "SELECT COUNT() FROM Opportunity WHERE IsDeleted = true",
               include_deleted=True).total_size == 1


# -- ids, ordering, windows ---------------------------------------------------------------------

@pytest.mark.parametrize("form", ["id15", "id18", "mangled"])
def test_id_literals_may_be_15_or_18_characters(org: Org, form: str) -> None:
    acme = org.ids["Acme Corp"]
    literal = {"id15": acme[:15], "id18": acme, "mangled": acme.lower()}[form]
    assert run(org, f"SELECT Name FROM Account WHERE Id = '{literal}'").records[0]["Name"] == \
        "Acme Corp"
    deals = run(org, f"SELECT Name FROM Opportunity WHERE AccountId IN ('{literal}') "
                     "ORDER BY Name").records
    assert [r["Name"] for r in deals] == ["Acme Renewal", "Acme Upsell"]


def test_nulls_first_and_last_override_the_direction_default(org: Org) -> None:
    def names(order: str) -> list[str]:
        result = run(org, f"SELECT Name FROM Opportunity ORDER BY {order}")
        return [r["Name"] for r in result.records]

    assert names("Amount DESC NULLS FIRST") == [
        "Globex Pilot", "Acme Upsell", "Acme Renewal", "No Account Deal"]
    assert names("Amount DESC") == ["Acme Upsell", "Acme Renewal", "No Account Deal",
                                    "Globex Pilot"]
    assert names("Account.Name NULLS LAST, Name") == [
        "Acme Renewal", "Acme Upsell", "Globex Pilot", "No Account Deal"]


def test_limit_and_offset_slice_the_ordered_result(org: Org) -> None:
    def names(window: str) -> list[str]:
        result = run(org, f"SELECT Name FROM Account ORDER BY Name {window}")
        return [r["Name"] for r in result.records]

    assert names("LIMIT 0") == []
    assert names("OFFSET 10") == []
    assert names("LIMIT 1 OFFSET 1") == ["Globex"]
    assert run(org, "SELECT COUNT() FROM Account LIMIT 10 OFFSET 3").total_size == 2


def test_names_and_keywords_are_case_insensitive(org: Org) -> None:
    result = run(org, "sElEcT name, (select LASTNAME from CONTACTS order by lastname) "
                      "FrOm account wHeRe OWNER.name = 'rita rep' AND name like 'ACME%'")
    assert result.records == [ref(org, "Account", "Acme Corp", Name="Acme Corp", Contacts={
        "totalSize": 2, "done": True, "records": [
            ref(org, "Contact", "Bob Kim", LastName="Kim"),
            ref(org, "Contact", "Ann Lee", LastName="Lee")]})]


# -- dates against an injected today -------------------------------------------------------------

@pytest.mark.parametrize(("today", "expected"), [
    (date(2024, 5, 12), {"Acme Renewal", "Acme Upsell", "Globex Pilot", "No Account Deal"}),
    (date(2024, 5, 18), {"Acme Renewal", "Acme Upsell", "Globex Pilot", "No Account Deal"}),
    (date(2024, 5, 19), set()),  # the next Sunday starts a new week
    (date(2024, 5, 11), set()),  # the Saturday before belongs to the previous week
])
def test_this_week_starts_on_sunday_at_midnight_utc(org: Org, today: date,
                                                    expected: set[str]) -> None:
    result = run(org, "SELECT Name FROM Opportunity WHERE CreatedDate = THIS_WEEK", today=today)
    assert {r["Name"] for r in result.records} == expected


@pytest.mark.parametrize(("soql", "today", "expected"), [
    # Globex Pilot was created at 2024-05-16T00:00:00.000Z exactly
    ("CreatedDate = TODAY", date(2024, 5, 16), {"Globex Pilot"}),
    ("CreatedDate = YESTERDAY", date(2024, 5, 17), {"Globex Pilot"}),
    ("CreatedDate < TODAY", date(2024, 5, 16), {"Acme Renewal", "Acme Upsell",
                                                "No Account Deal"}),
    ("CreatedDate >= TODAY", date(2024, 5, 16), {"Globex Pilot"}),
    ("CreatedDate > YESTERDAY", date(2024, 5, 16), {"Globex Pilot"}),
    ("CreatedDate <= YESTERDAY", date(2024, 5, 16), {"Acme Renewal", "Acme Upsell",
                                                     "No Account Deal"}),
    # Acme Upsell was created at 23:59:59.999 the day before
    ("CreatedDate = LAST_N_DAYS:0", date(2024, 5, 14), {"Acme Upsell"}),
    ("CreatedDate = N_DAYS_AGO:1", date(2024, 5, 15), {"Acme Upsell"}),
    # No Account Deal closes 2023-12-31: 90 days before 2024-03-30, 91 before 2024-03-31
    ("CloseDate = LAST_90_DAYS", date(2024, 3, 30), {"No Account Deal"}),
    ("CloseDate = LAST_90_DAYS", date(2024, 3, 31), set()),
    ("CloseDate = NEXT_90_DAYS", date(2024, 4, 30), {"Acme Renewal", "Globex Pilot"}),
    ("CloseDate = THIS_YEAR", date(2023, 12, 31), {"No Account Deal"}),
    ("CloseDate = LAST_QUARTER", date(2024, 1, 1), {"No Account Deal"}),
    ("CloseDate = NEXT_QUARTER", date(2024, 3, 31), {"Acme Renewal", "Acme Upsell",
                                                    "Globex Pilot"}),
])
def test_date_constants_at_their_boundaries(org: Org, soql: str, today: date,
                                            expected: set[str]) -> None:
    result = run(org, f"SELECT Name FROM Opportunity WHERE {soql}", today=today)
    assert {r["Name"] for r in result.records} == expected


# -- values stay values -------------------------------------------------------------------------

def test_a_value_that_looks_like_sql_is_just_a_string(org: Org) -> None:
    soql = ("SELECT Name FROM Account WHERE Name = '\\' OR 1=1 --' "
            "OR Name = 'x\\'); DROP TABLE Account; --'")
    compiled = compile_query(soql, STANDARD, today=TODAY)
    assert "1=1" not in compiled.live.sql and "DROP" not in compiled.live.sql
    assert "' OR 1=1 --" in compiled.live.params
    assert execute(org.conn, compiled).records == []
    assert run(org, "SELECT COUNT() FROM Account").total_size == 5


def test_identifiers_in_sql_come_from_the_schema_not_the_query(org: Org) -> None:
    compiled = compile_query('SELECT name FROM ACCOUNT WHERE owner.name != null', STANDARD,
                             today=TODAY)
    assert '"Account"' in compiled.live.sql and '"Name"' in compiled.live.sql
    assert "name" not in compiled.live.sql.replace('"Name"', "")


def test_field_paths_name_the_selected_fields_for_flat_outputs(org: Org) -> None:
    compiled = compile_query("select name, account.name, owner.manager.EMAIL, "
                             "(select subject from tasks) from opportunity "
                             "where name like 'Acme%' order by name", STANDARD, today=TODAY)
    assert compiled.field_paths == ("Name", "Account.Name", "Owner.Manager.Email")
    assert compiled.has_subqueries
    records = execute(org.conn, compiled).records
    assert [[field_value(r, p) for p in compiled.field_paths] for r in records] == [
        ["Acme Renewal", "Acme Corp", "max@weeder.test"],
        ["Acme Upsell", "Acme Corp", "max@weeder.test"],
    ]
    orphan = run(org, "SELECT Name, Account.Name FROM Opportunity WHERE AccountId = null")
    assert field_value(orphan.records[0], "Account.Name") is None


def test_queries_quoted_by_simple_salesforce_are_understood(org: Org) -> None:
    from datetime import UTC, datetime

    from simple_salesforce.format import format_soql

    soql = format_soql(
        "SELECT Id, Name FROM Account WHERE Name IN {names} AND CreatedDate > {since} "
        "AND Name LIKE '{:like}%' ORDER BY Name ASC, Id ASC",
        "o'", names=["o'Brien & Sons", "Globex", 'quote " and \\ and \n'],
        since=datetime(2024, 1, 1, 12, 30, tzinfo=UTC),
    )
    assert [r["Name"] for r in run(org, soql).records] == ["o'Brien & Sons"]
    percent = format_soql("SELECT Name FROM Account WHERE Name LIKE '%{:like}'", "100%_Real")
    assert [r["Name"] for r in run(org, percent).records] == ["Umbrella 100%_Real"]
