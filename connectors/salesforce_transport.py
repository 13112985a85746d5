"""The HTTP layer under simple-salesforce: one `requests.Session` that counts every request,
gives every request a timeout, and (for a local sandbox) sends https:// URLs to plain HTTP;
plus the retry policy (exponential backoff with full jitter, Retry-After honoured).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

#: (connect, read) seconds. A slow query page or Bulk CSV page can take a while to stream.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)


class CountingAdapter(HTTPAdapter):
    """Counts requests, sets a default timeout, and optionally rewrites the target.

    simple-salesforce always builds ``https://host[:port]/...`` and logs in at
    ``https://{domain}.salesforce.com``. With ``rewrite_to="http://127.0.0.1:8765"`` every such
    request goes to that base instead (path and query kept), so one loopback sandbox serves both
    the login and the API without anything above this layer knowing.
    """

    def __init__(
        self, *, rewrite_to: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT
    ) -> None:
        super().__init__()
        self.rewrite_to = urlsplit(rewrite_to) if rewrite_to else None
        self.timeout = timeout
        self._count = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def count(self) -> int:
        return self._count

    @property
    def last_response(self) -> requests.Response | None:
        """The latest response this thread received; its headers carry Retry-After."""
        return getattr(self._local, "response", None)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if self.rewrite_to is not None and request.url:
            parts = urlsplit(request.url)
            request.url = urlunsplit(
                (self.rewrite_to.scheme, self.rewrite_to.netloc, parts.path, parts.query, "")
            )
            # Proxies were picked for the original https host; a loopback sandbox has none.
            proxies = None
        with self._lock:
            self._count += 1
        self._local.response = None
        response = super().send(
            request, stream=stream, timeout=timeout if timeout is not None else self.timeout,
            verify=verify, cert=cert, proxies=proxies,
        )
        self._local.response = response
        return response


def build_session(
    *, rewrite_to: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT
) -> tuple[requests.Session, CountingAdapter]:
    session = requests.Session()
    adapter = CountingAdapter(rewrite_to=rewrite_to, timeout=timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: at most ``attempts`` requests per call, sleeping at most
    ``max_total_sleep`` seconds in all between them."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_sleep: float = 90.0
    #: How often one record is re-sent after UNABLE_TO_LOCK_ROW before it counts as failed.
    lock_retries: int = 3

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1))]."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(attempt - 1, 0)))
        return rng.uniform(0.0, ceiling)


def retry_after_seconds(
    response: requests.Response | None, *, now: datetime | None = None
) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach Salesforce (safe to retry a create)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False
