"""Delivering the built digests: write previews, or send each one at most once a week.

The ledger remembers every attempt by recipient and ISO week, so a re-run of the flow sends
only what has not gone out yet: nothing after a good run, the failed ones after a partial run.
A failed send is recorded with its error and reported, never dropped.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from email.headerregistry import Address
from enum import StrEnum
from pathlib import Path
from typing import Literal

import structlog

from connectors import mail
from connectors.ledger import DigestStatus, Ledger
from engine.digest import UNASSIGNED, Digest
from engine.templating import RenderedDigest

log = structlog.get_logger(__name__)


class DeliveryStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    ALREADY_SENT = "already sent"  # this week's digest went out on an earlier run
    PREVIEWED = "previewed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one team's digest."""

    team: str
    manager_id: str | None
    recipients: tuple[str, ...]
    subject: str
    status: DeliveryStatus
    files: mail.PreviewFiles | None = None
    error: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class DigestRunSummary:
    week: str
    mode: Literal["send", "preview"]
    deliveries: tuple[Delivery, ...]
    #: Teams left out because nothing was open (WEEDER_DIGEST_SKIP_ALL_CLEAR).
    skipped_all_clear: tuple[str, ...] = ()
    #: Open findings of owners without a manager, while WEEDER_DIGEST_FALLBACK is unset.
    unrouted_findings: int = 0
    api_calls: int = 0
    seconds: float = 0.0

    def count(self, status: DeliveryStatus) -> int:
        return sum(d.status == status for d in self.deliveries)

    @property
    def failed(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.status == DeliveryStatus.FAILED)

    @property
    def status(self) -> Literal["ok", "partial"]:
        return "partial" if self.failed else "ok"

    def line(self) -> str:
        """One line for a person: ``week 2026-W47: 4 digests: 3 sent, 1 failed; …``."""
        counts = ", ".join(f"{self.count(s)} {s.value}" for s in DeliveryStatus if self.count(s))
        parts = [f"week {self.week}: {len(self.deliveries)} digest"
                 f"{'' if len(self.deliveries) == 1 else 's'}" + (f": {counts}" if counts else "")]
        if self.skipped_all_clear:
            parts.append(f"{len(self.skipped_all_clear)} all-clear team(s) not mailed "
                         "(WEEDER_DIGEST_SKIP_ALL_CLEAR)")
        if self.unrouted_findings:
            parts.append(f"{self.unrouted_findings} open finding(s) of owners without a manager "
                         "reach nobody: set WEEDER_DIGEST_FALLBACK")
        return "; ".join(parts)


def delivery_key(digest: Digest, address: str) -> str:
    """How the ledger names one recipient of one digest. The fallback digest is told apart, so
    a fallback recipient who is also a manager still gets both."""
    return address if digest.manager_id is not None else f"{UNASSIGNED}:{address}"


def preview(directory: Path, digest: Digest, rendered: RenderedDigest, sender: Address,
            reply_to: Address | None) -> Delivery:
    """Write the digest's .html, .txt and .eml exactly as it would be sent; send nothing."""
    message = mail.compose(subject=digest.subject, recipients=digest.recipients,
                           text=rendered.text, html=rendered.html, sender=sender,
                           reply_to=reply_to)
    files = mail.write_preview(directory, digest, message)
    return _delivery(digest, DeliveryStatus.PREVIEWED, files=files,
                     message_id=str(message["Message-ID"]))


def send(ledger: Ledger, digest: Digest, rendered: RenderedDigest,
         config: mail.MailConfig) -> Delivery:
    """Send to the recipients who have not had this week's digest yet, and remember the outcome
    of each. `mail.send` retries transient failures itself; this never raises for a refusal."""
    week = digest.week.iso
    due = tuple(r for r in digest.recipients
                if not ledger.digest_sent(delivery_key(digest, r.email), week))
    if not due:
        return _delivery(digest, DeliveryStatus.ALREADY_SENT)
    digest = dataclasses.replace(digest, recipients=due)
    message = mail.compose_digest(digest, rendered, config)
    outcome = mail.send(message, config.transport)
    refused = {address.lower(): reply for address, reply in outcome.refused.items()}
    errors = []
    for recipient in due:
        error = outcome.error if not outcome.ok else refused.get(recipient.email.lower())
        ledger.record_digest(delivery_key(digest, recipient.email), week,
                             status=(DigestStatus.FAILED if error else DigestStatus.SENT).value,
                             error=error, message_id=outcome.message_id)
        if error:
            errors.append(error if len(due) == 1 else f"{recipient.email}: {error}")
    status = DeliveryStatus.FAILED if errors else DeliveryStatus.SENT
    problem = "; ".join(errors) or None
    (log.warning if errors else log.info)(
        "digest.delivered", team=digest.team_name, status=status.value, recipients=len(due),
        attempts=outcome.attempts, error=problem)
    return _delivery(digest, status, error=problem, message_id=outcome.message_id)


def _delivery(digest: Digest, status: DeliveryStatus, *, files: mail.PreviewFiles | None = None,
              error: str | None = None, message_id: str | None = None) -> Delivery:
    return Delivery(team=digest.team_name, manager_id=digest.manager_id,
                    recipients=tuple(r.email for r in digest.recipients), subject=digest.subject,
                    status=status, files=files, error=error, message_id=message_id)
