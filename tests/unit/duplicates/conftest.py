"""Matchers for the duplicate tests: the shipped defaults, and small ones written inline."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.duplicates import DuplicatesConfig, Matcher, load_config, parse_config


@pytest.fixture(scope="session")
def defaults() -> DuplicatesConfig:
    return load_config()


@pytest.fixture(scope="session")
def contact_matcher(defaults: DuplicatesConfig) -> Matcher:
    return defaults.matcher_for("Contact")[1]


@pytest.fixture(scope="session")
def account_matcher(defaults: DuplicatesConfig) -> Matcher:
    return defaults.matcher_for("Account")[1]


@pytest.fixture()
def matcher_from_yaml() -> Callable[[str], Matcher]:
    """A one-matcher config from the YAML of its body (indented under ``matchers: {m: …}``)."""

    def build(body: str) -> Matcher:
        indented = "\n".join("    " + line for line in body.strip("\n").splitlines())
        config = parse_config(f"version: 1\nmatchers:\n  test_matcher:\n{indented}\n")
        return config.matchers["test_matcher"]

    return build
