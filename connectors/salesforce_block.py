"""The Salesforce login as a Prefect block: the alternative to ``SF_*`` environment variables.

Kept apart from ``connectors.salesforce`` so that reading records never imports Prefect.
"""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from connectors.salesforce_settings import DEFAULT_API_VERSION, SalesforceSettings


def _reveal(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class SalesforceCredentials(Block):
    """How Weeder logs in to a Salesforce org. Fill the fields of one login kind:
    username + password (+ security token); consumer key + secret (+ username + password);
    consumer key + private key file + username (JWT bearer); or session id + instance URL."""

    _block_type_name = "Weeder Salesforce Credentials"
    _block_type_slug = "weeder-salesforce-credentials"

    username: str | None = Field(default=None, description="SF_USERNAME")
    password: SecretStr | None = Field(default=None, description="SF_PASSWORD")
    security_token: SecretStr | None = Field(default=None, description="SF_SECURITY_TOKEN")
    domain: str | None = Field(
        default=None, description="SF_DOMAIN: login, test or your My Domain (acme.my)"
    )
    consumer_key: str | None = Field(default=None, description="SF_CONSUMER_KEY")
    consumer_secret: SecretStr | None = Field(default=None, description="SF_CONSUMER_SECRET")
    private_key_file: str | None = Field(default=None, description="SF_PRIVATE_KEY_FILE")
    instance_url: str | None = Field(default=None, description="SF_INSTANCE_URL")
    session_id: SecretStr | None = Field(default=None, description="SF_SESSION_ID")
    api_version: str = Field(default=DEFAULT_API_VERSION, description="SF_API_VERSION")

    def to_settings(self) -> SalesforceSettings:
        """The same settings ``SalesforceSettings.from_env()`` would build from these values."""
        return SalesforceSettings(
            username=self.username,
            password=_reveal(self.password),
            security_token=_reveal(self.security_token),
            domain=self.domain or "",
            consumer_key=self.consumer_key,
            consumer_secret=_reveal(self.consumer_secret),
            private_key_file=self.private_key_file,
            instance_url=self.instance_url,
            session_id=_reveal(self.session_id),
            api_version=self.api_version,
        )
