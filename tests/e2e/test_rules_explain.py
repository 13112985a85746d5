"""`weeder rules explain RULE_ID` on a running sandbox: what one rule would flag, nothing
written."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app
from tests.e2e.orgs import ServedOrg


def test_explain_lists_what_the_rule_flags_and_fixes_and_writes_nothing(org: ServedOrg) -> None:
    before = org.db.snapshot()
    planted = {defect["record_id"] for defect in org.seeded.defects("unnormalised_phone")
               if defect["object"] == "Contact"}

    result = CliRunner().invoke(app, ["rules", "explain", "contact-phone-e164"])

    assert result.exit_code == 0, result.output
    assert "contact-phone-e164" in result.output and "nothing written" in result.output
    assert planted and all(record_id in result.output for record_id in planted)
    assert "fix:" in result.output
    assert org.db.snapshot() == before


def test_explain_of_an_unknown_rule_suggests_the_nearest_id(org: ServedOrg) -> None:
    result = CliRunner().invoke(app, ["rules", "explain", "contact-phone-e16"])

    assert result.exit_code == 1
    assert "did you mean 'contact-phone-e164'" in str(result.exception or result.output)
