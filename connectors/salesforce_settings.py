"""How Weeder logs in to Salesforce: the settings, read from the environment, and the login kind
they select.

Five kinds of login are supported; which one is used follows from which values are set, so an
admin never names the kind explicitly. An incomplete set is an error that names what is missing.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from urllib.parse import urlsplit

from engine.errors import WeederError

DEFAULT_API_VERSION = "59.0"
DEFAULT_DOMAIN = "login"

#: Settings field -> environment variable, in the order the README documents them.
ENV_VARS: Mapping[str, str] = {
    "username": "SF_USERNAME",
    "password": "SF_PASSWORD",
    "security_token": "SF_SECURITY_TOKEN",
    "domain": "SF_DOMAIN",
    "consumer_key": "SF_CONSUMER_KEY",
    "consumer_secret": "SF_CONSUMER_SECRET",
    "private_key_file": "SF_PRIVATE_KEY_FILE",
    "instance_url": "SF_INSTANCE_URL",
    "session_id": "SF_SESSION_ID",
    "api_version": "SF_API_VERSION",
}
SECRET_FIELDS = frozenset({"password", "security_token", "consumer_secret", "session_id"})

_LOOPBACK_NAMES = {"localhost"}


class SalesforceConfigError(WeederError):
    """The Salesforce settings are incomplete or malformed."""


class LoginKind(StrEnum):
    SESSION = "session"  # SF_SESSION_ID + SF_INSTANCE_URL: no login at all
    JWT_BEARER = "jwt_bearer"  # consumer key + private key file + username
    OAUTH_PASSWORD = "oauth_password"  # consumer key + secret + username + password
    CLIENT_CREDENTIALS = "client_credentials"  # consumer key + secret, no username
    SOAP_PASSWORD = "soap_password"  # username + password (+ security token)


@dataclass(frozen=True, repr=False)
class SalesforceSettings:
    """Everything needed to reach one org. Secrets never appear in ``repr`` or ``str``."""

    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    #: ``login``, ``test`` or a My Domain prefix (``acme.my``); empty means "derive it": the
    #: My Domain of a ``*.my.salesforce.com`` instance URL, else ``login``.
    domain: str = ""
    consumer_key: str | None = None
    consumer_secret: str | None = None
    private_key_file: str | None = None
    instance_url: str | None = None
    session_id: str | None = None
    api_version: str = DEFAULT_API_VERSION

    def __post_init__(self) -> None:
        # Normalise first, then validate, so a Prefect block and the environment agree exactly.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and f.name not in SECRET_FIELDS:
                value = value.strip()
            if value == "":
                value = None
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "domain", _normalise_domain(self.domain, self.instance_url))
        object.__setattr__(self, "api_version", _normalise_version(self.api_version))
        if self.instance_url is not None:
            object.__setattr__(self, "instance_url", _normalise_instance_url(self.instance_url))
        self.login_kind  # noqa: B018 - raises when the set of values is incomplete

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SalesforceSettings:
        """Read ``SF_*`` variables (empty counts as unset) and check they form a login."""
        env = os.environ if environ is None else environ
        values = {name: env.get(var) for name, var in ENV_VARS.items()}
        return cls(**{k: v for k, v in values.items() if v is not None})

    @property
    def login_kind(self) -> LoginKind:
        return _choose_kind(self)

    @property
    def sandbox_base_url(self) -> str | None:
        """``http://host:port`` when the instance is a local sandbox over plain HTTP, else None."""
        if self.instance_url is None:
            return None
        parts = urlsplit(self.instance_url)
        if parts.scheme != "http":
            return None
        return f"http://{parts.netloc}"

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name not in SECRET_FIELDS and getattr(self, f.name) is not None
        )
        hidden = [f.name for f in fields(self) if f.name in SECRET_FIELDS and getattr(self, f.name)]
        secrets = f", secrets set: {'/'.join(hidden)}" if hidden else ""
        return f"SalesforceSettings({shown}{secrets})"

    __str__ = __repr__


def _env(name: str) -> str:
    return ENV_VARS[name]


def _missing(*names: str) -> str:
    return " and ".join(_env(n) for n in names)


def _choose_kind(s: SalesforceSettings) -> LoginKind:
    """Pick the login from what is set; the most specific credentials win."""
    if s.session_id:
        if not s.instance_url:
            raise SalesforceConfigError(
                "SF_SESSION_ID is set but SF_INSTANCE_URL is not: a session id is only valid on "
                "its own instance, e.g. SF_INSTANCE_URL=https://acme.my.salesforce.com"
            )
        return LoginKind.SESSION
    if s.private_key_file:
        absent = [n for n in ("consumer_key", "username") if not getattr(s, n)]
        if absent:
            raise SalesforceConfigError(
                f"SF_PRIVATE_KEY_FILE is set for a JWT bearer login, but {_missing(*absent)} "
                f"{'is' if len(absent) == 1 else 'are'} not"
            )
        return LoginKind.JWT_BEARER
    if s.consumer_key or s.consumer_secret:
        if not s.consumer_key:
            raise SalesforceConfigError("SF_CONSUMER_SECRET is set but SF_CONSUMER_KEY is not")
        if not s.consumer_secret:
            raise SalesforceConfigError(
                "SF_CONSUMER_KEY is set but neither SF_CONSUMER_SECRET (OAuth password or client "
                "credentials) nor SF_PRIVATE_KEY_FILE (JWT bearer) is"
            )
        if s.username and s.password:
            return LoginKind.OAUTH_PASSWORD
        if s.username:
            raise SalesforceConfigError(
                "SF_USERNAME is set with SF_CONSUMER_KEY and SF_CONSUMER_SECRET but SF_PASSWORD "
                "is not: set SF_PASSWORD for the OAuth password flow, or unset SF_USERNAME for "
                "the client-credentials flow"
            )
        if s.password:
            raise SalesforceConfigError("SF_PASSWORD is set but SF_USERNAME is not")
        return LoginKind.CLIENT_CREDENTIALS
    if s.username or s.password or s.security_token:
        absent = [n for n in ("username", "password") if not getattr(s, n)]
        if absent:
            raise SalesforceConfigError(
                f"A username/password login needs {_missing('username', 'password')}; "
                f"{_missing(*absent)} {'is' if len(absent) == 1 else 'are'} not set"
            )
        return LoginKind.SOAP_PASSWORD
    raise SalesforceConfigError(
        "No Salesforce login is configured. Set one of: SF_USERNAME + SF_PASSWORD "
        "(+ SF_SECURITY_TOKEN); SF_CONSUMER_KEY + SF_CONSUMER_SECRET (client credentials, add "
        "SF_USERNAME + SF_PASSWORD for the OAuth password flow); SF_CONSUMER_KEY + "
        "SF_PRIVATE_KEY_FILE + SF_USERNAME (JWT bearer); or SF_SESSION_ID + SF_INSTANCE_URL"
    )


def _normalise_version(version: str | None) -> str:
    version = (version or DEFAULT_API_VERSION).lower().removeprefix("v")
    if not re.fullmatch(r"\d{2,3}\.\d", version):
        raise SalesforceConfigError(
            f"SF_API_VERSION={version!r} is not an API version like '59.0'"
        )
    return version


def _normalise_domain(domain: str | None, instance_url: str | None) -> str:
    """``login``, ``test`` or a My Domain prefix such as ``acme.my``; a full URL is accepted."""
    if not domain:
        # A My Domain instance URL is also its login host; anything else logs in at login.
        host = urlsplit(instance_url or "").hostname or ""
        if host.endswith(".my.salesforce.com"):
            return host.removesuffix(".salesforce.com")
        return DEFAULT_DOMAIN
    value = domain.strip().lower()
    value = re.sub(r"^https?://", "", value).rstrip("/").removesuffix(".salesforce.com")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", value):
        raise SalesforceConfigError(
            f"SF_DOMAIN={domain!r} is not a Salesforce login domain: use 'login', 'test' or your "
            "My Domain, e.g. 'acme.my'"
        )
    return value


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _normalise_instance_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SalesforceConfigError(
            f"SF_INSTANCE_URL={url!r} is not a URL like https://acme.my.salesforce.com"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        # Plain HTTP would send credentials in clear text: allowed only for a local sandbox.
        raise SalesforceConfigError(
            f"SF_INSTANCE_URL={url!r} uses http://; only a local sandbox on 127.0.0.1 or "
            "localhost may, a real org needs https://"
        )
    return f"{parts.scheme}://{parts.netloc}"
