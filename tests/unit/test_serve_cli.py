"""`weeder serve`: both schedules in one process, the digest in the managers' timezone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import prefect
import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from flows.serve_cli import AUDIT_CRON, DIGEST_CRON


def test_serve_runs_the_hourly_audit_and_the_monday_digest(
        monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Any] = []
    options: dict[str, Any] = {}
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(prefect, "serve", lambda *deployments, **given: (
        served.extend(deployments), options.update(given)))

    result = CliRunner().invoke(app, ["serve", "--timezone", "Europe/Berlin"])

    assert result.exit_code == 0, result.output
    by_name = {deployment.name: deployment for deployment in served}
    assert set(by_name) == {"hourly-audit", "weekly-digest"}
    audit, digest = by_name["hourly-audit"], by_name["weekly-digest"]
    assert audit.schedules[0].schedule.cron == AUDIT_CRON == "0 * * * *"
    assert digest.schedules[0].schedule.cron == DIGEST_CRON == "0 7 * * 1"
    assert digest.schedules[0].schedule.timezone == "Europe/Berlin"
    assert digest.parameters == {"send": True}
    # with Prefect's temporary server there is nothing to pause on the way out
    assert options["pause_on_shutdown"] is False


def test_prefect_yaml_declares_the_same_two_deployments() -> None:
    with open(Path(__file__).resolve().parents[2] / "prefect.yaml", encoding="utf-8") as handle:
        declared = {d["name"]: d for d in yaml.safe_load(handle)["deployments"]}

    assert declared["hourly-audit"]["schedules"][0]["cron"] == AUDIT_CRON
    assert declared["hourly-audit"]["entrypoint"] == "flows/audit.py:audit_flow"
    assert declared["weekly-digest"]["schedules"][0]["cron"] == DIGEST_CRON
    assert declared["weekly-digest"]["entrypoint"] == "flows/digest.py:digest_flow"
