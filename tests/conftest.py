"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server for the whole session (starting one costs ~9 s), with the
    flow heartbeat off (it adds ~1 s to every flow run) and analytics off.

    Not autouse: ask for it in tests that run a flow as a real Prefect flow run."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        from prefect.settings import (
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            PREFECT_SERVER_ANALYTICS_ENABLED,
            temporary_settings,
        )
        from prefect.testing.utilities import prefect_test_harness

        quiet = {PREFECT_SERVER_ANALYTICS_ENABLED: False, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        with temporary_settings(quiet), prefect_test_harness(server_startup_timeout=60):
            yield
