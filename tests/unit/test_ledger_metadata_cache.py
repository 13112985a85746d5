"""The ledger keeps the org's describe and stage list between runs (flows.context reuses them on
incremental runs): values come back as stored, with when they were stored, and are replaced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.ledger import Ledger
from engine.model import FieldInfo
from flows.context import fields_from_json, fields_to_json, remembered
from tests.unit.ledger_support import BACKENDS, START, Clock, open_ledger


@pytest.fixture(params=BACKENDS)
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    yield from open_ledger(request.param, tmp_path, Clock())


def test_a_key_never_stored_has_no_value(ledger: Ledger) -> None:
    assert ledger.cache_get("stages") is None


def test_a_stored_value_comes_back_with_when_it_was_stored_and_is_replaced(
        ledger: Ledger) -> None:
    ledger.cache_put("stages", [{"ApiName": "Prospecting", "SortOrder": 1}])
    ledger.cache_put("stages", [{"ApiName": "Qualification", "SortOrder": 2}])

    assert ledger.cache_get("stages") == ([{"ApiName": "Qualification", "SortOrder": 2}], START)


def test_describe_survives_the_round_trip_through_the_ledger(ledger: Ledger) -> None:
    fields = {"Country": FieldInfo("Country", "picklist", "Country", picklist_values=("France",)),
              "OwnerId": FieldInfo("OwnerId", "reference", reference_to=("User",),
                                   relationship_name="Owner")}
    ledger.cache_put("describe:v59.0:Lead", fields_to_json(fields))

    kept = ledger.cache_get("describe:v59.0:Lead")

    assert kept is not None and fields_from_json(kept[0]) == fields


def test_incremental_runs_reuse_what_is_kept_and_full_passes_read_afresh(
        ledger: Ledger) -> None:
    reads: list[int] = []

    def read() -> list[dict[str, Any]]:
        reads.append(1)
        return [{"ApiName": "Prospecting", "read": len(reads)}]

    first = remembered(ledger, "stages", False, read)  # a miss reads and keeps
    again = remembered(ledger, "stages", False, read)
    refreshed = remembered(ledger, "stages", True, read)

    assert (first, again, refreshed) == ([{"ApiName": "Prospecting", "read": 1}],
                                         [{"ApiName": "Prospecting", "read": 1}],
                                         [{"ApiName": "Prospecting", "read": 2}])
    assert ledger.cache_get("stages") == (refreshed, START)


def test_a_kept_value_of_another_shape_is_read_afresh(ledger: Ledger) -> None:
    ledger.cache_put("describe:v59.0:Lead", {"Country": {"name": "Country"}})  # older shape

    fields = remembered(ledger, "describe:v59.0:Lead", False,
                         lambda: {"Country": FieldInfo("Country", "string")},
                         fields_to_json, fields_from_json)

    assert fields == {"Country": FieldInfo("Country", "string")}
