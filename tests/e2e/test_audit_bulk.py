"""Above WEEDER_BULK_THRESHOLD a full pass reads objects without child rows through Bulk API
2.0; the rules must see the same records, typed the same, either way."""

from __future__ import annotations

import pytest

from connectors.ledger import Ledger
from flows.audit import audit_flow
from tests.e2e.orgs import ServedOrg

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def open_findings() -> dict[str, str]:
    with Ledger.open() as ledger:
        return {f.fingerprint: f.message for f in ledger.findings()}


def test_bulk_and_rest_pulls_find_the_same_things(org: ServedOrg,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEEDER_BULK_THRESHOLD", "0")  # 0: never Bulk
    by_rest = audit_flow(mode="plan")
    rest_findings = open_findings()

    monkeypatch.setenv("WEEDER_BULK_THRESHOLD", "10")
    by_bulk = audit_flow(mode="plan")

    bulk_objects = [name for name, pulled in by_bulk["pulled"].items()
                    if pulled["method"] == "bulk"]
    assert bulk_objects, by_bulk["pulled"]
    assert all(by_rest["pulled"][name]["method"] == "rest" for name in bulk_objects)
    assert {name: p["records"] for name, p in by_bulk["pulled"].items()} == {
        name: p["records"] for name, p in by_rest["pulled"].items()}
    assert open_findings() == rest_findings
    assert by_bulk["findings"]["new"] == 0 and by_bulk["findings"]["resolved"] == 0
