"""`weeder audit` and `weeder revert` refuse a missing login before any API call or Prefect
start, with the message a person needs."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from engine.errors import WeederError
from flows.cli import app

SF_VARIABLES = ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_DOMAIN", "SF_CONSUMER_KEY",
                "SF_CONSUMER_SECRET", "SF_PRIVATE_KEY_FILE", "SF_INSTANCE_URL", "SF_SESSION_ID")


@pytest.mark.parametrize("command", [["audit", "--plan"], ["revert", "20261122T000000-abcd"]])
def test_a_missing_login_is_named_before_anything_runs(
        command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SF_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    started_prefect = "flows.audit" in sys.modules or "flows.revert" in sys.modules

    result = CliRunner().invoke(app, command)

    assert isinstance(result.exception, WeederError)
    assert "No Salesforce login is configured" in str(result.exception)
    assert "SF_USERNAME + SF_PASSWORD" in str(result.exception)
    if not started_prefect:  # the flows (and Prefect) were never imported
        assert "flows.audit" not in sys.modules and "flows.revert" not in sys.modules
