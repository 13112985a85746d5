"""Digests through a real SMTP server on loopback (aiosmtpd), read back with the email package."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from connectors import mail
from connectors.templates import load_environment
from engine.digest import Digest, DigestInputs, DigestSettings, ReportWeek, build_digests
from engine.errors import WeederError
from engine.model import Action, FindingRecord, FindingStatus, Severity, fingerprint_of
from engine.templating import render_digest

INSTANCE = "https://acme.my.salesforce.com"
EVIL_NAME = "<script>alert(1)</script>"
SENDER = Address("Weeder", "weeder", "acme.example")
REPLY_TO = Address("Sales Ops, EMEA", "sales-ops", "acme.example")


@dataclass
class Inbox:
    """What the server received; `replies` scripts the answer to each DATA, then 250."""

    messages: list[Any] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(envelope)
        return "250 OK"

    def parsed(self, index: int = 0) -> EmailMessage:
        message = email.message_from_bytes(self.messages[index].content,
                                           policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def plain(port: int) -> mail.MailConfig:
    return mail.MailConfig(transport=mail.SmtpSettings(host="127.0.0.1", port=port,
                                                       security=mail.Security.NONE, timeout=5),
                           sender=SENDER, reply_to=REPLY_TO)


def team_digest(manager_name: str = "Maria Chen") -> Digest:
    week = ReportWeek.parse("2026-W47")
    wednesday = week.start + timedelta(days=2)
    users = [
        {"Id": "005M", "Name": manager_name, "Email": "maria@acme.example", "ManagerId": None,
         "IsActive": True},
        {"Id": "005A", "Name": "Alan Rep", "Email": "alan@acme.example", "ManagerId": "005M",
         "IsActive": True},
    ]
    findings = [
        FindingRecord(
            fingerprint=fingerprint_of("stage-jump", "006X", "StageName"), rule_id="stage-jump",
            severity=Severity.ERROR, object="Opportunity", record_id="006X", field="StageName",
            message="jumped", owner_id="005A", status=FindingStatus.OPEN,
            evidence={"from": "Prospecting", "to": "Closed Won", "amount": 5000,
                      "by": "005A", "when": "2026-11-17T10:00:00Z"},
            first_seen=wednesday, last_seen=wednesday, action=Action.TASK),
        FindingRecord(
            fingerprint=fingerprint_of("email", "003A", "Email"), rule_id="email",
            severity=Severity.ERROR, object="Contact", record_id="003A", field="Email",
            message="Email 'ann@@acme' is not valid", evidence={}, owner_id="005A",
            status=FindingStatus.OPEN, first_seen=datetime(2026, 11, 1, tzinfo=UTC),
            last_seen=wednesday, action=Action.TASK),
    ]
    inputs = DigestInputs(week=week, findings=findings, journal=[], users=users,
                          records_owned={"005A": 40},
                          record_names={"006X": EVIL_NAME, "003A": "Ann Lee"})
    (digest,) = build_digests(inputs, DigestSettings(instance_url=INSTANCE)).digests
    return digest


def compose(digest: Digest, port: int) -> EmailMessage:
    return mail.compose_digest(digest, render_digest(load_environment(), digest), plain(port))


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"no retry expected, slept {seconds}")


def test_a_digest_arrives_as_one_multipart_alternative_message(inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    digest = team_digest()
    outcome = mail.send(compose(digest, port), plain(port).transport, sleep=no_sleep)

    assert outcome.ok and outcome.attempts == 1
    (envelope,) = server.messages
    assert envelope.mail_from == "weeder@acme.example"
    assert envelope.rcpt_tos == ["maria@acme.example"]
    message = server.parsed()
    assert message["Subject"] == "Weeder weekly hygiene digest — Maria Chen — week 47"
    assert message["To"].addresses[0].addr_spec == "maria@acme.example"
    assert message["From"] == "Weeder <weeder@acme.example>"
    # A display name with a comma arrives quoted, still one mailbox.
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["sales-ops@acme.example"]
    assert message["Reply-To"].addresses[0].display_name == "Sales Ops, EMEA"
    assert message["Message-ID"] == outcome.message_id and "@acme.example>" in outcome.message_id
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_links_css_and_record_names_survive_the_trip(inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    mail.send(compose(team_digest(), port), plain(port).transport, sleep=no_sleep)
    message = server.parsed()
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()

    for body in (text, html):
        assert f"{INSTANCE}/lightning/r/Opportunity/006X/view" in body
        assert f"{INSTANCE}/lightning/r/Contact/003A/view" in body
    # The record named like a script is text: escaped in HTML, literal in plain text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert f"- {EVIL_NAME} [new]: Prospecting → Closed Won" in text
    # CSS is on the elements, where Gmail and Outlook read it; no style block is left.
    assert "<style" not in html
    assert '<h1 style="' in html
    assert "Email 'ann@@acme' is not valid" in text
    assert "Email 'ann@@acme' is not valid" in html


def test_header_injection_through_a_managers_name_goes_nowhere(inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    digest = team_digest(manager_name="Eve\r\nBcc: thief@evil.example")
    outcome = mail.send(compose(digest, port), plain(port).transport, sleep=no_sleep)

    assert outcome.ok
    (envelope,) = server.messages
    assert envelope.rcpt_tos == ["maria@acme.example"]
    message = server.parsed()
    assert message["Bcc"] is None
    assert "thief@evil.example" not in [a.addr_spec for a in message["To"].addresses]
    assert message["Subject"] == (
        "Weeder weekly hygiene digest — Eve Bcc: thief@evil.example — week 47")
    assert message["To"].addresses[0].display_name == "Eve Bcc: thief@evil.example"


@pytest.mark.parametrize("sender", ["weeder@acme.example\r\nBcc: thief@evil.example",
                                    "weeder@acme.example, thief@evil.example"])
def test_header_injection_through_settings_is_refused(sender: str) -> None:
    env = {"WEEDER_SMTP_HOST": "smtp.acme.example", "WEEDER_MAIL_FROM": sender}
    with pytest.raises(WeederError, match="WEEDER_MAIL_FROM: .* must be one"):
        mail.config_from_env(env)


def test_a_temporary_refusal_is_retried_after_a_bounded_jittered_pause(
        inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    server.replies = ["451 4.3.0 Try again later"]
    pauses: list[float] = []
    outcome = mail.send(compose(team_digest(), port), plain(port).transport,
                        base_delay=2.0, sleep=pauses.append, jitter=lambda: 1.0)

    assert outcome.ok and outcome.attempts == 2
    assert pauses == [2.0]  # base delay, full jitter factor at its top
    assert len(server.messages) == 1


def test_a_permanent_refusal_is_not_retried(inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    server.replies = ["554 5.7.1 Message rejected as spam"]
    outcome = mail.send(compose(team_digest(), port), plain(port).transport, sleep=no_sleep)

    assert not outcome.ok and outcome.permanent and outcome.attempts == 1
    assert outcome.error == "554 5.7.1 Message rejected as spam"
    assert server.messages == []


def test_an_unreachable_server_is_retried_a_bounded_number_of_times() -> None:
    port = free_port()  # nothing listens here
    pauses: list[float] = []
    outcome = mail.send(compose(team_digest(), port), plain(port).transport, attempts=3,
                        base_delay=1.0, max_delay=1.5, sleep=pauses.append, jitter=lambda: 0.0)

    assert not outcome.ok and not outcome.permanent and outcome.attempts == 3
    assert "ConnectionRefusedError" in (outcome.error or "")
    assert pauses == [0.5, 0.75]  # halved by zero jitter; the second capped by max_delay


def test_starttls_with_login(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        # handled=False: let the server answer 535 itself on a wrong password.
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            tls_context=server_context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True,
                            auth_exclude_mechanism=["LOGIN"])  # one mechanism, one try
    controller.start()
    try:
        def settings(password: str) -> mail.SmtpSettings:
            return mail.SmtpSettings(host="127.0.0.1", port=controller.port,
                                     security=mail.Security.STARTTLS, user="weeder",
                                     password=password, timeout=5, ssl_context=client_context)

        message = compose(team_digest(), controller.port)
        assert mail.send(message, settings("s3cret"), sleep=no_sleep).ok
        refused = mail.send(message, settings("wrong"), sleep=no_sleep)
    finally:
        controller.stop()

    assert len(handler.messages) == 1
    assert logins == [(b"weeder", b"s3cret"), (b"weeder", b"wrong")]
    assert refused.permanent and (refused.error or "").startswith("535")


def test_settings_come_from_the_environment_with_clear_errors() -> None:
    config = mail.config_from_env({"WEEDER_SMTP_HOST": "smtp.acme.example",
                                   "WEEDER_SMTP_SECURITY": "SSL",
                                   "WEEDER_MAIL_FROM": "Weeder <weeder@acme.example>",
                                   "WEEDER_MAIL_REPLY_TO": "ops@acme.example"})
    assert isinstance(config.transport, mail.SmtpSettings)
    assert (config.transport.port, config.transport.security) == (465, mail.Security.SSL)
    assert str(config.sender) == "Weeder <weeder@acme.example>"
    assert str(config.reply_to) == "ops@acme.example"
    assert "password" not in repr(config.transport).lower().replace("password=", "")

    for env, complaint in [
        ({}, "WEEDER_SMTP_HOST is not set"),
        ({"WEEDER_SMTP_HOST": "h", "WEEDER_SMTP_SECURITY": "tls"}, "WEEDER_SMTP_SECURITY='tls'"),
        ({"WEEDER_SMTP_HOST": "h", "WEEDER_SMTP_PORT": "smtp"}, "WEEDER_SMTP_PORT='smtp'"),
        ({"WEEDER_SMTP_HOST": "h"}, "WEEDER_MAIL_FROM is not set"),
    ]:
        with pytest.raises(WeederError, match=complaint):
            mail.config_from_env(env)


def test_previews_hold_what_would_be_sent(tmp_path: Path) -> None:
    digest = team_digest(manager_name="Zoë O'Brien-Smith")
    message = compose(digest, 25)
    files = mail.write_preview(tmp_path, digest, message)

    assert files.html.name == "zoe-o-brien-smith-005m.html"
    assert {p.suffix for p in tmp_path.iterdir()} == {".html", ".txt", ".eml"}
    reread = email.message_from_bytes(files.eml.read_bytes(), policy=email.policy.default)
    assert reread["Subject"] == message["Subject"]
    assert "&lt;script&gt;" in files.html.read_text() and "<style" not in files.html.read_text()
    assert EVIL_NAME in files.text.read_text()


def test_inline_images_travel_as_related_parts_of_the_html() -> None:
    message = mail.compose(subject="chart", recipients=team_digest().recipients, text="t",
                           html='<p><img src="cid:trend"></p>', sender=SENDER,
                           images=[mail.InlineImage(cid="trend", data=b"\x89PNG...")])
    html_alternative = list(message.iter_parts())[1]
    assert html_alternative.get_content_type() == "multipart/related"
    image = list(html_alternative.iter_parts())[1]
    assert (image.get_content_type(), image["Content-ID"]) == ("image/png", "<trend>")


def test_implicit_tls_and_an_untrusted_certificate() -> None:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            ssl_context=server_context)
    controller.start()
    try:
        def settings(context: ssl.SSLContext) -> mail.SmtpSettings:
            return mail.SmtpSettings(host="127.0.0.1", port=controller.port,
                                     security=mail.Security.SSL, timeout=5, ssl_context=context)

        message = compose(team_digest(), controller.port)
        sent = mail.send(message, settings(trusting), sleep=no_sleep)
        untrusted = mail.send(message, settings(ssl.create_default_context()), sleep=no_sleep)
    finally:
        controller.stop()

    assert sent.ok and len(handler.messages) == 1
    assert untrusted.permanent and "certificate" in (untrusted.error or "")
