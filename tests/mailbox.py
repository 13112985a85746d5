"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the digest and alert
tests; it can be told to refuse some recipients with a permanent 550."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from connectors import mail


@dataclass
class Received:
    envelope_to: tuple[str, ...]
    message: EmailMessage


@dataclass
class Mailbox:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    #: Addresses answered with "550 mailbox unavailable" at RCPT TO.
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(tuple(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.envelope_to]

    def config(self, sender: str = "weeder@acme.example") -> mail.MailConfig:
        local, domain = sender.split("@")
        return mail.MailConfig(
            transport=mail.SmtpSettings(host="127.0.0.1", port=self.port,
                                        security=mail.Security.NONE, timeout=5),
            sender=Address("Weeder", local, domain))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
