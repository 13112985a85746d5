"""The SOQL subset, table-driven: each query against the little org of soql_org.py, with the
records (or count, or refusal) a person can check by reading that org's description.

A list means the order matters (the query has ORDER BY); a set means it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sandbox.schema import STANDARD
from sandbox.soql import SoqlError, compile_query, execute
from tests.unit.sandbox.soql_org import TODAY, Org, build_org

ACCOUNTS = {"Acme Corp", "Globex", "Initech", "Umbrella 100%_Real", "o'Brien & Sons"}
DEALS = {"Acme Renewal", "Acme Upsell", "Globex Pilot", "No Account Deal"}

ANSWERS: list[tuple[str, list[str] | set[str] | int]] = [
    # fields, equality, case-insensitive text
    ("SELECT Id, Name FROM Account", ACCOUNTS),
    ("SELECT Name FROM Account WHERE Industry = 'Banking'", {"Acme Corp", "o'Brien & Sons"}),
    ("SELECT Name FROM Account WHERE Industry = 'BANKING'", {"Acme Corp", "o'Brien & Sons"}),
    ("select name from ACCOUNT where INDUSTRY = 'banking'", {"Acme Corp", "o'Brien & Sons"}),
    ("SELECT Name FROM Account WHERE Name = 'o\\'Brien & Sons'", {"o'Brien & Sons"}),
    # null is a value: != includes the accounts with no industry
    ("SELECT Name FROM Account WHERE Industry != 'Banking'",
     {"Globex", "Initech", "Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE Industry <> 'banking'",
     {"Globex", "Initech", "Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE Industry = null", {"Initech"}),
    ("SELECT Name FROM Account WHERE Industry != null",
     {"Acme Corp", "Globex", "Umbrella 100%_Real", "o'Brien & Sons"}),
    # numbers
    ("SELECT Name FROM Account WHERE AnnualRevenue > 500000", {"Acme Corp", "Globex"}),
    ("SELECT Name FROM Account WHERE AnnualRevenue >= 1000000", {"Acme Corp", "Globex"}),
    ("SELECT Name FROM Account WHERE AnnualRevenue < 1000000", {"o'Brien & Sons"}),
    ("SELECT Name FROM Account WHERE AnnualRevenue <= 1000000.0",
     {"Acme Corp", "o'Brien & Sons"}),
    ("SELECT Name FROM Account WHERE NumberOfEmployees > 100 AND Industry = 'Banking'",
     {"Acme Corp"}),
    # AND / OR / NOT and parentheses
    ("SELECT Name FROM Account WHERE Industry = 'Banking' OR Rating = 'Cold'",
     {"Acme Corp", "o'Brien & Sons", "Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE Industry = 'Banking' AND (Rating = 'Hot' OR Rating = 'Cold')",
     {"Acme Corp"}),
    ("SELECT Name FROM Account WHERE (Industry = 'Banking' AND Rating = 'Warm') OR Name = 'Globex'",
     {"o'Brien & Sons", "Globex"}),
    ("SELECT Name FROM Account WHERE NOT Industry = 'Banking'",
     {"Globex", "Initech", "Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE NOT (Industry = 'Banking' OR Industry = null)",
     {"Globex", "Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE NOT AnnualRevenue > 500000",
     {"Initech", "Umbrella 100%_Real", "o'Brien & Sons"}),
    # IN / NOT IN
    ("SELECT Name FROM Account WHERE Industry IN ('Banking', 'Healthcare')",
     {"Acme Corp", "o'Brien & Sons", "Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE Industry NOT IN ('Banking', 'Healthcare')",
     {"Globex", "Initech"}),
    ("SELECT Name FROM Account WHERE Industry IN ('technology', null)", {"Globex", "Initech"}),
    # LIKE: % and _, case-insensitive, \% and \_ literal
    ("SELECT Name FROM Account WHERE Name LIKE 'acme%'", {"Acme Corp"}),
    ("SELECT Name FROM Account WHERE Name LIKE '%o%'", {"Acme Corp", "Globex", "o'Brien & Sons"}),
    ("SELECT Name FROM Account WHERE Name LIKE 'Glob_x'", {"Globex"}),
    ("SELECT Name FROM Account WHERE Name LIKE '%100\\%\\_%'", {"Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE NOT Name LIKE '%a%'",
     {"Globex", "Initech", "o'Brien & Sons"}),
    # parent paths in WHERE
    ("SELECT Name FROM Account WHERE Owner.Name = 'Rita Rep'", {"Acme Corp", "Initech"}),
    ("SELECT Name FROM Account WHERE Owner.IsActive = false", {"Umbrella 100%_Real"}),
    ("SELECT Name FROM Account WHERE Owner.Manager.Name = 'Ada Admin'", {"Globex"}),
    ("SELECT Name FROM Account WHERE Owner.Manager.Email = null",
     {"Umbrella 100%_Real", "o'Brien & Sons"}),
    ("select name from contact where account.name = 'ACME CORP'", {"Ann Lee", "Bob Kim"}),
    ("SELECT Name FROM Opportunity WHERE Account.Industry = 'Banking'",
     {"Acme Renewal", "Acme Upsell"}),
    ("SELECT Name FROM Opportunity WHERE Account.Name = null", {"No Account Deal"}),
    # ORDER BY, NULLS, LIMIT, OFFSET
    ("SELECT Name FROM Account ORDER BY Name",
     ["Acme Corp", "Globex", "Initech", "o'Brien & Sons", "Umbrella 100%_Real"]),
    ("SELECT Name FROM Account ORDER BY AnnualRevenue DESC, Name",
     ["Globex", "Acme Corp", "o'Brien & Sons", "Initech", "Umbrella 100%_Real"]),
    ("SELECT Name FROM Account ORDER BY AnnualRevenue, Name",
     ["Initech", "Umbrella 100%_Real", "o'Brien & Sons", "Acme Corp", "Globex"]),
    ("SELECT Name FROM Account ORDER BY AnnualRevenue ASC NULLS LAST, Name DESC",
     ["o'Brien & Sons", "Acme Corp", "Globex", "Umbrella 100%_Real", "Initech"]),
    ("SELECT Name FROM Account ORDER BY Owner.Name, Name",
     ["o'Brien & Sons", "Umbrella 100%_Real", "Globex", "Acme Corp", "Initech"]),
    ("SELECT Name FROM Account ORDER BY Name LIMIT 2", ["Acme Corp", "Globex"]),
    ("SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 2", ["Initech", "o'Brien & Sons"]),
    ("SELECT Name FROM Account ORDER BY Name OFFSET 4", ["Umbrella 100%_Real"]),
    # COUNT()
    ("SELECT COUNT() FROM Account", 5),
    ("SELECT COUNT() FROM Account WHERE Industry = 'Banking'", 2),
    ("SELECT COUNT() FROM Contact WHERE AccountId = null", 1),
    ("SELECT COUNT() FROM Account LIMIT 3", 3),
    # booleans, picklists, dates
    ("SELECT Name FROM Opportunity WHERE IsClosed = false", {"Acme Renewal", "Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE IsWon = true", {"Acme Upsell"}),
    ("SELECT Name FROM Opportunity WHERE StageName = 'closed won'", {"Acme Upsell"}),
    ("SELECT Name FROM Opportunity WHERE Amount = null", {"Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = 2024-05-31", {"Acme Renewal"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate < 2024-05-01",
     {"Acme Upsell", "No Account Deal"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = THIS_MONTH", {"Acme Renewal"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = LAST_MONTH", {"Acme Upsell"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = NEXT_MONTH", {"Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = THIS_QUARTER",
     {"Acme Renewal", "Acme Upsell", "Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = LAST_YEAR", {"No Account Deal"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:30", {"Acme Renewal"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:31",
     {"Acme Renewal", "Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate > THIS_MONTH", {"Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CloseDate < THIS_YEAR", {"No Account Deal"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = TODAY", {"Acme Renewal"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = YESTERDAY", {"Acme Upsell"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = TOMORROW", {"Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = THIS_WEEK", DEALS),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = LAST_WEEK", set()),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = LAST_N_DAYS:1",
     {"Acme Renewal", "Acme Upsell"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate = N_DAYS_AGO:3", {"No Account Deal"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate != TODAY",
     {"Acme Upsell", "Globex Pilot", "No Account Deal"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate > 2024-05-15T00:00:00Z",
     {"Acme Renewal", "Globex Pilot"}),
    ("SELECT Name FROM Opportunity WHERE CreatedDate >= 2024-05-15T01:00:00+02:00",
     {"Acme Renewal", "Acme Upsell", "Globex Pilot"}),
    # semi-joins and anti-joins
    ("SELECT Name FROM Account WHERE Id IN (SELECT WhatId FROM Task)", {"Globex"}),
    ("SELECT Name FROM Opportunity WHERE Id IN (SELECT WhatId FROM Task WHERE Status != "
     "'Completed')", {"Acme Renewal"}),
    ("SELECT Name FROM Opportunity WHERE Id NOT IN (SELECT WhatId FROM Task)",
     {"Acme Upsell", "Globex Pilot", "No Account Deal"}),
    ("SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)",
     {"Initech", "Umbrella 100%_Real", "o'Brien & Sons"}),
    ("SELECT Name FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account WHERE "
     "Industry = 'Banking')", {"Cy Dee", "Orphan Person"}),
    ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE "
     "IsWon = true) AND Rating = 'Hot'", {"Acme Corp"}),
    # polymorphic lookups and other objects
    ("SELECT Subject FROM Task WHERE What.Type = 'Opportunity'", {"Call Ann", "Follow up"}),
    ("SELECT Subject FROM Task WHERE What.Name = 'Globex'", {"Send deck"}),
    ("SELECT Subject FROM Task WHERE WhatId = null", {"Prep"}),
    ("SELECT Subject FROM Task WHERE Who.Name LIKE 'a%'", {"Call Ann"}),
    ("SELECT Subject FROM Task WHERE ActivityDate = THIS_WEEK", {"Call Ann", "Follow up"}),
    ("SELECT Subject FROM Task WHERE ActivityDate = NEXT_WEEK", {"Send deck"}),
    ("SELECT Name FROM Contact WHERE Email = null", {"Bob Kim"}),
    ("SELECT Title FROM Note WHERE Parent.Type = 'Account'", {"Account plan"}),
    ("SELECT Id, StageName FROM OpportunityHistory WHERE Opportunity.Name = 'Acme Upsell' "
     "ORDER BY CreatedDate DESC", ["h-upsell-2", "h-upsell-1"]),
]

#: (query, errorCode, the text the caret must point at)
REFUSALS: list[tuple[str, str, str]] = [
    ("SELECT Id FORM Account", "MALFORMED_QUERY", "FORM"),
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", ""),
    ("SELECT * FROM Account", "MALFORMED_QUERY", "*"),
    ("SELECT Name, COUNT(Id) FROM Account GROUP BY Name", "MALFORMED_QUERY", "COUNT"),
    ("SELECT Industry FROM Account GROUP BY Industry", "MALFORMED_QUERY", "GROUP"),
    ("SELECT Id FROM Account WHERE Industry = 'Banking' AND Rating = 'Hot' OR Name = 'x'",
     "MALFORMED_QUERY", "OR"),
    ("SELECT Id FROM Account FOR UPDATE", "MALFORMED_QUERY", "FOR"),
    ("SELECT TYPEOF What WHEN Account THEN Name END FROM Task", "MALFORMED_QUERY", "TYPEOF"),
    ("SELECT FIELDS(ALL) FROM Account LIMIT 200", "MALFORMED_QUERY", "FIELDS"),
    ("SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2024", "MALFORMED_QUERY",
     "CALENDAR_YEAR"),
    ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "MALFORMED_QUERY", "WITH"),
    ("SELECT Id FROM Account a WHERE a.Name = 'x'", "MALFORMED_QUERY", "a WHERE"),
    ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_WEEKS:2", "MALFORMED_QUERY",
     "LAST_N_WEEKS"),
    ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY", "'unterminated"),
    ("SELECT Id FROM Account WHERE Name = :name", "MALFORMED_QUERY", ":name"),
    ("SELECT Id FROM Account WHERE Name NOT LIKE 'a%'", "MALFORMED_QUERY", "NOT"),
    ("SELECT COUNT() FROM Account ORDER BY Name", "MALFORMED_QUERY", "Name"),
    ("SELECT Name, COUNT() FROM Account", "MALFORMED_QUERY", "COUNT"),
    ("SELECT Id, Name, name FROM Account", "MALFORMED_QUERY", "name FROM"),
    ("SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
     "MALFORMED_QUERY", "Id IN"),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE ReportsToId IN "
     "(SELECT Id FROM Contact))", "MALFORMED_QUERY", "ReportsToId"),
    ("SELECT Bacon__c FROM Account LIMIT 2", "INVALID_FIELD", "Bacon__c"),
    ("SELECT Foo.Name FROM Account", "INVALID_FIELD", "Foo"),
    ("SELECT Id FROM Task WHERE What.Amount > 5", "INVALID_FIELD", "What"),
    ("SELECT Id FROM Account WHERE AnnualRevenue = 'lots'", "INVALID_FIELD", "AnnualRevenue"),
    ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD", "Name ="),
    ("SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD", "Description"),
    ("SELECT Id FROM Opportunity WHERE CreatedDate = 2024-05-15", "INVALID_FIELD", "Created"),
    ("SELECT Id FROM Foo__c", "INVALID_TYPE", "Foo__c"),
    ("SELECT Id, (SELECT Id FROM Bananas) FROM Account", "INVALID_TYPE", "Bananas"),
    ("SELECT Id FROM Account WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "Id ="),
    ("SELECT Id FROM Opportunity WHERE IsClosed > true", "INVALID_QUERY_FILTER_OPERATOR",
     "IsClosed"),
    ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "OFFSET"),
]


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    built = build_org()
    yield built
    built.conn.close()


def _label(org: Org, record: dict[str, object]) -> str:
    names = {v: k for k, v in org.ids.items()}
    if "Id" in record:
        return names[str(record["Id"])]
    return str(next(record[k] for k in ("Name", "Subject", "Title") if k in record))


@dataclass(frozen=True)
class _Run:
    labels: list[str]
    total_size: int
    is_count: bool


def _run(org: Org, soql: str) -> _Run:
    result = execute(org.conn, compile_query(soql, STANDARD, today=TODAY))
    return _Run([_label(org, r) for r in result.records], result.total_size, result.is_count)


def test_the_table_is_as_large_as_promised() -> None:
    assert len(ANSWERS) + len(REFUSALS) >= 60
    assert len(REFUSALS) >= 12


@pytest.mark.parametrize(("soql", "expected"), ANSWERS, ids=[q for q, _ in ANSWERS])
def test_query_answers(org: Org, soql: str, expected: list[str] | set[str] | int) -> None:
    run = _run(org, soql)
    if isinstance(expected, int):
        assert run.is_count and run.total_size == expected
        return
    assert not run.is_count
    assert run.total_size == len(run.labels)
    if isinstance(expected, list):
        assert run.labels == expected
    else:
        assert len(run.labels) == len(set(run.labels))
        assert set(run.labels) == expected


@pytest.mark.parametrize(("soql", "code", "at"), REFUSALS, ids=[q for q, _, _ in REFUSALS])
def test_query_refusals(org: Org, soql: str, code: str, at: str) -> None:
    with pytest.raises(SoqlError) as caught:
        execute(org.conn, compile_query(soql, STANDARD, today=TODAY))
    error = caught.value
    assert error.error_code == code
    column = (soql.index(at) if at else len(soql)) + 1
    assert (error.row, error.column) == (1, column), error.message
    assert error.message.startswith(f"\n{soql}\n{' ' * (column - 1)}^\n")
    assert f"ERROR at Row:1:Column:{column}\n" in error.message
