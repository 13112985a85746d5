"""The hourly run after the first one is incremental: it reads only what changed since the last
watermark and reuses describe and the stage list kept in the ledger, so it costs a small share of
the first run's API calls. The run summary says how many calls each run used."""

from __future__ import annotations

import pytest

from flows.audit import audit_flow
from tests.e2e.orgs import ServedOrg

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def records_read(summary: dict[str, object]) -> int:
    pulled = summary["pulled"]
    assert isinstance(pulled, dict)
    return sum(p["records"] for p in pulled.values())


def test_the_incremental_run_costs_a_small_share_of_the_first_runs_api_calls(
        org: ServedOrg) -> None:
    first = audit_flow(mode="apply")
    used_before = org.db.api_requests_used()
    second = audit_flow(mode="apply")
    counted_by_org = org.db.api_requests_used() - used_before

    assert first["full_reason"] == "first applied run"
    assert second["full_reason"] is None
    assert first["status"] == second["status"] == "ok"
    print(f"API calls: first (full) run {first['api_calls']}, "
          f"second (incremental) run {second['api_calls']}; records read "
          f"{records_read(first)} then {records_read(second)}")
    assert second["api_calls"] < 0.4 * first["api_calls"]
    # it read only what changed since the first run: the records that run fixed
    fixed = first["writes"]["fixes_applied"]
    assert fixed <= records_read(second) < 0.2 * records_read(first)
    # the summary's figure is the org's own count, plus the login (which the org does not count)
    assert second["api_calls"] == counted_by_org + 1

    refreshed = audit_flow(mode="apply", full=True)

    # a full pass reads describe (one call per audited object) and the stage list afresh
    assert refreshed["api_calls"] >= second["api_calls"] + len(first["pulled"]) + 1
