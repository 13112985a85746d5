"""Under injected faults, an `--apply` followed by a fault-free `--apply` ends with the org where
one fault-free `--apply` leaves it: no fix lost or applied twice, no duplicate task, every
finding recorded.

The sandbox's faults (503s, 403 REQUEST_LIMIT_EXCEEDED, dropped sessions, rows locked in
sObject-collection writes) come from a seeded generator in request order, so a fault seed
always gives the same faults. At the issue's rate of 0.1 the connector's retries absorb them;
at 0.4 the run gives up part-way and the next run has to finish its work.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.ledger import Ledger
from engine.model import FindingStatus, JournalKind, JournalStatus
from flows.audit import audit_flow
from sandbox.server import start_sandbox
from tests.e2e.orgs import (
    AUDITED,
    AuditEnvironment,
    OrgDatabase,
    SeededOrg,
    without_system_fields,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

#: (fault rate, fault seed): the issue's rate, with faults on reads and on collection writes;
#: and a harsh rate at which the run gives up while writing (a dropped session twice running)
SCENARIOS = [(0.1, 9), (0.4, 4)]
if os.environ.get("E2E_FAULT_SCENARIOS"):  # exploring: "0.3:1,0.3:2"
    SCENARIOS = [(float(r), int(s)) for r, s in (
        pair.split(":") for pair in os.environ["E2E_FAULT_SCENARIOS"].split(","))]


@dataclass(frozen=True)
class AuditedOrg:
    db: OrgDatabase
    ledger: Path


def records(db: OrgDatabase) -> dict[str, dict[str, dict[str, Any]]]:
    return {name: {i: without_system_fields(r) for i, r in db.rows(name).items()}
            for name in AUDITED}


_LOOPBACK = re.compile(r"http://127\.0\.0\.1:\d+")


def weeder_tasks(db: OrgDatabase) -> Counter[tuple[Any, ...]]:
    """Weeder's review tasks, open and closed, by what they say (ids differ between orgs)."""
    # Descriptions link to the org, and the two sandboxes listen on different ports.
    return Counter((t["WhatId"], t["WhoId"], t["Subject"], t["OwnerId"], t["Status"],
                    t["ActivityDate"], _LOOPBACK.sub("http://sandbox", t["Description"] or ""))
                   for t in db.weeder_tasks().values())


def findings(ledger_path: Path) -> dict[str, str]:
    with Ledger.open(f"sqlite:///{ledger_path}") as ledger:
        return {f.fingerprint: f.status.value for f in ledger.findings(status=None)}


def field_writes(ledger_path: Path) -> Counter[tuple[str, str, str]]:
    """How many times each field was written successfully, over every run."""
    with Ledger.open(f"sqlite:///{ledger_path}") as ledger:
        return Counter((e.object, e.record_id or "", e.field or "")
                       for run in ledger.runs() for e in ledger.journal(run.id)
                       if e.kind in (JournalKind.FIX, JournalKind.REVERT)
                       and e.status is JournalStatus.OK)


def settle(summary: dict[str, Any]) -> None:
    """A fault-free apply right after the work is done writes nothing."""
    assert summary["status"] == "ok", summary["problems"]
    assert set(summary["writes"].values()) == {0}, summary["writes"]


@pytest.fixture(scope="module")
def reference(seeded: Callable[..., SeededOrg],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedOrg]:
    """The seeded org after one fault-free apply (and the run after it, which writes nothing)."""
    folder = tmp_path_factory.mktemp("reference")
    db = seeded().copy_to(folder / "org.db")
    with pytest.MonkeyPatch.context() as patch, start_sandbox(db.path) as sandbox:
        ledger = AuditEnvironment(patch, folder).use(sandbox)
        once = audit_flow(mode="apply")
        assert once["status"] == "ok" and once["writes"]["fixes_applied"] > 0
        settle(audit_flow(mode="apply"))
        yield AuditedOrg(db, ledger)


@pytest.mark.parametrize(("fault_rate", "fault_seed"), SCENARIOS)
def test_apply_under_faults_then_a_clean_apply_ends_like_one_clean_apply(
        seeded: Callable[..., SeededOrg], audit_env: AuditEnvironment, tmp_path: Path,
        reference: AuditedOrg, fault_rate: float, fault_seed: int) -> None:
    db = seeded().copy_to(tmp_path / "org.db")

    with start_sandbox(db.path, fault_rate=fault_rate, fault_seed=fault_seed) as sandbox:
        ledger = audit_env.use(sandbox)
        with contextlib.suppress(Exception):  # a run may give up; the next one picks up
            audit_flow(mode="apply")
        faults = sandbox.log().count("sandbox.fault")
    with start_sandbox(db.path) as sandbox:
        audit_env.use(sandbox)
        recovered = audit_flow(mode="apply")
        assert recovered["status"] == "ok", recovered["problems"]
        settle(audit_flow(mode="apply"))

    assert faults > 0
    after, expected = records(db), records(reference.db)
    for name in AUDITED:
        differing = sorted(i for i in expected[name] if after[name][i] != expected[name][i])
        assert not differing, (name, differing[:5])
    tasks = weeder_tasks(db)
    assert tasks == weeder_tasks(reference.db)
    assert max(tasks.values()) == 1  # no duplicate task
    assert field_writes(ledger) == field_writes(reference.ledger)  # none lost, none twice
    assert findings(ledger) == findings(reference.ledger)
    assert FindingStatus.OPEN.value in findings(ledger).values()
    with Ledger.open(f"sqlite:///{ledger}") as remembered:
        assert remembered.pending_entries() == []


class Crash(Exception):
    """The process dies: nothing after this point of the run happens."""


@pytest.mark.parametrize("crash_in", ["journal_outcomes", "link_task"])
def test_a_run_that_dies_after_sending_writes_is_finished_by_the_next_without_doing_twice(
        seeded: Callable[..., SeededOrg], audit_env: AuditEnvironment, tmp_path: Path,
        reference: AuditedOrg, monkeypatch: pytest.MonkeyPatch, crash_in: str) -> None:
    """Writes that reached the org but whose outcome was never recorded (the worst moment to
    die: journal_outcomes after the first batch of fixes, link_task right after the tasks
    were created) are recognised by the next run, neither lost nor written again."""
    db = seeded().copy_to(tmp_path / "org.db")

    def die(*_args: Any, **_kwargs: Any) -> None:
        raise Crash(crash_in)

    with start_sandbox(db.path) as sandbox:
        ledger = audit_env.use(sandbox)
        with monkeypatch.context() as crashing:
            crashing.setattr(Ledger, crash_in, die)
            with pytest.raises(Crash):
                audit_flow(mode="apply")
        with Ledger.open() as remembered:
            crashed_run = remembered.runs(limit=1)[0].id
            assert remembered.pending_entries()
        recovered = audit_flow(mode="apply")
        assert recovered["status"] == "ok", recovered["problems"]
        settle(audit_flow(mode="apply"))

    after, expected = records(db), records(reference.db)
    for name in AUDITED:
        differing = sorted(i for i in expected[name] if after[name][i] != expected[name][i])
        assert not differing, (name, differing[:5])
    tasks = weeder_tasks(db)
    assert tasks == weeder_tasks(reference.db)
    assert max(tasks.values()) == 1
    assert field_writes(ledger) == field_writes(reference.ledger)
    assert findings(ledger) == findings(reference.ledger)
    with Ledger.open() as remembered:
        assert remembered.pending_entries() == []
        crashed = remembered.journal(crashed_run)
    assert crashed and all(e.status is JournalStatus.OK for e in crashed)
