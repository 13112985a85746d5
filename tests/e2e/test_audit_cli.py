"""`weeder audit`, `findings` and `runs` as a person types them, in a separate process against
the sandbox: once with good rules, once with a broken rule file that must stop the run before
it makes a single API call.

The commands talk to the test session's Prefect server (PREFECT_API_URL), as they would to a
long-running `prefect server start`, instead of each starting a temporary one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.orgs import ServedOrg

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

WEEDER = Path(sys.executable).with_name("weeder")
FINDING_KEYS = {"rule", "object", "record_id", "field", "severity", "status", "first_seen",
                "last_seen", "message"}
RUN_KEYS = {"id", "started_at", "mode", "status", "api_calls"}


def weeder(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "WEEDER_LOG_FORMAT": "json"}
    return subprocess.run([str(WEEDER), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_audit_plan_then_findings_and_runs_as_json(org: ServedOrg, tmp_path: Path) -> None:
    before = org.db.snapshot()

    audited = weeder("audit", "--plan", cwd=tmp_path)

    assert audited.returncode == 0, audited.stderr[-3000:]
    assert "Traceback" not in audited.stderr
    out = audited.stdout
    run_id = re.search(r"^Run (\S+) \(plan, full pass: a plan looks at everything\) — ok$",
                       out, re.M)
    assert run_id, out
    new = int(re.search(r"^Findings: (\d+) new, 0 persisting, 0 resolved$", out, re.M)[1])
    assert re.search(r"^Plan: \d+ field fixes on \d+ records, \d+ tasks to open, 0 to close",
                     out, re.M)
    used = re.search(r"^API calls: (\d+) used, ([\d,]+) remaining today$", out, re.M)
    assert used and int(used[1]) > 0
    assert org.db.snapshot() == before

    found = weeder("findings", "--format", "json", cwd=tmp_path)
    runs = weeder("runs", "--format", "json", cwd=tmp_path)

    assert found.returncode == runs.returncode == 0
    findings = json.loads(found.stdout)
    assert len(findings) == new > 0
    assert all(finding.keys() >= FINDING_KEYS for finding in findings)
    assert {f["status"] for f in findings} == {"open"}
    planted = {(d["object"], d["record_id"], d["field"]) for d in org.seeded.defects(
        "unnormalised_phone", "invalid_email", "missing_company")}
    assert planted <= {(f["object"], f["record_id"], f["field"]) for f in findings}
    [run] = json.loads(runs.stdout)
    assert run.keys() >= RUN_KEYS
    assert (run["id"], run["mode"], run["status"], run["api_calls"]) == (
        run_id[1], "plan", "ok", int(used[1]))


def test_a_broken_rule_file_is_reported_by_place_before_any_api_call(
        org: ServedOrg, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    broken = rules / "hygiene.yaml"
    broken.write_text("rules:\n  - id: lead-company-required\n    kind: required\n"
                      "    object: Lead\n    fields: [Company\n", encoding="utf-8")
    used_before = org.db.api_requests_used()

    audited = weeder("audit", "--plan", "--rules", str(rules), cwd=tmp_path)

    assert audited.returncode == 1
    assert "Traceback" not in audited.stdout + audited.stderr
    assert re.search(rf"^{re.escape(str(broken))}:6:1: YAML syntax error: ", audited.stdout, re.M)
    assert org.db.api_requests_used() == used_before
    runs = weeder("runs", "--format", "json", cwd=tmp_path)
    assert json.loads(runs.stdout) == []
