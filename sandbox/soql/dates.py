"""SOQL date constants (TODAY, LAST_N_DAYS:n, THIS_QUARTER, ...) as half-open date ranges.

Evaluated in UTC with weeks starting on Sunday (en_US), per SALESFORCE_API.md §12. A constant
is a range [start, end); the compiler turns ``=``, ``<``, ``>=``... into bounds on it:
``=`` inside, ``<`` before start, ``<=`` before end, ``>`` at or after end, ``>=`` at or after
start.
"""

from __future__ import annotations

from datetime import date, timedelta

#: constants that take ``:n``
NEEDS_N = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})
SUPPORTED = NEEDS_N | frozenset({
    "TODAY", "YESTERDAY", "TOMORROW",
    "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK",
    "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
    "LAST_90_DAYS", "NEXT_90_DAYS",
    "LAST_QUARTER", "THIS_QUARTER", "NEXT_QUARTER",
    "LAST_YEAR", "THIS_YEAR", "NEXT_YEAR",
})
#: Salesforce's other date literals: refused by name rather than guessed (their exact bounds
#: are unconfirmed, or they need the org's fiscal calendar)
KNOWN_UNSUPPORTED = frozenset({
    "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS", "NEXT_N_MONTHS",
    "N_MONTHS_AGO", "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO", "LAST_N_YEARS",
    "NEXT_N_YEARS", "N_YEARS_AGO", "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER",
    "NEXT_FISCAL_QUARTER", "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
    "LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
    "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_FISCAL_YEARS_AGO",
})

_DAY = timedelta(days=1)


def date_range(name: str, n: int | None, today: date) -> tuple[date, date]:
    """The half-open range [start, end) that the constant ``name`` (``:n``) denotes today."""
    if name in NEEDS_N:
        if n is None:
            raise ValueError(f"{name} needs :n")
        return _counted(name, n, today)
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # the Sunday on or before today
    month = today.replace(day=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    year = date(today.year, 1, 1)
    ranges = {
        "YESTERDAY": (today - _DAY, today),
        "TODAY": (today, today + _DAY),
        "TOMORROW": (today + _DAY, today + 2 * _DAY),
        "LAST_WEEK": (week - 7 * _DAY, week),
        "THIS_WEEK": (week, week + 7 * _DAY),
        "NEXT_WEEK": (week + 7 * _DAY, week + 14 * _DAY),
        "LAST_MONTH": (_add_months(month, -1), month),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_90_DAYS": (today - 90 * _DAY, today + _DAY),
        "NEXT_90_DAYS": (today + _DAY, today + 91 * _DAY),
        "LAST_QUARTER": (_add_months(quarter, -3), quarter),
        "THIS_QUARTER": (quarter, _add_months(quarter, 3)),
        "NEXT_QUARTER": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "LAST_YEAR": (year.replace(year=year.year - 1), year),
        "THIS_YEAR": (year, year.replace(year=year.year + 1)),
        "NEXT_YEAR": (year.replace(year=year.year + 1), year.replace(year=year.year + 2)),
    }
    if name not in ranges:
        raise ValueError(f"unknown date constant {name}")
    return ranges[name]


def _counted(name: str, n: int, today: date) -> tuple[date, date]:
    if name == "LAST_N_DAYS":  # includes today: LAST_N_DAYS:1 is yesterday and today
        return today - n * _DAY, today + _DAY
    if name == "NEXT_N_DAYS":  # starts tomorrow
        return today + _DAY, today + (n + 1) * _DAY
    return today - n * _DAY, today - (n - 1) * _DAY  # N_DAYS_AGO: that one day


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
