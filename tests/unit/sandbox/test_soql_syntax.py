"""SOQL text -> syntax tree: literals, escapes, date ranges, and errors that point at the place."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.schema import STANDARD
from sandbox.soql import SoqlError, compile_query, parse
from sandbox.soql.dates import date_range
from sandbox.soql.nodes import (
    And,
    ChildQuery,
    Comparison,
    CountAll,
    DateConstant,
    FieldPath,
    InList,
    Not,
    OrderItem,
    SemiJoin,
)


def where_value(soql_value: str) -> object:
    query = parse(f"SELECT Id FROM Account WHERE Name = {soql_value}")
    assert isinstance(query.where, Comparison)
    return query.where.value.value


def test_a_query_parses_to_a_typed_tree() -> None:
    query = parse("SELECT Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account "
                  "WHERE NOT Industry IN ('Banking') AND Id IN (SELECT WhatId FROM Task) "
                  "ORDER BY Name DESC NULLS LAST LIMIT 5 OFFSET 10")
    assert query.select[:2] == (FieldPath(("Name",), 7), FieldPath(("Owner", "Name"), 13))
    assert isinstance(query.select[2], ChildQuery)
    assert query.select[2].query.source == "Contacts"
    assert query.source == "Account"
    assert isinstance(query.where, And)
    negated, semi = query.where.operands
    assert isinstance(negated, Not) and isinstance(negated.operand, InList)
    assert isinstance(semi, SemiJoin) and semi.query.source == "Task"
    assert query.order_by == (OrderItem(FieldPath(("Name",), query.order_by[0].field.pos),
                                        descending=True, nulls_first=False),)
    assert (query.limit, query.offset) == (5, 10)


def test_count_is_its_own_select_item() -> None:
    assert parse("SELECT COUNT() FROM Lead").select == (CountAll(7),)


@pytest.mark.parametrize(("literal", "value"), [
    (r"'it\'s'", "it's"),
    (r"'a\\b'", "a\\b"),
    (r"'line\nbreak\ttab'", "line\nbreak\ttab"),
    (r"'\"quoted\"'", '"quoted"'),
    ("'ünïcødé'", "ünïcødé"),
    ("42", 42),
    ("-1.5", -1.5),
    ("true", True),
    ("FALSE", False),
    ("null", None),
    ("2024-01-31", "2024-01-31"),
    ("2024-01-31T12:00:00Z", "2024-01-31T12:00:00.000+0000"),
    ("2024-01-31T12:00:00.250Z", "2024-01-31T12:00:00.250+0000"),
    ("2024-01-31T12:00:00+02:00", "2024-01-31T10:00:00.000+0000"),
    ("2024-01-31T23:30:00-05:00", "2024-02-01T04:30:00.000+0000"),
    ("LAST_N_DAYS:30", DateConstant("LAST_N_DAYS", 30)),
    ("this_month", DateConstant("THIS_MONTH")),
])
def test_literals_decode_to_values(literal: str, value: object) -> None:
    assert where_value(literal) == value


@pytest.mark.parametrize(("soql", "at", "text"), [
    (r"SELECT Id FROM Account WHERE Name = 'a\db'", "\\d", "Illegal character sequence '\\d'"),
    ("SELECT Id FROM Account WHERE Name = 'o''Brien'", "'Brien'", "unexpected token"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-31T10:00:00", "2024",
     "a datetime needs seconds and a zone"),
    ("SELECT Id FROM Account WHERE CloseDate = 2024-02-30", "2024", "invalid date literal"),
    ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS", "<EOF>", "unexpected token"),
    ("SELECT Id FROM Account WHERE CreatedDate = TODAY:3", ":3", "unexpected token: ':'"),
    ("SELECT Id FROM Account LIMIT 5 WHERE Name = 'x'", "WHERE", "unexpected token: 'WHERE'"),
    ("SELECT Id FROM Account LIMIT -1", "-1", "unexpected token"),
    ("SELECT Id, FROM Account", "FROM", "unexpected token: 'FROM'"),
    ("SELECT Id FROM Account WHERE Name INCLUDES ('a')", "INCLUDES", "outside the sandbox"),
    ("SELECT MAX(Amount) FROM Opportunity", "MAX", "aggregate function MAX"),
    ("SELECT Id FROM Account USING SCOPE mine", "USING", "USING SCOPE"),
    ("SELECT Id FROM Account WHERE CloseDate = THIS_FISCAL_YEAR", "THIS_FISCAL_YEAR",
     "date literal THIS_FISCAL_YEAR"),
])
def test_malformed_queries_point_at_the_offending_token(soql: str, at: str, text: str) -> None:
    with pytest.raises(SoqlError) as caught:
        parse(soql)
    error = caught.value
    assert error.error_code == "MALFORMED_QUERY"
    expected_column = (len(soql) if at == "<EOF>" else soql.index(at)) + 1
    assert error.column == expected_column, error.message
    assert text in error.text


def test_the_message_is_byte_for_byte_salesforces_format() -> None:
    soql = "SELECT Bacon__c FROM Account LIMIT 2"
    with pytest.raises(SoqlError) as caught:
        compile_query(soql, STANDARD, today=date(2024, 1, 1))
    assert caught.value.message == (
        "\nSELECT Bacon__c FROM Account LIMIT 2\n       ^\nERROR at Row:1:Column:8\n"
        "No such column 'Bacon__c' on entity 'Account'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )
    assert str(caught.value) == caught.value.message


def test_rows_and_columns_count_lines_of_a_multi_line_query() -> None:
    soql = "SELECT Id\nFROM Account\nWHERE Nme = 'x'"
    with pytest.raises(SoqlError) as caught:
        compile_query(soql, STANDARD, today=date(2024, 1, 1))
    assert (caught.value.error_code, caught.value.row, caught.value.column) == (
        "INVALID_FIELD", 3, 7)
    assert "ERROR at Row:3:Column:7\n" in caught.value.message


def test_like_escapes_mean_nothing_outside_like() -> None:
    with pytest.raises(SoqlError) as caught:
        compile_query(r"SELECT Id FROM Account WHERE Name = 'a\_b'", STANDARD,
                      today=date(2024, 1, 1))
    assert caught.value.error_code == "MALFORMED_QUERY"


@pytest.mark.parametrize(("name", "n", "today", "start", "end"), [
    ("TODAY", None, date(2024, 2, 29), date(2024, 2, 29), date(2024, 3, 1)),
    ("YESTERDAY", None, date(2024, 3, 1), date(2024, 2, 29), date(2024, 3, 1)),
    ("TOMORROW", None, date(2023, 12, 31), date(2024, 1, 1), date(2024, 1, 2)),
    ("THIS_WEEK", None, date(2024, 5, 12), date(2024, 5, 12), date(2024, 5, 19)),  # Sunday
    ("THIS_WEEK", None, date(2024, 5, 18), date(2024, 5, 12), date(2024, 5, 19)),  # Saturday
    ("LAST_WEEK", None, date(2024, 5, 12), date(2024, 5, 5), date(2024, 5, 12)),
    ("NEXT_WEEK", None, date(2024, 5, 18), date(2024, 5, 19), date(2024, 5, 26)),
    ("LAST_MONTH", None, date(2024, 1, 15), date(2023, 12, 1), date(2024, 1, 1)),
    ("THIS_MONTH", None, date(2024, 2, 29), date(2024, 2, 1), date(2024, 3, 1)),
    ("NEXT_MONTH", None, date(2024, 12, 31), date(2025, 1, 1), date(2025, 2, 1)),
    ("LAST_90_DAYS", None, date(2024, 5, 15), date(2024, 2, 15), date(2024, 5, 16)),
    ("NEXT_90_DAYS", None, date(2024, 5, 15), date(2024, 5, 16), date(2024, 8, 14)),
    ("LAST_N_DAYS", 1, date(2024, 5, 15), date(2024, 5, 14), date(2024, 5, 16)),
    ("NEXT_N_DAYS", 1, date(2024, 5, 15), date(2024, 5, 16), date(2024, 5, 17)),
    ("N_DAYS_AGO", 0, date(2024, 5, 15), date(2024, 5, 15), date(2024, 5, 16)),
    ("N_DAYS_AGO", 7, date(2024, 5, 15), date(2024, 5, 8), date(2024, 5, 9)),
    ("THIS_QUARTER", None, date(2024, 3, 31), date(2024, 1, 1), date(2024, 4, 1)),
    ("THIS_QUARTER", None, date(2024, 4, 1), date(2024, 4, 1), date(2024, 7, 1)),
    ("LAST_QUARTER", None, date(2024, 2, 10), date(2023, 10, 1), date(2024, 1, 1)),
    ("NEXT_QUARTER", None, date(2024, 11, 30), date(2025, 1, 1), date(2025, 4, 1)),
    ("THIS_YEAR", None, date(2024, 12, 31), date(2024, 1, 1), date(2025, 1, 1)),
    ("LAST_YEAR", None, date(2024, 1, 1), date(2023, 1, 1), date(2024, 1, 1)),
])
def test_date_constants_are_half_open_ranges(name: str, n: int | None, today: date,
                                             start: date, end: date) -> None:
    assert date_range(name, n, today) == (start, end)
