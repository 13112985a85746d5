"""One authenticated Salesforce session and the single loop every request goes through.

Weeder logs in itself (five login kinds, see ``salesforce_settings``) and then drives
simple-salesforce in direct mode, so simple-salesforce's own unbounded re-login never runs.
The loop here retries transient failures with bounded, jittered backoff (honouring
Retry-After), renews an expired session at most once per request, and turns every refusal
into a :class:`SalesforceError` whose message says what happened.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import jwt
import requests
import structlog
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession
from simple_salesforce.exceptions import SalesforceError as _SSError
from simple_salesforce.login import SalesforceLogin, token_login

from connectors.salesforce_errors import (
    ApiLimitExceeded,
    AuthenticationFailed,
    SalesforceError,
    SalesforceUnavailable,
    SessionExpired,
    describe_errors,
    error_items,
    write_errors,
)
from connectors.salesforce_settings import LoginKind, SalesforceConfigError, SalesforceSettings
from connectors.salesforce_transport import (
    DEFAULT_TIMEOUT,
    RetryPolicy,
    build_session,
    never_sent,
    retry_after_seconds,
)

# One logger name for the whole connector, whichever of its modules logs.
log = structlog.get_logger("connectors.salesforce")
T = TypeVar("T")

LOGIN_NAMES = {
    LoginKind.SOAP_PASSWORD: "username/password (SOAP)",
    LoginKind.OAUTH_PASSWORD: "OAuth password",
    LoginKind.CLIENT_CREDENTIALS: "OAuth client credentials",
    LoginKind.JWT_BEARER: "OAuth JWT bearer",
    LoginKind.SESSION: "session id",
}


class SalesforceSession:
    """Logs in lazily, counts requests, and runs each request through :meth:`call`."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._http, self._adapter = build_session(
            rewrite_to=settings.sandbox_base_url, timeout=timeout
        )
        self._sf: Salesforce | None = None

    @property
    def api_calls(self) -> int:
        return self._adapter.count

    @property
    def instance_url(self) -> str | None:
        """Where the org lives, for links people click: the sandbox's own http URL when
        talking to one (simple-salesforce itself always says https)."""
        if self.settings.sandbox_base_url:
            return self.settings.sandbox_base_url
        if self._sf is not None:
            return f"https://{self._sf.sf_instance}"
        return self.settings.instance_url

    def close(self) -> None:
        self._http.close()

    def backoff(self, attempt: int) -> float:
        return self.retry.backoff(attempt, self.rng)

    # -- login -----------------------------------------------------------------------------------

    def _connection(self) -> Salesforce:
        if self._sf is None:
            session_id, instance = self._login()
            self._sf = Salesforce(
                instance=instance,
                session_id=session_id,
                session=self._http,
                version=self.settings.api_version,
            )
            log.info("salesforce.login", kind=self.settings.login_kind.value, instance=instance)
        return self._sf

    def _login(self) -> tuple[str, str]:
        """(session id, instance host[:port]) from the login the settings select."""
        s = self.settings
        kind = s.login_kind
        if kind is LoginKind.SESSION:
            assert s.session_id is not None and s.instance_url is not None
            return s.session_id, s.instance_url.split("://", 1)[1]
        if kind is LoginKind.SOAP_PASSWORD:
            return SalesforceLogin(
                username=s.username, password=s.password, security_token=s.security_token or "",
                sf_version=s.api_version, session=self._http, domain=s.domain,
            )
        if kind is LoginKind.OAUTH_PASSWORD:
            # The password grant wants the security token appended, as SOAP does.
            return SalesforceLogin(
                username=s.username, password=f"{s.password}{s.security_token or ''}",
                consumer_key=s.consumer_key, consumer_secret=s.consumer_secret,
                sf_version=s.api_version, session=self._http, domain=s.domain,
            )
        if kind is LoginKind.JWT_BEARER:
            try:
                return SalesforceLogin(
                    username=s.username, consumer_key=s.consumer_key,
                    privatekey_file=s.private_key_file, sf_version=s.api_version,
                    session=self._http, domain=s.domain,
                )
            except OSError as exc:
                raise SalesforceConfigError(
                    f"SF_PRIVATE_KEY_FILE={s.private_key_file!r} cannot be read: {exc.strerror}"
                ) from None
            except (ValueError, TypeError, jwt.PyJWTError):
                raise SalesforceConfigError(
                    f"SF_PRIVATE_KEY_FILE={s.private_key_file!r} does not hold a PEM RSA private "
                    "key that can sign the JWT"
                ) from None
        # Client credentials: simple-salesforce refuses the login/test domains for this flow,
        # but a sandbox serves any domain and a real org answers with an error we pass on.
        basic = base64.b64encode(f"{s.consumer_key}:{s.consumer_secret}".encode()).decode()
        return token_login(
            f"https://{s.domain}.salesforce.com/services/oauth2/token",
            {"grant_type": "client_credentials"}, s.domain, s.consumer_key or "",
            {"Authorization": f"Basic {basic}"}, None, self._http,
        )

    # -- the loop --------------------------------------------------------------------------------

    def call(self, what: str, fn: Callable[[Salesforce], T], *, idempotent: bool = True) -> T:
        """Run ``fn`` against the logged-in client. ``what`` completes "could not ..." in
        messages. ``idempotent=False`` (creates) retries only what surely did not reach
        Salesforce, so a retry never creates a record twice."""
        relogged = False
        failures = 0
        slept = 0.0
        while True:
            logging_in = self._sf is None
            try:
                sf = self._connection()
                logging_in = False
                return fn(sf)
            except SalesforceExpiredSession as exc:
                if relogged or self.settings.login_kind is LoginKind.SESSION:
                    raise self._session_rejected(exc, what, relogged) from None
                code, _ = describe_errors(exc.content, "")
                if code != "INVALID_SESSION_ID":
                    raise self._translate(exc, what) from None
                relogged = True
                self._sf = None
                log.info("salesforce.relogin", reason=code, during=what)
            except (_SSError, requests.RequestException) as exc:
                reason = _transient(exc, idempotent or logging_in)
                if reason is None:
                    raise self._translate(exc, what) from None
                failures += 1
                wait = retry_after_seconds(self._adapter.last_response)
                if wait is None:
                    wait = self.backoff(failures)
                if failures >= self.retry.attempts or slept + wait > self.retry.max_total_sleep:
                    raise self._exhausted(exc, what, failures, reason) from None
                log.warning("salesforce.retry", during=what, attempt=failures,
                            wait=round(wait, 3), reason=reason)
                self.sleep(wait)
                slept += wait

    # -- turning failures into messages ---------------------------------------------------------

    def _translate(self, exc: Exception, what: str) -> SalesforceError:
        if isinstance(exc, SalesforceAuthenticationFailed):
            return self._login_refused(exc)
        if isinstance(exc, requests.RequestException):
            return SalesforceUnavailable(f"Could not {what}: {_network_problem(exc)}")
        content = getattr(exc, "content", None)
        status = getattr(exc, "status", None)
        code, text = describe_errors(content, "no details given")
        items = error_items(content)
        error_type = AuthenticationFailed if status == 401 else SalesforceError
        return error_type(
            f"Salesforce refused to {what} (HTTP {status}): {text}",
            status=status, code=code, errors=write_errors(content),
            sf_message=str(items[0].get("message")) if items else None,
        )

    def _login_refused(self, exc: SalesforceAuthenticationFailed) -> AuthenticationFailed:
        s = self.settings
        who = f" as {s.username}" if s.username else ""
        hint = ""
        if "not supported on this domain" in exc.auth_message:
            hint = " (client credentials need your My Domain: set SF_DOMAIN, e.g. acme.my)"
        return AuthenticationFailed(
            f"Salesforce refused the {LOGIN_NAMES[s.login_kind]} login{who} at "
            f"{s.sandbox_base_url or s.domain + '.salesforce.com'}: {exc.code}: "
            f"{exc.auth_message.strip()}{hint}",
            status=exc.code if isinstance(exc.code, int) else None,
            code=str(exc.code), sf_message=exc.auth_message,
        )

    @staticmethod
    def _session_rejected(exc: _SSError, what: str, relogged: bool) -> SessionExpired:
        _, text = describe_errors(exc.content, "session rejected")
        if relogged:
            message = ("Salesforce rejected the session again right after a fresh login, while "
                       f"trying to {what}: {text}")
        else:
            message = (f"Salesforce rejected SF_SESSION_ID while trying to {what}: {text}. Set a "
                       "fresh session id, or configure a login Weeder can renew by itself")
        return SessionExpired(message, status=401, code="INVALID_SESSION_ID")

    @staticmethod
    def _exhausted(exc: Exception, what: str, failures: int, reason: str) -> SalesforceError:
        if reason == "REQUEST_LIMIT_EXCEEDED":
            _, text = describe_errors(getattr(exc, "content", None), "")
            return ApiLimitExceeded(
                f"Salesforce's API request limit stopped us from trying to {what} "
                f"({failures} attempts): {text}", status=403, code=reason,
            )
        if isinstance(exc, requests.RequestException):
            detail = _network_problem(exc)
        elif isinstance(exc, SalesforceAuthenticationFailed):
            detail = reason
        else:
            detail = f"{reason}: {describe_errors(getattr(exc, 'content', None), '')[1]}"
        return SalesforceUnavailable(
            f"Salesforce kept failing; gave up trying to {what} after {failures} attempts "
            f"({detail})", status=int(reason[5:]) if reason.startswith("HTTP ") else None,
        )


def _transient(exc: Exception, idempotent: bool) -> str | None:
    """Why ``exc`` is worth retrying, or None. 400s, 404s and 412s never are."""
    if isinstance(exc, requests.RequestException):
        if not isinstance(exc, requests.ConnectionError | requests.Timeout):
            return None
        if idempotent or never_sent(exc):
            return "timeout" if isinstance(exc, requests.Timeout) else "connection error"
        return None
    if isinstance(exc, SalesforceAuthenticationFailed):
        # A login that got no proper answer carries the HTTP status as its code.
        status = exc.code if isinstance(exc.code, int) else None
    else:
        status = getattr(exc, "status", None)
    if status is None:
        return None
    if status == 403:
        code, _ = describe_errors(getattr(exc, "content", None), "")
        return "REQUEST_LIMIT_EXCEEDED" if code == "REQUEST_LIMIT_EXCEEDED" else None
    if status in (429, 503) or (status >= 500 and idempotent):
        return f"HTTP {status}"
    return None


def _network_problem(exc: requests.RequestException) -> str:
    url = exc.request.url if exc.request is not None else None
    host = urlsplit(url).netloc if url else "Salesforce"
    kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
    return f"{kind} talking to {host}"
