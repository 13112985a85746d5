"""End-to-end set-up: a seeded org served by a sandbox subprocess over HTTP, a fresh ledger for
every test, and the audit's configuration in the environment, as a person would set it.

Seeding is done once per (size, seed) for the whole session; every test serves its own copy of
that database, so tests never see each other's writes. The flows run in this process as real
Prefect flow runs, against the one temporary Prefect server of ``prefect_harness``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.seed import seed_org
from sandbox.server import start_sandbox
from tests.e2e.orgs import SEED, SIZE, AuditEnvironment, SeededOrg, ServedOrg


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., SeededOrg]:
    """``seeded(size=, seed=)``: the seeded template database, seeded at most once a session."""
    made: dict[tuple[int, int], SeededOrg] = {}

    def get(size: int = SIZE, seed: int = SEED) -> SeededOrg:
        if (size, seed) not in made:
            folder = tmp_path_factory.mktemp(f"seed-{size}-{seed}")
            db_path, manifest_path = folder / "org.db", folder / "manifest.json"
            seed_org(db_path, size=size, seed=seed, manifest_path=manifest_path)
            made[(size, seed)] = SeededOrg(db_path, json.loads(manifest_path.read_text()))
        return made[(size, seed)]

    return get


@pytest.fixture
def audit_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AuditEnvironment:
    return AuditEnvironment(monkeypatch, tmp_path)


@pytest.fixture
def org(seeded: Callable[..., SeededOrg], audit_env: AuditEnvironment,
        tmp_path: Path) -> Iterator[ServedOrg]:
    """A fresh copy of the small seeded org, served over HTTP, with Weeder pointed at it and
    at an empty ledger."""
    template = seeded()
    db = template.copy_to(tmp_path / "org.db")
    with start_sandbox(db.path) as sandbox:
        audit_env.use(sandbox)
        yield ServedOrg(db, sandbox, template)
