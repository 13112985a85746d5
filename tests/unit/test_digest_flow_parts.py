"""The digest flow's decisions that need no org, no server and no Prefect: which week, which
settings, which records to look up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.digest import DigestInputs, DigestSettings, ReportWeek, build_digests
from engine.errors import WeederError
from engine.model import (
    Action,
    FindingRecord,
    FindingStatus,
    JournalEntry,
    JournalKind,
    JournalStatus,
    Severity,
    fingerprint_of,
)
from flows.digest import choose_week
from flows.digest_config import PREVIEW_SENDER, DigestConfig
from flows.digest_inputs import LedgerFacts, orphan_records, unnamed_records

WEEK = ReportWeek.parse("2026-W47")
WEDNESDAY = WEEK.start + timedelta(days=2)
USERS: list[dict[str, Any]] = [
    {"Id": "005M", "Name": "Maria Chen", "Email": "maria@acme.example", "ManagerId": None,
     "IsActive": True},
    {"Id": "005A", "Name": "Alan Rep", "Email": "alan@acme.example", "ManagerId": "005M",
     "IsActive": True},
]


def config(**env: str) -> DigestConfig:
    return DigestConfig.from_env(sending=False, env=env)


def finding(record_id: str, rule_id: str = "account-phone-format", **evidence: str
            ) -> FindingRecord:
    return FindingRecord(
        fingerprint=fingerprint_of(rule_id, record_id, "Phone"), rule_id=rule_id,
        severity=Severity.ERROR, object="Account", record_id=record_id, field="Phone",
        message="Phone is not E.164", evidence=evidence, owner_id="005A",
        status=FindingStatus.OPEN, first_seen=WEDNESDAY, last_seen=WEDNESDAY,
        action=Action.TASK)


def test_sending_reports_the_last_week_complete_in_the_digest_time_zone() -> None:
    monday_morning = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # Monday in Auckland already

    auckland = choose_week(None, config(WEEDER_DIGEST_TIMEZONE="Pacific/Auckland"),
                           monday_morning, sending=True)
    los_angeles = choose_week(None, config(WEEDER_DIGEST_TIMEZONE="America/Los_Angeles"),
                              monday_morning, sending=True)  # still Sunday there

    assert auckland.iso == "2026-W47"
    assert auckland.start == datetime(2026, 11, 16, tzinfo=ZoneInfo("Pacific/Auckland"))
    assert los_angeles.iso == "2026-W46"


def test_a_preview_shows_the_current_week_so_far() -> None:
    thursday = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)

    assert choose_week(None, config(), thursday, sending=False).iso == "2026-W47"


def test_a_week_not_over_may_be_previewed_but_not_sent() -> None:
    thursday = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)

    assert choose_week("2026-W47", config(), thursday, sending=False).iso == "2026-W47"
    with pytest.raises(WeederError, match="week 2026-W47 is not over until Mon 23 Nov 00:00"):
        choose_week("2026-W47", config(), thursday, sending=True)


def test_settings_read_from_the_environment() -> None:
    settings = config(WEEDER_DIGEST_FALLBACK="ops@acme.example, Sales Ops <sales-ops@acme.example>",
                      WEEDER_DIGEST_SKIP_ALL_CLEAR="yes", WEEDER_TEMPLATES_DIR="/srv/templates")

    assert settings.fallback_recipients == ("ops@acme.example", "sales-ops@acme.example")
    assert settings.skip_all_clear is True
    assert str(settings.templates_dir) == "/srv/templates"
    assert settings.sender == PREVIEW_SENDER  # a preview needs no WEEDER_MAIL_FROM
    assert settings.mail is None
    assert config().timezone is UTC


@pytest.mark.parametrize(("env", "message"), [
    ({"WEEDER_DIGEST_FALLBACK": "ops@acme.example, not-an-address"},
     "WEEDER_DIGEST_FALLBACK 'not-an-address' is not a valid e-mail address"),
    ({"WEEDER_DIGEST_TIMEZONE": "Europe/Atlantis"},
     "WEEDER_DIGEST_TIMEZONE='Europe/Atlantis': not a time zone name"),
    ({"WEEDER_DIGEST_SKIP_ALL_CLEAR": "maybe"},
     "WEEDER_DIGEST_SKIP_ALL_CLEAR='maybe': expected true or false"),
])
def test_a_bad_setting_is_named_with_its_value(env: dict[str, str], message: str) -> None:
    with pytest.raises(WeederError, match=message.replace("(", r"\(")):
        config(**env)


def test_sending_names_every_missing_mail_setting_at_once() -> None:
    with pytest.raises(WeederError) as raised:
        DigestConfig.from_env(sending=True, env={})

    assert str(raised.value).startswith(
        "sending mail needs WEEDER_MAIL_FROM and WEEDER_SMTP_HOST (not set)")


def test_only_records_shown_without_a_name_are_looked_up() -> None:
    findings = [finding("001A"), finding("001B", record_name="Acme GmbH")]
    inputs = DigestInputs(week=WEEK, findings=findings, journal=[], users=USERS)
    settings = DigestSettings(instance_url="https://acme.my.salesforce.com")

    assert unnamed_records(build_digests(inputs, settings)) == {"Account": {"001A"}}

    named = DigestInputs(week=WEEK, findings=findings, journal=[], users=USERS,
                         record_names={"001A": "Globex"})
    assert unnamed_records(build_digests(named, settings)) == {}


def test_the_owner_is_looked_up_only_for_writes_no_finding_explains() -> None:
    known = finding("001A")

    def entry(record_id: str, fingerprint: str | None, *, status: JournalStatus = JournalStatus.OK,
              at: datetime = WEDNESDAY) -> JournalEntry:
        return JournalEntry(id=1, run_id="r", kind=JournalKind.FIX, object="Account",
                            record_id=record_id, field="Phone", old="0612", new="+33612",
                            status=status, created_at=at, fingerprint=fingerprint)

    facts = LedgerFacts(findings=[known], history=[], owner_counts={}, journal=[
        entry("001A", known.fingerprint),  # its finding names the owner
        entry("001A", None),  # another write on a record a finding is about
        entry("001C", "gone"),  # a finding no longer in view: ask the org
        entry("001D", None, status=JournalStatus.CONFLICT),  # nothing was written
        entry("001E", None, at=WEEK.end),  # next week's
    ])

    assert orphan_records(facts, WEEK) == {"Account": {"001C"}}


def test_reads_are_retried_only_when_a_second_try_may_pass() -> None:
    from prefect.states import Failed

    from connectors.salesforce_errors import AuthenticationFailed, SalesforceUnavailable
    from flows.digest import read_users

    def retried(error: Exception) -> bool:
        assert read_users.retry_condition_fn is not None
        return bool(read_users.retry_condition_fn(read_users, None, Failed(data=error)))  # type: ignore[arg-type]

    assert retried(SalesforceUnavailable("Salesforce kept failing (503)"))
    assert not retried(AuthenticationFailed("INVALID_LOGIN"))
    assert not retried(WeederError("WEEDER_DIGEST_TIMEZONE='Mars/Olympus'"))
