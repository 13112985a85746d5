"""Reaching a loopback ``http://`` sandbox with clients that insist on ``https://``.

simple-salesforce builds every URL as ``https://{instance}/...`` and logs in at
``https://{domain}.salesforce.com/...``. A ``requests.Session`` with :class:`LoopbackAdapter`
mounted sends all of them to the sandbox instead, path and query intact. For tests, the demo
and benchmarks; the Weeder connector has its own routing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


class LoopbackAdapter(HTTPAdapter):
    """Rewrites every request's scheme and host to the sandbox's ``http://host:port``."""

    def __init__(self, sandbox_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._netloc = urlsplit(sandbox_url).netloc

    def send(self, request: requests.PreparedRequest,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit(("http", self._netloc, parts.path, parts.query, ""))
        return super().send(request, **kwargs)


def loopback_session(sandbox_url: str) -> requests.Session:
    session = requests.Session()
    adapter = LoopbackAdapter(sandbox_url)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
