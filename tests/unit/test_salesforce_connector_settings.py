"""Which login the SF_* settings select, what an incomplete set says, and the Prefect block."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors.salesforce_block import SalesforceCredentials
from connectors.salesforce_settings import LoginKind, SalesforceConfigError, SalesforceSettings

SANDBOX = "http://127.0.0.1:8765"


@pytest.mark.parametrize("env,kind", [
    ({"SF_USERNAME": "u@x.org", "SF_PASSWORD": "pw"}, LoginKind.SOAP_PASSWORD),
    ({"SF_USERNAME": "u@x.org", "SF_PASSWORD": "pw", "SF_SECURITY_TOKEN": "t"},
     LoginKind.SOAP_PASSWORD),
    ({"SF_USERNAME": "u@x.org", "SF_PASSWORD": "pw", "SF_CONSUMER_KEY": "k",
      "SF_CONSUMER_SECRET": "s"}, LoginKind.OAUTH_PASSWORD),
    ({"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": "s"}, LoginKind.CLIENT_CREDENTIALS),
    ({"SF_CONSUMER_KEY": "k", "SF_PRIVATE_KEY_FILE": "/keys/server.key",
      "SF_USERNAME": "u@x.org"}, LoginKind.JWT_BEARER),
    ({"SF_SESSION_ID": "00D!x", "SF_INSTANCE_URL": "https://acme.my.salesforce.com"},
     LoginKind.SESSION),
    # A session id wins over credentials that are also set.
    ({"SF_SESSION_ID": "00D!x", "SF_INSTANCE_URL": SANDBOX, "SF_USERNAME": "u@x.org",
      "SF_PASSWORD": "pw"}, LoginKind.SESSION),
])
def test_the_login_kind_follows_from_what_is_set(env, kind):
    assert SalesforceSettings.from_env(env).login_kind is kind


@pytest.mark.parametrize("env,message", [
    ({}, "No Salesforce login is configured"),
    ({"SF_USERNAME": "u@x.org"}, "SF_PASSWORD is not set"),
    ({"SF_PASSWORD": "pw"}, "SF_USERNAME is not set"),
    ({"SF_SECURITY_TOKEN": "t"}, "SF_USERNAME and SF_PASSWORD are not set"),
    ({"SF_CONSUMER_KEY": "k"}, "neither SF_CONSUMER_SECRET"),
    ({"SF_CONSUMER_SECRET": "s"}, "SF_CONSUMER_KEY is not"),
    ({"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": "s", "SF_USERNAME": "u@x.org"},
     "SF_PASSWORD is not"),
    ({"SF_PRIVATE_KEY_FILE": "/k.pem", "SF_USERNAME": "u@x.org"}, "SF_CONSUMER_KEY is not"),
    ({"SF_PRIVATE_KEY_FILE": "/k.pem"}, "SF_CONSUMER_KEY and SF_USERNAME are not"),
    ({"SF_SESSION_ID": "00D!x"}, "SF_INSTANCE_URL is not"),
    ({"SF_SESSION_ID": "00D!x", "SF_INSTANCE_URL": "http://203.0.113.9:8765"},
     "only a local sandbox"),
    ({"SF_SESSION_ID": "00D!x", "SF_INSTANCE_URL": "acme.my.salesforce.com"}, "is not a URL"),
    ({"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_API_VERSION": "latest"}, "SF_API_VERSION"),
    ({"SF_USERNAME": "u", "SF_PASSWORD": "p", "SF_DOMAIN": "acme my"}, "SF_DOMAIN"),
])
def test_an_incomplete_or_bad_set_names_what_is_wrong(env, message):
    with pytest.raises(SalesforceConfigError, match=message):
        SalesforceSettings.from_env(env)


def test_empty_variables_count_as_unset():
    settings = SalesforceSettings.from_env({"SF_USERNAME": "u@x.org", "SF_PASSWORD": "pw",
                                            "SF_SECURITY_TOKEN": "", "SF_CONSUMER_KEY": " ",
                                            "SF_DOMAIN": "", "SF_API_VERSION": ""})
    assert settings.login_kind is LoginKind.SOAP_PASSWORD
    assert settings.security_token is None and settings.consumer_key is None
    assert settings.domain == "login" and settings.api_version == "59.0"


@pytest.mark.parametrize("given,expected", [
    ("test", "test"), ("https://Acme.my.salesforce.com/", "acme.my"), ("acme.my", "acme.my"),
])
def test_domains_are_normalised(given, expected):
    settings = SalesforceSettings(username="u", password="p", domain=given)
    assert settings.domain == expected


def test_a_my_domain_instance_url_is_also_the_login_domain():
    settings = SalesforceSettings(username="u", password="p",
                                  instance_url="https://acme.my.salesforce.com/lightning")
    assert settings.domain == "acme.my"
    assert settings.instance_url == "https://acme.my.salesforce.com"
    assert settings.sandbox_base_url is None


def test_a_loopback_http_instance_is_the_sandbox():
    for url in (SANDBOX, "http://localhost:9000", "http://[::1]:8765"):
        settings = SalesforceSettings(username="u", password="p", instance_url=url)
        assert settings.sandbox_base_url == url


def test_the_api_version_accepts_a_leading_v():
    settings = SalesforceSettings(username="u", password="p", api_version="v61.0")
    assert settings.api_version == "61.0"


def test_repr_lists_which_secrets_are_set_but_not_their_values():
    settings = SalesforceSettings(username="u@x.org", password="hunter2", security_token="tok123",
                                  consumer_key="key", consumer_secret="shh-secret")
    shown = repr(settings)
    assert "hunter2" not in shown and "tok123" not in shown and "shh-secret" not in shown
    assert "u@x.org" in shown and "password/security_token/consumer_secret" in shown
    assert str(settings) == shown


def test_the_prefect_block_gives_the_same_settings_as_the_environment():
    env = {"SF_USERNAME": "admin@weeder.sandbox", "SF_PASSWORD": "pw-in-block",
           "SF_SECURITY_TOKEN": "tok-in-block", "SF_INSTANCE_URL": SANDBOX,
           "SF_API_VERSION": "60.0"}
    block = SalesforceCredentials(username="admin@weeder.sandbox",
                                  password=SecretStr("pw-in-block"),
                                  security_token=SecretStr("tok-in-block"), instance_url=SANDBOX,
                                  api_version="60.0")

    assert block.to_settings() == SalesforceSettings.from_env(env)
    assert "in-block" not in repr(block) and "in-block" not in repr(block.to_settings())


def test_an_incomplete_block_fails_like_the_environment_does():
    block = SalesforceCredentials(consumer_key="k")
    with pytest.raises(SalesforceConfigError, match="neither SF_CONSUMER_SECRET"):
        block.to_settings()


def test_a_sandbox_client_links_to_the_sandbox_and_names_it_when_login_fails() -> None:
    import responses as mocked

    from connectors.salesforce import AuthenticationFailed, SalesforceClient

    settings = SalesforceSettings.from_env({
        "SF_INSTANCE_URL": "http://127.0.0.1:8765", "SF_USERNAME": "rep@weeder.sandbox",
        "SF_PASSWORD": "wrong"})
    client = SalesforceClient(settings)
    assert client.instance_url == "http://127.0.0.1:8765"
    fault = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
             'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
             'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
             '<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: bad</faultstring>'
             '<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>'
             '<sf:exceptionMessage>Invalid username, password, security token; or user locked '
             'out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body>'
             '</soapenv:Envelope>')
    with mocked.RequestsMock() as server:
        server.add(mocked.POST, "http://127.0.0.1:8765/services/Soap/u/59.0", body=fault,
                   status=500, content_type="text/xml")
        with pytest.raises(AuthenticationFailed) as refused:
            client.login()
    assert "at http://127.0.0.1:8765" in str(refused.value)
    assert "login.salesforce.com" not in str(refused.value)
    assert "wrong" not in str(refused.value)
