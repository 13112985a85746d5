"""`weeder digest` refuses what it cannot do before it starts Prefect or touches the network."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app

SMTP_VARIABLES = ("WEEDER_SMTP_HOST", "WEEDER_SMTP_PORT", "WEEDER_SMTP_SECURITY",
                  "WEEDER_SMTP_USER", "WEEDER_SMTP_PASSWORD", "WEEDER_SMTP_BLOCK",
                  "WEEDER_MAIL_FROM", "WEEDER_MAIL_REPLY_TO")


@pytest.fixture(autouse=True)
def no_mail_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SMTP_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("arguments", [["digest"], ["digest", "--send", "--preview", "out"]])
def test_exactly_one_of_preview_and_send(arguments: list[str]) -> None:
    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 2
    assert "give exactly one of them" in result.output
    assert "--preview" in result.output and "--send" in result.output


def test_sending_without_smtp_settings_names_the_variables() -> None:
    result = CliRunner().invoke(app, ["digest", "--send"])

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a message, not an escaped error
    assert "Traceback" not in result.output
    assert "weeder: sending mail needs WEEDER_MAIL_FROM and WEEDER_SMTP_HOST" in result.output
    assert "--preview DIR" in result.output


def test_a_malformed_week_is_refused_with_an_example() -> None:
    result = CliRunner().invoke(app, ["digest", "--preview", "out", "--week", "47"])

    assert result.exit_code == 2
    assert "week '47': expected an ISO week such as 2026-W47" in result.output


def test_a_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEEDER_DIGEST_SKIP_ALL_CLEAR", "sometimes")

    result = CliRunner().invoke(app, ["digest", "--preview", "out"])

    assert result.exit_code == 2
    assert "WEEDER_DIGEST_SKIP_ALL_CLEAR='sometimes': expected true or false" in result.output
