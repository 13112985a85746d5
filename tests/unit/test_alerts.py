"""Admin alerts after an audit: new error findings, mailed once, through a loopback SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.ledger import Ledger
from engine.model import Finding, FindingRecord, Severity
from flows.alerts import AlertOutcome, AlertStatus, send_admin_alerts
from tests.mailbox import Mailbox, running_mailbox
from tests.unit.ledger_support import Clock

INSTANCE = "https://acme.my.salesforce.com"
ADMINS = ["ops@acme.example", "Dana Admin <dana@acme.example>"]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(f"sqlite:///{tmp_path / 'weeder.db'}", clock=Clock()) as opened:
        yield opened


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def audit(ledger: Ledger, findings: list[Finding]) -> list[FindingRecord]:
    """Record one run's findings; returns the new ones, as the audit flow has them."""
    run = ledger.start_run(mode="apply", rules_hash="h", full=False)
    diff = ledger.record_findings(run, findings, evaluated={},
                                  rules={f.rule_id for f in findings})
    return diff.new


def error(record_id: str, rule_id: str = "contact-email-format") -> Finding:
    return Finding(rule_id=rule_id, severity=Severity.ERROR, object="Contact",
                   record_id=record_id, field="Email", message=f"Email of {record_id} is invalid",
                   owner_id="005A")


def warning(record_id: str) -> Finding:
    return Finding(rule_id="contact-phone-format", severity=Severity.WARNING, object="Contact",
                   record_id=record_id, field="Phone", message="Phone is not E.164")


def alert(ledger: Ledger, mailbox: Mailbox, findings: list[FindingRecord] | list[Finding],
          recipients: list[str] | None = ADMINS) -> AlertOutcome:
    return send_admin_alerts(ledger, findings, instance_url=INSTANCE,
                             mail_config=mailbox.config(), recipients=recipients)


def test_new_errors_are_mailed_once_and_warnings_not_at_all(ledger: Ledger,
                                                            mailbox: Mailbox) -> None:
    new = audit(ledger, [error("003A"), error("003B"), warning("003W")])

    outcome = alert(ledger, mailbox, new)

    assert outcome.status == AlertStatus.SENT and outcome.announced == 2
    (received,) = mailbox.received
    assert sorted(received.envelope_to) == ["dana@acme.example", "ops@acme.example"]
    message = received.message
    assert message["Subject"] == "Weeder: 2 new error findings"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert f"{INSTANCE}/lightning/r/Contact/003A/view" in body
    assert f"{INSTANCE}/lightning/r/Contact/003B/view" in body
    assert "003W" not in body

    assert alert(ledger, mailbox, new).status == AlertStatus.NOTHING_NEW
    assert len(mailbox.received) == 1


def test_only_the_findings_not_announced_before_are_mailed(ledger: Ledger,
                                                           mailbox: Mailbox) -> None:
    alert(ledger, mailbox, [error("003A")])  # plain engine findings are accepted too

    outcome = alert(ledger, mailbox, [error("003A"), error("003C")])

    assert outcome.announced == 1
    body = mailbox.received[-1].message.get_content()
    assert mailbox.received[-1].message["Subject"] == "Weeder: 1 new error finding"
    assert "003C" in body and "003A" not in body


def test_a_refused_alert_is_tried_again_next_time(ledger: Ledger, mailbox: Mailbox) -> None:
    mailbox.refuse = {"ops@acme.example"}

    failed = alert(ledger, mailbox, [error("003A")], recipients=["ops@acme.example"])

    assert failed.status == AlertStatus.FAILED and not failed.ok
    assert failed.error is not None and "550" in failed.error
    assert mailbox.received == []
    mailbox.refuse.clear()
    assert alert(ledger, mailbox, [error("003A")]).status == AlertStatus.SENT


def test_no_admin_address_means_no_alert(ledger: Ledger, mailbox: Mailbox,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEEDER_ALERT_TO", raising=False)

    assert alert(ledger, mailbox, [error("003A")], recipients=None).status == AlertStatus.DISABLED
    assert alert(ledger, mailbox, [error("003A")], recipients=[]).status == AlertStatus.DISABLED
    assert mailbox.received == []
    assert ledger.unannounced({error("003A").fingerprint})  # still to be announced


def test_admins_and_smtp_settings_come_from_the_environment(
    ledger: Ledger, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEEDER_ALERT_TO", "ops@acme.example")
    for name in ("WEEDER_SMTP_HOST", "WEEDER_MAIL_FROM", "WEEDER_SMTP_BLOCK"):
        monkeypatch.delenv(name, raising=False)

    unconfigured = send_admin_alerts(ledger, [error("003A")], instance_url=INSTANCE)

    assert unconfigured.status == AlertStatus.FAILED
    assert unconfigured.error is not None and "WEEDER_SMTP_HOST" in unconfigured.error

    monkeypatch.setenv("WEEDER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WEEDER_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("WEEDER_SMTP_SECURITY", "none")
    monkeypatch.setenv("WEEDER_MAIL_FROM", "Weeder <weeder@acme.example>")

    sent = send_admin_alerts(ledger, [error("003A")], instance_url=INSTANCE)

    assert sent.status == AlertStatus.SENT
    assert [r.envelope_to for r in mailbox.received] == [("ops@acme.example",)]
