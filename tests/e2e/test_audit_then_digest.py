"""The week of a scheduler, end to end: the hourly audit, then the weekly digest, on a seeded
sandbox — what `make demo` shows, asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.audit import audit_flow
from flows.digest import digest_flow
from tests.e2e.orgs import ServedOrg

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def managers_with_a_team(org: ServedOrg) -> set[str]:
    """Every active manager of an active user: each gets a digest, an all-clear at least."""
    users = org.db.rows("User")
    return {user["ManagerId"] for user in users.values()
            if user["IsActive"] and user.get("ManagerId")
            and users[user["ManagerId"]]["IsActive"]}


def test_after_an_audit_every_manager_gets_a_digest_led_by_the_deals_that_jumped(
        org: ServedOrg, tmp_path: Path) -> None:
    audit_flow(mode="apply")
    outbox = tmp_path / "outbox"

    summary = digest_flow(preview_dir=str(outbox))

    managers = managers_with_a_team(org)
    assert managers, "the seeded org has teams under managers"
    assert len(list(outbox.glob("*.html"))) == len(managers) == len(summary.deliveries)
    for manager in managers:
        assert [path for path in outbox.glob("*.html") if manager.lower() in path.name]
    jumped = [d["record_id"] for d in org.seeded.defects("stage_jump_without_notes")]
    pages = "".join(path.read_text() for path in outbox.glob("*.html"))
    assert "jumped stages without notes" in pages
    for deal in jumped:
        assert f"/lightning/r/Opportunity/{deal}/view" in pages
