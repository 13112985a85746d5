"""The Salesforce connector's logins, transport and resilience, against mocked HTTP.

Wire shapes follow ../shared/SALESFORCE_API.md. The sandbox address below is never listened
on: `responses` intercepts every request, and anything unregistered fails the test.
Helpers defined here are reused by the other test_salesforce_connector_* files.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import responses
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.salesforce import (
    ApiLimitExceeded,
    AuthenticationFailed,
    RetryPolicy,
    SalesforceClient,
    SalesforceConfigError,
    SalesforceError,
    SalesforceSettings,
    SalesforceUnavailable,
    SessionExpired,
)

BASE = "http://127.0.0.1:8765"
API = f"{BASE}/services/data/v59.0"
SOAP_URL = f"{BASE}/services/Soap/u/59.0"
TOKEN_URL = f"{BASE}/services/oauth2/token"
SESSION = "00D000000000001!AQoAQSessionOne"

# Distinctive secrets, so a leak anywhere is easy to spot.
PASSWORD = "pw-Sekr1t-42"
TOKEN = "TOKENxyz777"
CONSUMER_SECRET = "consumer-secret-abc"


def session_settings(instance_url: str = BASE, session_id: str = SESSION) -> SalesforceSettings:
    return SalesforceSettings(session_id=session_id, instance_url=instance_url)


def soap_settings(**extra: Any) -> SalesforceSettings:
    return SalesforceSettings(username="admin@weeder.sandbox", password=PASSWORD,
                              security_token=TOKEN, instance_url=BASE, **extra)


def oauth_settings() -> SalesforceSettings:
    return SalesforceSettings(username="admin@weeder.sandbox", password=PASSWORD,
                              consumer_key="weeder-sandbox", consumer_secret=CONSUMER_SECRET,
                              instance_url=BASE)


def client_credentials_settings() -> SalesforceSettings:
    return SalesforceSettings(consumer_key="weeder-sandbox", consumer_secret=CONSUMER_SECRET,
                              instance_url=BASE)


def make_client(
    settings: SalesforceSettings | None = None, **options: Any
) -> tuple[SalesforceClient, list[float]]:
    """A client whose sleeps are recorded instead of slept."""
    sleeps: list[float] = []
    options.setdefault("rng", random.Random(7))
    client = SalesforceClient(settings or session_settings(), sleep=sleeps.append, **options)
    return client, sleeps


def soap_ok(session_id: str = SESSION, server: str = BASE) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body><loginResponse><result>
    <metadataServerUrl>{server}/services/Soap/m/59.0/00D000000000001</metadataServerUrl>
    <passwordExpired>false</passwordExpired><sandbox>true</sandbox>
    <serverUrl>{server}/services/Soap/u/59.0/00D000000000001</serverUrl>
    <sessionId>{session_id}</sessionId><userId>005000000000001AAA</userId>
 </result></loginResponse></soapenv:Body></soapenv:Envelope>"""


SOAP_INVALID_LOGIN = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body><soapenv:Fault>
   <faultcode>sf:INVALID_LOGIN</faultcode>
   <faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.\
</faultstring>
   <detail><sf:LoginFault xsi:type="sf:LoginFault">
     <sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>
     <sf:exceptionMessage>Invalid username, password, security token; or user locked out.\
</sf:exceptionMessage>
   </sf:LoginFault></detail>
 </soapenv:Fault></soapenv:Body></soapenv:Envelope>"""


def token_ok(access_token: str = SESSION, instance_url: str = BASE) -> dict[str, str]:
    return {"access_token": access_token, "instance_url": instance_url,
            "id": f"{instance_url}/id/00D000000000001AAA/005000000000001AAA",
            "token_type": "Bearer", "issued_at": "1706702400000", "signature": "c2lnbmF0dXJl"}


def page(records: list[dict[str, Any]], *, total: int | None = None,
         next_url: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"totalSize": total if total is not None else len(records),
                            "done": next_url is None, "records": records}
    if next_url:
        body["nextRecordsUrl"] = next_url
    return body


def account(record_id: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Account",
                           "url": f"/services/data/v59.0/sobjects/Account/{record_id}"},
            "Id": record_id, "Name": name, **fields}


def sf_error(code: str, message: str) -> list[dict[str, str]]:
    return [{"message": message, "errorCode": code}]


INVALID_SESSION = sf_error("INVALID_SESSION_ID", "Session expired or invalid")


def mocked_http() -> responses.RequestsMock:
    """Intercepts every request; an unregistered one fails with ConnectionError."""
    return responses.RequestsMock(assert_all_requests_are_fired=False)


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with mocked_http() as mock:
        yield mock


def bearer(call: Any) -> str:
    return str(call.request.headers["Authorization"])


# -- logins ----------------------------------------------------------------------------------------


def test_soap_login_sends_password_and_token_then_uses_the_session(http):
    http.add(responses.POST, SOAP_URL, body=soap_ok("00D!soap"), status=200,
             content_type="text/xml;charset=UTF-8")
    http.add(responses.GET, f"{API}/query/", json=page([], total=3))
    client, _ = make_client(soap_settings())

    assert client.count("SELECT COUNT() FROM Account") == 3

    login, query = http.calls
    body = login.request.body
    body = body.decode() if isinstance(body, bytes) else body
    assert "<n1:username>admin@weeder.sandbox</n1:username>" in body
    assert f"<n1:password>{PASSWORD}{TOKEN}</n1:password>" in body
    assert login.request.headers["SOAPAction"] == "login"
    assert bearer(query) == "Bearer 00D!soap"
    assert client.api_calls == 2


def test_oauth_password_grant_appends_the_security_token(http):
    http.add(responses.POST, TOKEN_URL, json=token_ok("00D!oauth"))
    http.add(responses.GET, f"{API}/limits/", json={"DailyApiRequests": {"Max": 15000,
                                                                          "Remaining": 14980}})
    settings = SalesforceSettings(username="admin@weeder.sandbox", password=PASSWORD,
                                  security_token=TOKEN, consumer_key="weeder-sandbox",
                                  consumer_secret=CONSUMER_SECRET, instance_url=BASE)
    client, _ = make_client(settings)

    assert client.api_budget() == (14980, 15000)

    form = parse_qs(http.calls[0].request.body)
    assert form == {"grant_type": ["password"], "client_id": ["weeder-sandbox"],
                    "client_secret": [CONSUMER_SECRET], "username": ["admin@weeder.sandbox"],
                    "password": [PASSWORD + TOKEN]}
    assert bearer(http.calls[1]) == "Bearer 00D!oauth"


def test_client_credentials_use_basic_auth_and_no_username(http):
    http.add(responses.POST, TOKEN_URL, json={**token_ok("00D!cc"), "scope": "api"})
    http.add(responses.GET, f"{API}/query/", json=page([], total=0))
    client, _ = make_client(client_credentials_settings())

    assert client.count("SELECT COUNT() FROM Lead") == 0

    token_request = http.calls[0].request
    assert parse_qs(token_request.body) == {"grant_type": ["client_credentials"]}
    expected = base64.b64encode(f"weeder-sandbox:{CONSUMER_SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert bearer(http.calls[1]) == "Bearer 00D!cc"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_key(key: rsa.RSAPrivateKey, path: Path) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def test_jwt_bearer_signs_an_assertion_for_the_user(http, rsa_key, tmp_path):
    key_file = write_key(rsa_key, tmp_path / "server.key")
    http.add(responses.POST, TOKEN_URL, json=token_ok("00D!jwt"))
    http.add(responses.GET, f"{API}/query/", json=page([], total=1))
    settings = SalesforceSettings(username="admin@weeder.sandbox", consumer_key="weeder-sandbox",
                                  private_key_file=str(key_file), instance_url=BASE)
    client, _ = make_client(settings)

    assert client.count("SELECT COUNT() FROM Contact") == 1

    form = parse_qs(http.calls[0].request.body)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(form["assertion"][0], rsa_key.public_key(), algorithms=["RS256"],
                        options={"verify_exp": False, "verify_aud": False})
    assert claims["iss"] == "weeder-sandbox"
    assert claims["sub"] == "admin@weeder.sandbox"
    assert claims["aud"] == "https://login.salesforce.com"
    assert bearer(http.calls[1]) == "Bearer 00D!jwt"


def test_jwt_with_an_unreadable_key_file_says_which_file(tmp_path):
    bad = tmp_path / "not-a-key.pem"
    bad.write_text("hello")
    settings = SalesforceSettings(username="u@x.org", consumer_key="k",
                                  private_key_file=str(bad), instance_url=BASE)
    client, _ = make_client(settings)
    with pytest.raises(SalesforceConfigError, match="not-a-key.pem") as caught:
        client.login()
    assert "PEM RSA private key" in str(caught.value)


def test_session_id_login_makes_no_login_request(http):
    http.add(responses.GET, f"{API}/query/", json=page([], total=5))
    client, _ = make_client(session_settings())

    assert client.count("SELECT COUNT() FROM Account") == 5
    assert len(http.calls) == 1
    assert bearer(http.calls[0]) == f"Bearer {SESSION}"
    assert client.api_calls == 1


@pytest.mark.parametrize("settings_factory", [
    soap_settings, oauth_settings, client_credentials_settings,
    lambda: soap_settings(domain="acme.my"), session_settings,
], ids=["soap", "oauth-password", "client-credentials", "soap-my-domain", "session"])
def test_every_login_kind_reaches_the_loopback_sandbox_over_http(http, settings_factory):
    # simple-salesforce would call https://login.salesforce.com and https://127.0.0.1:8765.
    http.add(responses.POST, SOAP_URL, body=soap_ok(), content_type="text/xml")
    http.add(responses.POST, TOKEN_URL, json=token_ok())
    http.add(responses.GET, f"{API}/query/", json=page([], total=0))
    client, _ = make_client(settings_factory())

    client.count("SELECT COUNT() FROM Account")

    assert http.calls, "no request was made"
    assert all(call.request.url.startswith(f"{BASE}/") for call in http.calls)
    assert http.calls[-1].request.url.startswith(f"{API}/query/")


def test_jwt_also_reaches_the_loopback_sandbox(http, rsa_key, tmp_path):
    http.add(responses.POST, TOKEN_URL, json=token_ok())
    http.add(responses.GET, f"{API}/query/", json=page([], total=0))
    settings = SalesforceSettings(username="u@x.org", consumer_key="k", instance_url=BASE,
                                  private_key_file=str(write_key(rsa_key, tmp_path / "k.pem")))
    client, _ = make_client(settings)
    client.count("SELECT COUNT() FROM Account")
    assert [c.request.url.split("?")[0] for c in http.calls] == [TOKEN_URL, f"{API}/query/"]


def test_an_https_instance_is_called_as_it_is(http):
    http.add(responses.GET, "https://acme.my.salesforce.com/services/data/v59.0/limits/",
             json={"DailyApiRequests": {"Max": 100, "Remaining": 90}})
    client, _ = make_client(session_settings("https://acme.my.salesforce.com"))
    assert client.api_budget() == (90, 100)
    assert http.calls[0].request.url.startswith("https://acme.my.salesforce.com/")


def test_a_refused_soap_login_is_clear_and_not_retried(http):
    http.add(responses.POST, SOAP_URL, body=SOAP_INVALID_LOGIN, status=500,
             content_type="text/xml")
    client, sleeps = make_client(soap_settings())

    with pytest.raises(AuthenticationFailed) as caught:
        client.login()

    message = str(caught.value)
    assert "INVALID_LOGIN" in message and "admin@weeder.sandbox" in message
    assert "username/password (SOAP)" in message
    assert client.api_calls == 1 and sleeps == []


def test_a_login_that_meets_an_outage_is_retried(http):
    http.add(responses.POST, TOKEN_URL, body="<html>Service Unavailable</html>", status=503)
    http.add(responses.POST, TOKEN_URL, json=token_ok("00D!after-outage"))
    http.add(responses.GET, f"{API}/query/", json=page([], total=0))
    client, sleeps = make_client(oauth_settings())

    client.count("SELECT COUNT() FROM Account")

    assert len(sleeps) == 1
    assert bearer(http.calls[-1]) == "Bearer 00D!after-outage"
    assert client.api_calls == 3


# -- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings_factory,refusal", [
    (soap_settings, {"body": SOAP_INVALID_LOGIN, "status": 500, "url": SOAP_URL}),
    (oauth_settings, {"json": {"error": "invalid_grant",
                               "error_description": "authentication failure"},
                      "status": 400, "url": TOKEN_URL}),
    (client_credentials_settings, {"json": {"error": "invalid_client",
                                            "error_description": "invalid client credentials"},
                                   "status": 400, "url": TOKEN_URL}),
], ids=["soap", "oauth-password", "client-credentials"])
def test_secrets_stay_out_of_logs_errors_and_reprs(http, caplog, settings_factory, refusal):
    http.add(responses.POST, **refusal)
    settings = settings_factory()
    client, _ = make_client(settings)

    with structlog.testing.capture_logs() as logs, pytest.raises(AuthenticationFailed) as caught:
        client.login()

    seen = " ".join([str(caught.value), repr(caught.value), repr(logs), caplog.text,
                     repr(settings), str(settings), repr(client)])
    for secret in (PASSWORD, TOKEN, CONSUMER_SECRET):
        assert secret not in seen
    assert "secrets set" in repr(settings)


def test_a_session_id_never_shows_in_reprs_or_errors(http):
    http.add(responses.GET, f"{API}/query/", status=401, json=INVALID_SESSION)
    settings = session_settings(session_id="00Dsecret!SESSION-VALUE")
    client, _ = make_client(settings)
    with structlog.testing.capture_logs() as logs, pytest.raises(SessionExpired) as caught:
        client.count("SELECT COUNT() FROM Account")
    assert "SESSION-VALUE" not in f"{caught.value} {logs} {settings!r} {client!r}"
    assert "SF_SESSION_ID" in str(caught.value)


# -- retries and re-login --------------------------------------------------------------------------


def test_a_503_is_retried_with_jittered_backoff_and_logged(http):
    http.add(responses.GET, f"{API}/query/", status=503,
             json=sf_error("SERVER_UNAVAILABLE", "down"))
    http.add(responses.GET, f"{API}/query/", status=503,
             json=sf_error("SERVER_UNAVAILABLE", "down"))
    http.add(responses.GET, f"{API}/query/", json=page([], total=9))
    client, sleeps = make_client()

    with structlog.testing.capture_logs() as logs:
        assert client.count("SELECT COUNT() FROM Account") == 9

    assert client.api_calls == 3
    policy = RetryPolicy()
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= policy.base_delay and 0 <= sleeps[1] <= policy.base_delay * 2
    retries = [e for e in logs if e["event"] == "salesforce.retry"]
    assert [e["attempt"] for e in retries] == [1, 2]
    assert all(e["reason"] == "HTTP 503" for e in retries)


def test_retries_are_bounded(http):
    http.add(responses.GET, f"{API}/query/", status=503, body="unavailable")
    client, sleeps = make_client(retry=RetryPolicy(attempts=4))

    with pytest.raises(SalesforceUnavailable, match="after 4 attempts") as caught:
        client.count("SELECT COUNT() FROM Account")

    assert client.api_calls == 4 and len(sleeps) == 3
    assert caught.value.status == 503


def test_connection_errors_are_retried(http):
    http.add(responses.GET, f"{API}/query/", body=requests.ConnectionError("reset by peer"))
    http.add(responses.GET, f"{API}/query/", body=requests.ReadTimeout("slow"))
    http.add(responses.GET, f"{API}/query/", json=page([], total=2))
    client, sleeps = make_client()

    assert client.count("SELECT COUNT() FROM Account") == 2
    assert client.api_calls == 3 and len(sleeps) == 2


def test_request_limit_exceeded_honours_retry_after(http):
    http.add(responses.GET, f"{API}/query/", status=403, headers={"Retry-After": "7"},
             json=sf_error("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."))
    http.add(responses.GET, f"{API}/query/", json=page([], total=1))
    client, sleeps = make_client()

    assert client.count("SELECT COUNT() FROM Account") == 1
    assert sleeps == [7.0]


def test_request_limit_exceeded_that_persists_says_so(http):
    http.add(responses.GET, f"{API}/query/", status=403,
             json=sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
    client, sleeps = make_client(retry=RetryPolicy(attempts=3))

    with pytest.raises(ApiLimitExceeded, match="TotalRequests Limit exceeded"):
        client.count("SELECT COUNT() FROM Account")
    assert client.api_calls == 3 and len(sleeps) == 2


def test_a_retry_after_beyond_the_sleep_budget_gives_up_at_once(http):
    http.add(responses.GET, f"{API}/query/", status=503, headers={"Retry-After": "3600"},
             body="maintenance")
    client, sleeps = make_client(retry=RetryPolicy(max_total_sleep=60))

    with pytest.raises(SalesforceUnavailable):
        client.count("SELECT COUNT() FROM Account")
    assert sleeps == [] and client.api_calls == 1


def test_other_refusals_are_not_retried(http):
    http.add(responses.GET, f"{API}/query/", status=403,
             json=sf_error("INSUFFICIENT_ACCESS_OR_READONLY", "entity is read-only"))
    client, sleeps = make_client()
    with pytest.raises(SalesforceError, match="INSUFFICIENT_ACCESS_OR_READONLY"):
        client.count("SELECT COUNT() FROM Account")
    assert client.api_calls == 1 and sleeps == []


def test_a_malformed_query_is_reported_once_with_salesforce_words(http):
    message = "unexpected token: 'FORM'"
    http.add(responses.GET, f"{API}/query/", status=400, json=sf_error("MALFORMED_QUERY", message))
    client, sleeps = make_client()

    with pytest.raises(SalesforceError) as caught:
        list(client.query("SELECT Id FORM Account"))

    assert caught.value.code == "MALFORMED_QUERY" and caught.value.status == 400
    assert "MALFORMED_QUERY: unexpected token: 'FORM'" in str(caught.value)
    assert client.api_calls == 1 and sleeps == []


def test_an_expired_session_is_renewed_once(http):
    http.add(responses.POST, SOAP_URL, body=soap_ok("00D!first"), content_type="text/xml")
    http.add(responses.POST, SOAP_URL, body=soap_ok("00D!second"), content_type="text/xml")
    http.add(responses.GET, f"{API}/query/", status=401, json=INVALID_SESSION)
    http.add(responses.GET, f"{API}/query/", json=page([], total=4))
    client, sleeps = make_client(soap_settings())

    with structlog.testing.capture_logs() as logs:
        assert client.count("SELECT COUNT() FROM Account") == 4

    assert [c.request.url.split("?")[0] for c in http.calls] == [
        SOAP_URL, f"{API}/query/", SOAP_URL, f"{API}/query/"]
    assert bearer(http.calls[1]) == "Bearer 00D!first"
    assert bearer(http.calls[3]) == "Bearer 00D!second"
    assert [e["event"] for e in logs].count("salesforce.relogin") == 1
    assert client.api_calls == 4 and sleeps == []


def test_a_session_rejected_after_a_fresh_login_is_a_clear_error(http):
    http.add(responses.POST, TOKEN_URL, json=token_ok())
    http.add(responses.GET, f"{API}/query/", status=401, json=INVALID_SESSION)
    client, _ = make_client(oauth_settings())

    with pytest.raises(SessionExpired, match="again right after a fresh login"):
        client.count("SELECT COUNT() FROM Account")

    logins = [c for c in http.calls if c.request.url == TOKEN_URL]
    assert len(logins) == 2 and client.api_calls == 4


def test_a_create_that_may_have_reached_salesforce_is_not_retried(http):
    http.add(responses.POST, f"{API}/composite/sobjects", status=500,
             json=sf_error("UNKNOWN_EXCEPTION", "An unexpected error occurred."))
    client, sleeps = make_client()

    results = client.create("Account", [{"Name": "Acme"}])

    assert client.api_calls == 1 and sleeps == []
    assert results[0].status == "failed"
    assert results[0].errors[0].code == "UNKNOWN_EXCEPTION"


def test_a_create_refused_with_503_is_retried(http):
    http.add(responses.POST, f"{API}/composite/sobjects", status=503, body="unavailable")
    http.add(responses.POST, f"{API}/composite/sobjects",
             json=[{"id": "001000000000001AAA", "success": True, "errors": []}])
    client, sleeps = make_client()

    results = client.create("Account", [{"Name": "Acme"}])

    assert [r.status for r in results] == ["ok"] and len(sleeps) == 1


def test_retry_after_may_be_seconds_or_an_http_date():
    from datetime import UTC, datetime

    from connectors.salesforce_transport import retry_after_seconds

    def answer(value: str) -> requests.Response:
        response = requests.Response()
        response.headers["Retry-After"] = value
        return response

    now = datetime(2024, 1, 31, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(answer("12"), now=now) == 12.0
    assert retry_after_seconds(answer("Wed, 31 Jan 2024 12:00:30 GMT"), now=now) == 30.0
    assert retry_after_seconds(answer("soon"), now=now) is None
    assert retry_after_seconds(requests.Response(), now=now) is None


def test_only_failures_before_sending_count_as_never_sent():
    from connectors.salesforce_transport import never_sent

    assert never_sent(requests.ConnectTimeout("connect timed out"))
    assert not never_sent(requests.ReadTimeout("read timed out"))
    assert not never_sent(requests.ConnectionError("connection reset by peer"))
