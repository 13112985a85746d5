"""The weekly digest's settings, read from the environment and checked before any I/O.

``WEEDER_DIGEST_FALLBACK``        comma-separated addresses for records whose owner has no manager
``WEEDER_DIGEST_SKIP_ALL_CLEAR``  true: a manager with nothing open gets no mail (default false)
``WEEDER_DIGEST_TIMEZONE``        IANA zone of the week boundaries (default UTC)
``WEEDER_TEMPLATES_DIR``          the admins' edited templates (default: the shipped templates/)
``WEEDER_MAIL_FROM``, ``WEEDER_MAIL_REPLY_TO``, ``WEEDER_SMTP_*``   see connectors/mail.py
``WEEDER_SMTP_BLOCK``             a prefect-email EmailServerCredentials block, instead of SMTP_*
``WEEDER_ALERT_TO``               comma-separated admin addresses for alerts (unset: no alerts)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from email.headerregistry import Address
from email.utils import formataddr, getaddresses
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors import mail
from connectors.templates import TEMPLATES_DIR
from engine.digest import DigestSettings
from engine.errors import WeederError

#: What a preview's From says when WEEDER_MAIL_FROM is not set (a preview needs no SMTP).
PREVIEW_SENDER = Address("Weeder", "weeder", "example.com")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class DigestConfig:
    timezone: tzinfo
    fallback_recipients: tuple[str, ...]
    skip_all_clear: bool
    templates_dir: Path
    sender: Address
    reply_to: Address | None
    #: How to send; None for a preview, which needs no SMTP server.
    mail: mail.MailConfig | None

    @classmethod
    def from_env(cls, *, sending: bool, env: Mapping[str, str] | None = None) -> DigestConfig:
        env = os.environ if env is None else env
        mail_config = mail_config_from_env(env) if sending else None
        sender = (mail_config.sender if mail_config
                  else _optional_mailbox(env, "WEEDER_MAIL_FROM") or PREVIEW_SENDER)
        reply_to = (mail_config.reply_to if mail_config
                    else _optional_mailbox(env, "WEEDER_MAIL_REPLY_TO"))
        fallback = addresses(env, "WEEDER_DIGEST_FALLBACK")
        return cls(
            timezone=timezone_from_env(env),
            fallback_recipients=tuple(address.addr_spec for address in fallback),
            skip_all_clear=flag(env, "WEEDER_DIGEST_SKIP_ALL_CLEAR"),
            templates_dir=Path(env.get("WEEDER_TEMPLATES_DIR", "").strip() or TEMPLATES_DIR),
            sender=sender, reply_to=reply_to, mail=mail_config,
        )

    def digest_settings(self, instance_url: str) -> DigestSettings:
        return DigestSettings(instance_url=instance_url, skip_all_clear=self.skip_all_clear,
                              fallback_recipients=self.fallback_recipients)


def mail_config_from_env(env: Mapping[str, str] | None = None) -> mail.MailConfig:
    """SMTP settings for sending, with one message naming everything that is missing."""
    env = os.environ if env is None else env
    block = env.get("WEEDER_SMTP_BLOCK", "").strip()
    missing = [name for name in ("WEEDER_MAIL_FROM",) + (() if block else ("WEEDER_SMTP_HOST",))
               if not env.get(name, "").strip()]
    if missing:
        raise WeederError(
            f"sending mail needs {' and '.join(missing)} (not set). Set WEEDER_SMTP_HOST, "
            "WEEDER_SMTP_PORT, WEEDER_SMTP_SECURITY (ssl, starttls or none), WEEDER_SMTP_USER, "
            "WEEDER_SMTP_PASSWORD and WEEDER_MAIL_FROM (e.g. 'Weeder <weeder@acme.com>'), or "
            "WEEDER_SMTP_BLOCK with the name of a prefect-email EmailServerCredentials block; "
            "`weeder digest --preview DIR` needs none of them")
    if block:
        return mail.config_from_block(block, env["WEEDER_MAIL_FROM"],
                                      env.get("WEEDER_MAIL_REPLY_TO") or None)
    return mail.config_from_env(env)


def addresses(env: Mapping[str, str], variable: str) -> tuple[Address, ...]:
    """``a@x.org, Sales Ops <ops@x.org>`` as checked addresses; empty when unset."""
    text = env.get(variable, "").strip()
    if not text:
        return ()
    found = [(name, addr) for name, addr in getaddresses([text]) if name or addr]
    if not found or any(not addr for _, addr in found):
        raise WeederError(f"{variable}={text!r}: expected comma-separated e-mail addresses, "
                          "e.g. 'ops@acme.com, Sales Ops <sales-ops@acme.com>'")
    return tuple(mail.mailbox(formataddr((name, addr)), variable) for name, addr in found)


def flag(env: Mapping[str, str], variable: str) -> bool:
    text = env.get(variable, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise WeederError(f"{variable}={env[variable]!r}: expected true or false")


def timezone_from_env(env: Mapping[str, str]) -> tzinfo:
    name = env.get("WEEDER_DIGEST_TIMEZONE", "").strip()
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WeederError(f"WEEDER_DIGEST_TIMEZONE={name!r}: not a time zone name; use an IANA "
                          "name such as Europe/Berlin or America/New_York") from None


def _optional_mailbox(env: Mapping[str, str], variable: str) -> Address | None:
    text = env.get(variable, "").strip()
    return mail.mailbox(text, variable) if text else None
