"""Logins and sessions: SOAP partner login, the OAuth 2.0 token grants, bearer tokens.

Every active user logs in with the org's shared password (empty security token). Sessions live
in memory, one token per login, and expire after two hours without use, as Salesforce's do.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import jwt

from sandbox.ids import make_id

ORG_ID = make_id("00D", 1)
PARTNER_NS = "urn:partner.soap.sforce.com"
SESSION_SECONDS = 7200
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True, slots=True)
class AuthConfig:
    admin_username: str = "admin@weeder.sandbox"
    password: str = "weeder"
    client_id: str = "weeder-sandbox"
    client_secret: str = "weeder"
    #: PEM of the key JWT assertions must be signed with; None accepts them unverified
    jwt_public_key: str | None = None


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: str
    username: str
    name: str
    email: str
    profile_id: str | None


@dataclass(slots=True)
class Session:
    token: str
    user: UserInfo
    last_used: float = field(default=0.0)


class LoginFault(Exception):
    """A refused SOAP login (answered as a SOAP fault, HTTP 500)."""

    def __init__(self, code: str, message: str, faultcode: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.faultcode = faultcode or f"sf:{code}"


class OAuthError(Exception):
    """A refused token request (answered ``{"error", "error_description"}``, HTTP 400)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class Sessions:
    """Bearer tokens in memory; a token is valid until it idles out or is invalidated."""

    def __init__(self, ttl: float = SESSION_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._by_token: dict[str, Session] = {}

    def open(self, user: UserInfo) -> Session:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(40)}"
        session = Session(token, user, self._clock())
        self._by_token[token] = session
        return session

    def resolve(self, token: str) -> Session | None:
        session = self._by_token.get(token)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_used > self._ttl:
            del self._by_token[token]
            return None
        session.last_used = now
        return session

    def invalidate(self, token: str) -> None:
        self._by_token.pop(token, None)


def bearer_token(authorization: str | None) -> str | None:
    """The token of ``Authorization: Bearer <t>`` or ``OAuth <t>``."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return None
    return token.strip()


class Authenticator:
    """Checks credentials against the org's users and the configured client."""

    def __init__(self, conn: sqlite3.Connection, config: AuthConfig, sessions: Sessions) -> None:
        self._conn = conn
        self.config = config
        self.sessions = sessions

    def user(self, username: str) -> UserInfo | None:
        row = self._conn.execute(
            'SELECT Id, Username, Name, Email, ProfileId FROM "User" '
            "WHERE Username = ? COLLATE NOCASE AND coalesce(IsDeleted, 0) = 0 "
            "AND coalesce(IsActive, 1) = 1", (username,)).fetchone()
        if row is None:
            return None
        return UserInfo(row[0], row[1], row[2] or row[1], row[3] or "", row[4])

    def password_login(self, username: str, password: str) -> Session | None:
        user = self.user(username)
        if user is None or not secrets.compare_digest(password, self.config.password):
            return None
        return self.sessions.open(user)

    # -- SOAP ------------------------------------------------------------------------

    def soap_login(self, body: bytes) -> Session:
        try:
            root = ET.fromstring(body)
        except ET.ParseError as problem:
            raise LoginFault("INVALID_LOGIN", f"Could not parse the SOAP request: {problem}",
                             faultcode="soapenv:Client") from None
        login = root.find(f".//{{{PARTNER_NS}}}login")
        if login is None:
            raise LoginFault("INVALID_LOGIN", "No login operation in the SOAP request",
                             faultcode="soapenv:Client")
        username = login.findtext(f"{{{PARTNER_NS}}}username") or ""
        password = login.findtext(f"{{{PARTNER_NS}}}password") or ""
        session = self.password_login(username.strip(), password)
        if session is None:
            raise LoginFault("INVALID_LOGIN", INVALID_LOGIN)
        return session

    # -- OAuth 2.0 -------------------------------------------------------------------

    def token(self, form: Mapping[str, str], authorization: str | None) -> Session:
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant type is missing")
        if grant == "password":
            self._check_client(form.get("client_id"), form.get("client_secret"))
            session = self.password_login(form.get("username", ""), form.get("password", ""))
            if session is None:
                raise OAuthError("invalid_grant", "authentication failure")
            return session
        if grant == "client_credentials":
            client_id, secret = form.get("client_id"), form.get("client_secret")
            basic = _basic_credentials(authorization)
            if basic is not None:
                client_id, secret = basic
            self._check_client(client_id, secret)
            admin = self.user(self.config.admin_username)
            if admin is None:
                raise OAuthError("invalid_grant", "no client credentials user enabled")
            return self.sessions.open(admin)
        if grant == JWT_GRANT:
            return self._jwt_login(form.get("assertion", ""))
        raise OAuthError("unsupported_grant_type", "grant type not supported")

    def _check_client(self, client_id: str | None, secret: str | None) -> None:
        if client_id != self.config.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if secret is None or not secrets.compare_digest(secret, self.config.client_secret):
            raise OAuthError("invalid_client", "invalid client credentials")

    def _jwt_login(self, assertion: str) -> Session:
        try:
            if self.config.jwt_public_key:
                claims = jwt.decode(assertion, self.config.jwt_public_key,
                                    algorithms=["RS256"],
                                    options={"verify_aud": False, "verify_exp": False})
            else:
                claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OAuthError("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != self.config.client_id:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        try:
            expired = float(claims.get("exp", 0)) < time.time()
        except (TypeError, ValueError):
            expired = True
        if expired:
            raise OAuthError("invalid_grant", "expired authorization code")
        user = self.user(str(claims.get("sub", "")))
        if user is None:
            raise OAuthError("invalid_grant", "user hasn't approved this consumer")
        return self.sessions.open(user)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret
