"""The sandbox's HTTP face: FastAPI routes for login, discovery and the REST API.

Every REST request (``/services/data/vXX.X/...``) goes the same way: the bearer token names a
session, the fault injector may answer instead (decided before anything is written), the daily
allowance is counted, then the route table of :mod:`sandbox.rest` runs the handler. Every such
response carries ``Sforce-Limit-Info``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import structlog
from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.auth import ORG_ID, LoginFault, OAuthError, bearer_token
from sandbox.faults import FaultKind
from sandbox.org import Org, OrgSettings, open_org
from sandbox.rest import Call, Reply, parse_version
from sandbox.soap import fault_response, login_response
from sandbox.wire import (
    JSON_TYPE,
    XML_TYPE,
    SalesforceError,
    dumps,
    invalid_session,
    limit_exceeded,
    not_found,
)

log = structlog.get_logger(__name__)

RELEASES = {50: "Winter '21", 51: "Spring '21", 52: "Summer '21", 53: "Winter '22",
            54: "Spring '22", 55: "Summer '22", 56: "Winter '23", 57: "Spring '23",
            58: "Summer '23", 59: "Winter '24", 60: "Spring '24", 61: "Summer '24",
            62: "Winter '25", 63: "Spring '25", 64: "Summer '25", 65: "Winter '26",
            66: "Spring '26"}
METHODS = ["GET", "POST", "PATCH", "DELETE", "PUT"]


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status, headers, media_type=JSON_TYPE)


def _error(problem: SalesforceError) -> Response:
    return _json(problem.body(), problem.status)


def _to_response(reply: Reply) -> Response:
    if reply.status in (204, 304):
        return Response(status_code=reply.status, headers=reply.headers)
    return Response(reply.encoded(), reply.status, reply.headers, media_type=reply.content_type)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class LimitInfoHeader:
    """Adds ``Sforce-Limit-Info: api-usage=N/M`` to every REST response, errors included."""

    def __init__(self, app: ASGIApp, org: Org) -> None:
        self.app = app
        self.org = org

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/services/data/v"):
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"sforce-limit-info", self.org.usage.header().encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


def create_app(db_path: str | Path, settings: OrgSettings | None = None) -> FastAPI:
    org = open_org(db_path, settings or OrgSettings())
    app = FastAPI(title="Weeder sandbox org", openapi_url=None, docs_url=None,
                  redoc_url=None, redirect_slashes=False)
    app.state.org = org
    app.add_middleware(LimitInfoHeader, org=org)

    @app.exception_handler(SalesforceError)
    async def salesforce_error(request: Request, problem: SalesforceError) -> Response:
        return _error(problem)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, problem: StarletteHTTPException) -> Response:
        if problem.status_code == 405:
            return _error(SalesforceError.one(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed."))
        return _error(not_found() if problem.status_code == 404 else SalesforceError.one(
            problem.status_code, "UNKNOWN_EXCEPTION", str(problem.detail)))

    async def soap_login(request: Request) -> Response:
        version = request.path_params["version"]
        try:
            session = org.auth.soap_login(await request.body())
        except LoginFault as fault:
            return Response(fault_response(fault), 500, media_type=XML_TYPE)
        api_version = (parse_version(version if version.startswith("v") else f"v{version}")
                       or "59.0")
        return Response(login_response(session, _base_url(request), api_version),
                        media_type=XML_TYPE)

    async def oauth_token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"),
                              keep_blank_values=True))
        try:
            session = org.auth.token(form, request.headers.get("authorization"))
        except OAuthError as refused:
            return _json({"error": refused.error, "error_description": refused.description},
                         400)
        base = _base_url(request)
        issued = str(int(time.time() * 1000))
        signature = base64.b64encode(
            hashlib.sha256(f"{session.user.id}{issued}".encode()).digest()).decode()
        body = {"access_token": session.token, "instance_url": base,
                "id": f"{base}/id/{ORG_ID}/{session.user.id}", "token_type": "Bearer",
                "issued_at": issued, "signature": signature}
        if form.get("grant_type") != "password":
            body["scope"] = "api"
        return _json(body)

    async def versions(request: Request) -> Response:
        return _json([{"label": label, "url": f"/services/data/v{major}.0",
                       "version": f"{major}.0"} for major, label in RELEASES.items()])

    async def identity(request: Request) -> Response:
        user_id = request.path_params["user_id"]
        session = org.sessions.resolve(bearer_token(request.headers.get("authorization")) or "")
        if session is None or session.user.id != user_id:
            return _json("Bad_OAuth_Token", 403)
        base, user = _base_url(request), session.user
        return _json({"id": f"{base}/id/{ORG_ID}/{user.id}", "user_id": user.id,
                      "organization_id": ORG_ID, "username": user.username,
                      "display_name": user.name, "email": user.email, "active": True,
                      "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
                      "utcOffset": 0, "urls": {"rest": f"{base}/services/data/v{{version}}/"}})

    async def data(request: Request) -> Response:
        api_version = parse_version(request.path_params["version"])
        path = request.path_params.get("path", "")
        if api_version is None:
            raise not_found()
        token = bearer_token(request.headers.get("authorization"))
        session = org.sessions.resolve(token) if token else None
        if session is None or token is None:
            raise invalid_session()
        route, params = org.router.match(request.method, "/" + path)
        decision = org.faults.decide(collection_write=route.collection_write)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        fault = decision.fault
        if fault is not None and fault.kind is not FaultKind.LOCK_ROWS:
            if fault.kind is FaultKind.SESSION:
                org.sessions.invalidate(token)
            log.info("sandbox.fault", kind=fault.kind.value, path=request.url.path)
            raise fault.error()
        if not org.usage.take():
            raise limit_exceeded()
        call = Call(org, session, org.actor(session.user.id), request.method, api_version,
                    params, dict(request.query_params),
                    {k.lower(): v for k, v in request.headers.items()},
                    await request.body(), fault)
        try:
            reply = route.handler(call)
        except SalesforceError:
            raise
        except Exception as problem:  # answered as Salesforce would, and logged for us
            log.exception("sandbox.unexpected_error", path=request.url.path)
            raise SalesforceError.one(500, "UNKNOWN_EXCEPTION",
                                      f"An unexpected error occurred: {problem}") from problem
        return _to_response(reply)

    for suffix in ("", "/"):
        app.add_api_route(f"/services/Soap/u/{{version}}{suffix}", soap_login,
                          methods=["POST"])
        app.add_api_route(f"/services/oauth2/token{suffix}", oauth_token, methods=["POST"])
        app.add_api_route(f"/services/data{suffix}", versions, methods=["GET"])
        app.add_api_route(f"/services/data/{{version}}{suffix}", data, methods=METHODS)
        app.add_api_route(f"/id/{{org_id}}/{{user_id}}{suffix}", identity, methods=["GET"])
    app.add_api_route("/services/data/{version}/{path:path}", data, methods=METHODS)
    return app
