"""Every way simple-salesforce logs in, against a sandbox process over HTTP, and the refusals
Salesforce answers for wrong credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed
from simple_salesforce.exceptions import SalesforceExpiredSession

from sandbox.loopback import loopback_session
from sandbox.server import RunningSandbox, start_sandbox

from .conftest import ADMIN, PASSWORD, REP, Team, login

CLIENT_ID, CLIENT_SECRET = "weeder-sandbox", "weeder"


def _pem_pair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    return _pem_pair()


@pytest.fixture(scope="module")
def sandbox(team_db: tuple[Path, Team], keys: tuple[bytes, bytes],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """This module's sandbox verifies JWT signatures against the test's public key."""
    public_key = tmp_path_factory.mktemp("keys") / "server.pub"
    public_key.write_bytes(keys[1])
    with start_sandbox(team_db[0], jwt_public_key=public_key) as running:
        yield running


def _whoami(sf: Salesforce) -> str:
    user_id = _user_id(sf)
    return sf.query(f"SELECT Username FROM User WHERE Id = '{user_id}'")["records"][0]["Username"]


def _user_id(sf: Salesforce) -> str:
    identity = sf.session.get(f"https://{sf.sf_instance}/services/data/v59.0/",
                              headers=sf.headers).json()["identity"]
    return identity.rsplit("/", 1)[1]


def test_soap_login_gives_a_session_for_the_user(sandbox: RunningSandbox) -> None:
    sf = login(sandbox, REP)
    assert sf.session_id.startswith("00D")
    assert _whoami(sf) == REP


def test_soap_login_with_a_wrong_password_is_refused_with_invalid_login(
        sandbox: RunningSandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as refused:
        login(sandbox, ADMIN, "not-the-password")
    assert refused.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in refused.value.auth_message


def test_soap_login_of_an_unknown_user_is_refused(sandbox: RunningSandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as refused:
        login(sandbox, "nobody@weeder.sandbox")
    assert refused.value.code == "INVALID_LOGIN"


def test_oauth_password_grant(sandbox: RunningSandbox) -> None:
    sf = Salesforce(username=REP, password=PASSWORD, consumer_key=CLIENT_ID,
                    consumer_secret=CLIENT_SECRET, session=loopback_session(sandbox.url))
    assert _whoami(sf) == REP


def test_oauth_password_grant_with_a_wrong_password_is_invalid_grant(
        sandbox: RunningSandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as refused:
        Salesforce(username=REP, password="wrong", consumer_key=CLIENT_ID,
                   consumer_secret=CLIENT_SECRET, session=loopback_session(sandbox.url))
    assert (refused.value.code, refused.value.auth_message) == ("invalid_grant",
                                                           "authentication failure")


def test_oauth_with_a_wrong_client_secret_is_invalid_client(sandbox: RunningSandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as refused:
        Salesforce(username=REP, password=PASSWORD, consumer_key=CLIENT_ID,
                   consumer_secret="wrong", session=loopback_session(sandbox.url))
    assert refused.value.code == "invalid_client"


def test_client_credentials_with_basic_auth_runs_as_the_admin(sandbox: RunningSandbox) -> None:
    sf = Salesforce(consumer_key=CLIENT_ID, consumer_secret=CLIENT_SECRET, domain="weeder",
                    session=loopback_session(sandbox.url))
    assert _whoami(sf) == ADMIN


def test_client_credentials_in_the_body_are_accepted(sandbox: RunningSandbox) -> None:
    answer = requests.post(f"{sandbox.url}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET}, timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["instance_url"] == sandbox.url
    assert body["id"].endswith("/" + body["id"].rsplit("/", 1)[1])
    assert "refresh_token" not in body


def test_jwt_bearer_signed_with_the_configured_key_logs_in_as_sub(
        sandbox: RunningSandbox, keys: tuple[bytes, bytes]) -> None:
    sf = Salesforce(username=REP, consumer_key=CLIENT_ID, privatekey=keys[0].decode(),
                    session=loopback_session(sandbox.url))
    assert _whoami(sf) == REP


def test_jwt_signed_with_another_key_is_refused(sandbox: RunningSandbox) -> None:
    stranger, _ = _pem_pair()
    with pytest.raises(SalesforceAuthenticationFailed) as refused:
        Salesforce(username=REP, consumer_key=CLIENT_ID, privatekey=stranger.decode(),
                   session=loopback_session(sandbox.url))
    assert refused.value.code == "invalid_grant"


def test_jwt_for_another_client_is_refused(sandbox: RunningSandbox,
                                           keys: tuple[bytes, bytes]) -> None:
    assertion = jwt.encode({"iss": "someone-else", "sub": REP, "aud": "x", "exp": "9999999999"},
                           keys[0], algorithm="RS256")
    answer = requests.post(f"{sandbox.url}/services/oauth2/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_client_id",
                             "error_description": "client identifier invalid"}


def test_a_request_with_an_unknown_token_is_refused_as_invalid_session(
        sandbox: RunningSandbox) -> None:
    sf = Salesforce(instance_url=sandbox.url, session_id="00Dnot!atoken",
                    session=loopback_session(sandbox.url))
    with pytest.raises(SalesforceExpiredSession) as refused:
        sf.query("SELECT Id FROM User")
    assert refused.value.content == [{"message": "Session expired or invalid",
                                      "errorCode": "INVALID_SESSION_ID"}]


def test_oauth_authorization_scheme_is_accepted_like_bearer(sandbox: RunningSandbox) -> None:
    sf = login(sandbox)
    answer = requests.get(f"{sandbox.url}/services/data/v59.0/limits",
                          headers={"Authorization": f"OAuth {sf.session_id}"}, timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
