"""After an audit: one short mail to the admins when new error findings appear, once each.

Switched on by ``WEEDER_ALERT_TO`` (comma-separated addresses). A finding is announced at most
once: the ledger remembers what was announced, and marks it only after the server accepted the
message, so a failed alert is tried again after the next audit. The audit flow calls
`send_admin_alerts` at its end with the run's new findings; it never raises for a mail or
configuration problem, because the audit's work is done by then: it returns what happened.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import structlog

from connectors import mail
from connectors.ledger import Ledger
from connectors.templates import load_environment
from engine.alert import build_alert
from engine.digest import Recipient
from engine.errors import WeederError
from engine.model import Finding, FindingRecord, FindingStatus, Severity
from engine.templating import render_alert
from flows.digest_config import addresses, mail_config_from_env

log = structlog.get_logger(__name__)

ALERT_TO = "WEEDER_ALERT_TO"


class AlertStatus(StrEnum):
    DISABLED = "disabled"  # WEEDER_ALERT_TO is not set
    NOTHING_NEW = "nothing new"  # no error finding that was not announced before
    SENT = "sent"
    FAILED = "failed"  # the findings stay unannounced: the next audit tries again


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    status: AlertStatus
    announced: int = 0  # findings this alert announced (all of them, even beyond those listed)
    recipients: tuple[str, ...] = ()
    subject: str | None = None
    message_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != AlertStatus.FAILED

    def line(self) -> str:
        if self.status == AlertStatus.SENT:
            to = ", ".join(self.recipients)
            return f"alert: {self.announced} new error finding(s) mailed to {to}"
        if self.status == AlertStatus.FAILED:
            return f"alert: FAILED ({self.error}); the findings will be announced next time"
        return f"alert: {self.status.value}"


def send_admin_alerts(
    ledger: Ledger,
    new_findings: Sequence[FindingRecord | Finding],
    *,
    instance_url: str,
    mail_config: mail.MailConfig | None = None,
    recipients: Sequence[str] | None = None,
    templates_dir: Path | None = None,
    record_names: Mapping[str, str] | None = None,
    rule_titles: Mapping[str, str] | None = None,
) -> AlertOutcome:
    """Mail the admins the error findings among ``new_findings`` that no alert announced yet.

    ``recipients`` defaults to ``WEEDER_ALERT_TO`` (unset or empty: disabled, nothing read);
    ``mail_config`` to the ``WEEDER_SMTP_*``/``WEEDER_MAIL_*`` settings, read only when there
    is something to send. ``templates_dir`` defaults to ``WEEDER_TEMPLATES_DIR`` or the shipped
    templates (``alert.txt.j2``).
    """
    try:
        to = _recipients(recipients)
        if not to:
            return AlertOutcome(AlertStatus.DISABLED)
        errors = [_as_record(f) for f in new_findings if f.severity == Severity.ERROR]
        fresh = ledger.unannounced({f.fingerprint for f in errors})
        announced = {f.fingerprint for f in errors} - fresh
        alert = build_alert(errors, announced, instance_url=instance_url,
                            record_names=record_names, rule_titles=rule_titles)
        if alert is None:
            return AlertOutcome(AlertStatus.NOTHING_NEW)
        config = mail_config or mail_config_from_env()
        env = load_environment(templates_dir or os.environ.get("WEEDER_TEMPLATES_DIR") or None)
        message = mail.compose_alert(alert, render_alert(env, alert), to, config)
    except WeederError as error:
        log.warning("alert.not_sent", error=str(error))
        return AlertOutcome(AlertStatus.FAILED, error=str(error))
    outcome = mail.send(message, config.transport)
    addresses_ = tuple(r.email for r in to)
    if not outcome.ok:
        log.warning("alert.failed", findings=alert.total, error=outcome.error)
        return AlertOutcome(AlertStatus.FAILED, recipients=addresses_, subject=alert.subject,
                            message_id=outcome.message_id, error=outcome.error)
    # Accepted for at least one admin: announced. Refused addresses are reported, not retried.
    ledger.mark_announced(alert.fingerprints)
    refused = "; ".join(f"{a}: {reply}" for a, reply in outcome.refused.items()) or None
    log.info("alert.sent", findings=alert.total, recipients=len(addresses_), refused=refused)
    return AlertOutcome(AlertStatus.SENT, announced=alert.total, recipients=addresses_,
                        subject=alert.subject, message_id=outcome.message_id, error=refused)


def _recipients(given: Sequence[str] | None) -> tuple[Recipient, ...]:
    if given is None:
        found = addresses(os.environ, ALERT_TO)
    else:
        found = tuple(mail.mailbox(text, "alert recipient") for text in given if text.strip())
    return tuple(Recipient(name=a.display_name, email=a.addr_spec) for a in found)


def _as_record(finding: FindingRecord | Finding) -> FindingRecord:
    """A finding just seen by a run, in the ledger's shape (an alert only reads its content)."""
    if isinstance(finding, FindingRecord):
        return finding
    now = datetime.now(UTC)
    return FindingRecord(
        fingerprint=finding.fingerprint, rule_id=finding.rule_id, severity=finding.severity,
        object=finding.object, record_id=finding.record_id, field=finding.field,
        message=finding.message, evidence=finding.evidence, owner_id=finding.owner_id,
        status=FindingStatus.OPEN, first_seen=now, last_seen=now, action=finding.action)
