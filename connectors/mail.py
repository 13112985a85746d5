"""Mail: build a proper multipart/alternative message, send it over SMTP, or write previews.

Settings come from the environment (``WEEDER_SMTP_HOST WEEDER_SMTP_PORT WEEDER_SMTP_SECURITY
WEEDER_SMTP_USER WEEDER_SMTP_PASSWORD WEEDER_MAIL_FROM WEEDER_MAIL_REPLY_TO``) or from a
prefect-email ``EmailServerCredentials`` block. The message is built here with the standard
library, because prefect-email's own builder puts both bodies side by side in multipart/mixed,
which mail clients show as two attachments instead of one message.

`send` retries what may pass on a second try (4xx replies, dropped connections, timeouts) a
bounded number of times with jittered backoff, never a permanent 5xx refusal, and returns a
`SendOutcome` for the flow to record rather than raising.
"""

from __future__ import annotations

import os
import random
import re
import smtplib
import ssl
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import css_inline
import structlog
from email_validator import EmailNotValidError, validate_email

from engine.alert import Alert
from engine.digest import Digest, Recipient
from engine.errors import WeederError
from engine.links import one_line
from engine.templating import RenderedDigest

log = structlog.get_logger(__name__)

_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


class Security(StrEnum):
    SSL = "ssl"  # TLS from the first byte (port 465)
    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 587)
    NONE = "none"  # no encryption: a relay on localhost, or a test server


_DEFAULT_PORT = {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}


class Transport(Protocol):
    """Opens a connection ready to send: connected, secured and logged in."""

    def connect(self) -> smtplib.SMTP: ...


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security = Security.STARTTLS
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    #: Certificate trust for TLS; the system's by default (tests pass a private CA's).
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        server: smtplib.SMTP
        if self.security == Security.SSL:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == Security.STARTTLS:
                server.starttls(context=context)
            if self.user:
                server.login(self.user, self.password or "")
        except BaseException:
            _close_quietly(server)
            raise
        return server


@dataclass(frozen=True, slots=True)
class BlockTransport:
    """A prefect-email ``EmailServerCredentials`` block: its ``get_server()`` logs in."""

    block: Any

    def connect(self) -> smtplib.SMTP:
        server: smtplib.SMTP = self.block.get_server()
        return server


@dataclass(frozen=True, slots=True)
class MailConfig:
    transport: Transport
    sender: Address
    reply_to: Address | None = None


def config_from_env(env: Mapping[str, str] | None = None) -> MailConfig:
    """The ``WEEDER_SMTP_*`` and ``WEEDER_MAIL_*`` settings, each checked with a clear message."""
    env = os.environ if env is None else env
    host = env.get("WEEDER_SMTP_HOST", "").strip()
    if not host:
        raise WeederError("WEEDER_SMTP_HOST is not set: name the SMTP server to send mail through")
    raw_security = env.get("WEEDER_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    try:
        security = Security(raw_security)
    except ValueError:
        raise WeederError(f"WEEDER_SMTP_SECURITY={raw_security!r}: expected one of "
                          f"{', '.join(s.value for s in Security)}") from None
    raw_port = env.get("WEEDER_SMTP_PORT", "").strip()
    try:
        port = int(raw_port) if raw_port else _DEFAULT_PORT[security]
    except ValueError:
        raise WeederError(f"WEEDER_SMTP_PORT={raw_port!r}: expected a port number") from None
    if not 0 < port < 65536:
        raise WeederError(f"WEEDER_SMTP_PORT={raw_port!r}: expected a port between 1 and 65535")
    smtp = SmtpSettings(host=host, port=port, security=security,
                        user=env.get("WEEDER_SMTP_USER") or None,
                        password=env.get("WEEDER_SMTP_PASSWORD") or None)
    sender = _mailbox_setting(env, "WEEDER_MAIL_FROM")
    if sender is None:
        raise WeederError("WEEDER_MAIL_FROM is not set: the address digests are sent from, "
                          "e.g. 'Weeder <weeder@acme.com>'")
    return MailConfig(transport=smtp, sender=sender,
                      reply_to=_mailbox_setting(env, "WEEDER_MAIL_REPLY_TO"))


def config_from_block(block_name: str, sender: str, reply_to: str | None = None) -> MailConfig:
    """An ``EmailServerCredentials`` block saved in Prefect, with the From/Reply-To to use."""
    from prefect_email import EmailServerCredentials

    try:
        block = EmailServerCredentials.load(block_name)
    except ValueError as error:
        raise WeederError(f"email block {block_name!r}: {error}") from None
    return MailConfig(transport=BlockTransport(block), sender=mailbox(sender, "sender"),
                      reply_to=mailbox(reply_to, "reply-to") if reply_to else None)


def mailbox(text: str, what: str) -> Address:
    """``"Weeder <weeder@acme.com>"`` or ``weeder@acme.com`` as a checked `Address`."""
    if one_line(text) != text.strip():
        raise WeederError(f"{what}: {text!r} must be one line (no line breaks or tabs)")
    found = getaddresses([text])
    if len(found) != 1 or not found[0][1]:
        raise WeederError(f"{what}: {text!r} must be one address, "
                          f"like 'Weeder <weeder@acme.com>'")
    name, addr = found[0]
    return _address(name, addr, what)


# ----------------------------------------------------------------------------------------------
# Building messages


@dataclass(frozen=True, slots=True)
class InlineImage:
    """An image the HTML shows as ``<img src="cid:{cid}">``, sent as a related part."""

    cid: str
    data: bytes
    subtype: str = "png"


def inline_css(html: str) -> str:
    """Move the <style> rules onto the elements: Gmail and Outlook drop or ignore style blocks."""
    return _INLINER.inline(html)


def compose(*, subject: str, recipients: Sequence[Recipient], text: str, html: str | None,
            sender: Address, reply_to: Address | None = None,
            images: Sequence[InlineImage] = ()) -> EmailMessage:
    """text/plain and text/html as multipart/alternative; images related to the HTML part."""
    if not recipients:
        raise WeederError(f"message {subject!r}: no recipient")
    message = EmailMessage()
    # Header values come from the org (names) and from admins (settings): one line each, so
    # nobody can smuggle in a Bcc through a manager's name.
    message["Subject"] = one_line(subject)
    message["From"] = sender
    message["To"] = [_address(r.name, r.email, "recipient") for r in recipients]
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    # Out-of-office replies to a robot help nobody (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html is not None:
        message.add_alternative(inline_css(html), subtype="html")
        html_part = message.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)
        for image in images:
            html_part.add_related(image.data, maintype="image", subtype=image.subtype,
                                  cid=f"<{image.cid}>")
    return message


def compose_digest(digest: Digest, rendered: RenderedDigest, config: MailConfig) -> EmailMessage:
    return compose(subject=digest.subject, recipients=digest.recipients, text=rendered.text,
                   html=rendered.html, sender=config.sender, reply_to=config.reply_to)


def compose_alert(alert: Alert, text: str, recipients: Sequence[Recipient],
                  config: MailConfig) -> EmailMessage:
    """The admin alert: short, plain text only."""
    return compose(subject=alert.subject, recipients=recipients, text=text, html=None,
                   sender=config.sender, reply_to=config.reply_to)


# ----------------------------------------------------------------------------------------------
# Sending


class SendStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    status: SendStatus
    message_id: str
    recipients: tuple[str, ...]
    attempts: int
    #: Recipients the server refused while accepting others: address -> "550 reason".
    refused: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    permanent: bool = False  # the failure will not pass by retrying

    @property
    def ok(self) -> bool:
        return self.status == SendStatus.SENT


def send(message: EmailMessage, transport: Transport | None = None, *, attempts: int = 4,
         base_delay: float = 2.0, max_delay: float = 60.0,
         sleep: Callable[[float], None] = time.sleep,
         jitter: Callable[[], float] = random.random) -> SendOutcome:
    """Send once, retrying transient failures; never raises for an SMTP or network failure."""
    transport = transport if transport is not None else config_from_env().transport
    sender = message["From"].addresses[0].addr_spec
    recipients = tuple(a.addr_spec for a in message["To"].addresses)
    message_id = str(message["Message-ID"])
    attempt = 0
    while True:
        attempt += 1
        try:
            server = transport.connect()
            try:
                refused = server.send_message(message, from_addr=sender, to_addrs=recipients)
            finally:
                # After the server accepted the DATA, a failing QUIT must not make us send twice.
                _close_quietly(server)
        except Exception as error:
            transient, description = _classify(error)
            log.warning("mail.send_failed", message_id=message_id, attempt=attempt,
                        transient=transient, error=description)
            if not transient or attempt >= attempts:
                return SendOutcome(status=SendStatus.FAILED, message_id=message_id,
                                   recipients=recipients, attempts=attempt, error=description,
                                   permanent=not transient)
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            sleep(delay * (0.5 + jitter() / 2))
            continue
        refusals = {address: _reply(code, text) for address, (code, text) in refused.items()}
        log.info("mail.sent", message_id=message_id, recipients=len(recipients),
                 refused=len(refusals), attempt=attempt)
        return SendOutcome(status=SendStatus.SENT, message_id=message_id, recipients=recipients,
                           attempts=attempt, refused=refusals)


def _classify(error: Exception) -> tuple[bool, str]:
    """(transient?, description). A bug (anything not SMTP or network) is raised again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(f"{a}: {_reply(c, t)}" for a, (c, t) in error.recipients.items())
        return all(400 <= code < 500 for code in codes), f"all recipients refused ({detail})"
    if isinstance(error, smtplib.SMTPResponseException):
        # 4xx: "try again later" (greylisting, rate limits, a full queue); 5xx: a refusal that
        # the same message will meet again.
        return not 500 <= error.smtp_code < 600, _reply(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False, f"the server does not support it: {error}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return False, f"TLS certificate not trusted: {error.verify_message or error}"
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return True, f"{type(error).__name__}: {error}"
    if isinstance(error, smtplib.SMTPException):
        return False, f"{type(error).__name__}: {error}"  # e.g. no usable AUTH method
    raise error


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"


def _close_quietly(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


# ----------------------------------------------------------------------------------------------
# Previews


@dataclass(frozen=True, slots=True)
class PreviewFiles:
    html: Path
    text: Path
    eml: Path


def slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-") or "x"


def write_preview(directory: Path, digest: Digest, message: EmailMessage) -> PreviewFiles:
    """``<slug of the manager>-<id>.html/.txt/.eml``: exactly what would be sent, unsent."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{slug(digest.team_name)}-{slug(digest.manager_id or 'unassigned', 18)}"
    files = PreviewFiles(html=directory / f"{stem}.html", text=directory / f"{stem}.txt",
                         eml=directory / f"{stem}.eml")
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    files.html.write_text(html_part.get_content() if html_part else "", encoding="utf-8")
    files.text.write_text(text_part.get_content() if text_part else "", encoding="utf-8")
    files.eml.write_bytes(message.as_bytes())
    return files


def _address(name: str, addr: str, what: str) -> Address:
    try:
        valid = validate_email(one_line(addr), check_deliverability=False)
    except EmailNotValidError as error:
        raise WeederError(f"{what} {addr!r} is not a valid e-mail address: {error}") from None
    return Address(display_name=one_line(name), username=valid.local_part, domain=valid.domain)


def _mailbox_setting(env: Mapping[str, str], variable: str) -> Address | None:
    text = env.get(variable, "").strip()
    return mailbox(text, variable) if text else None
