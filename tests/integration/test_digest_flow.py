"""The weekly digest flow end to end: a seeded sandbox org in a subprocess, a ledger holding a
week of findings, a real SMTP server on loopback, and the flow run as a real Prefect flow.

The org's managers (users with an active direct report) are read from the org's own database,
so the test knows who must receive a digest without hard-coding the seed.
"""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors.ledger import Ledger
from engine.model import Action, Finding, JournalKind, JournalStatus, Severity
from engine.week import ReportWeek
from flows.cli import app
from flows.digest import digest_flow
from flows.digest_delivery import DeliveryStatus
from sandbox.seed import seed_org
from sandbox.server import RunningSandbox, start_sandbox
from tests.mailbox import Mailbox, running_mailbox

pytestmark = pytest.mark.usefixtures("prefect_harness")

EVIL_NAME = "<script>alert(1)</script>"
#: The last complete week: the flow refuses to send a week that is not over.
WEEK = ReportWeek.last_complete(datetime.now(UTC))
SUBJECT = "Weeder weekly hygiene digest — {name} — week {number}"
RECORD_URL = re.compile(r"https?://\S+")
RECORD_ID = re.compile(r"\b(?:001|003|006|00Q)[0-9A-Za-z]{15}\b")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str
    manager_id: str | None
    active: bool


@dataclass(frozen=True)
class Org:
    sandbox: RunningSandbox
    users: dict[str, User]
    #: (Id, OwnerId) of accounts owned by someone with a manager, in Id order.
    accounts: list[tuple[str, str]]
    deal: tuple[str, str]  # (Id, OwnerId) of an opportunity owned by someone with a manager
    evil_account: str

    @property
    def managers(self) -> list[User]:
        """Who must get a digest: active users with a valid address and an active report."""
        ids = {u.manager_id for u in self.users.values() if u.active and u.manager_id}
        return sorted((self.users[i] for i in ids if self.users[i].active),
                      key=lambda u: u.email)

    def manager_of(self, owner_id: str) -> User:
        manager_id = self.users[owner_id].manager_id
        assert manager_id is not None
        return self.users[manager_id]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    db_path = tmp_path_factory.mktemp("org") / "org.db"
    seed_org(db_path, size=300, seed=7)
    conn = sqlite3.connect(db_path)
    users = {row[0]: User(row[0], row[1], row[2], row[3], bool(row[4])) for row in conn.execute(
        'SELECT Id, Name, Email, ManagerId, IsActive FROM "User"')}
    managed = {u.id for u in users.values() if u.active and u.manager_id}
    accounts = [(i, o) for i, o in conn.execute('SELECT Id, OwnerId FROM "Account" ORDER BY Id')
                if o in managed]
    deal = next((i, o) for i, o in conn.execute(
        'SELECT Id, OwnerId FROM "Opportunity" ORDER BY Id') if o in managed)
    evil_account = accounts[0][0]
    conn.execute('UPDATE "Account" SET Name = ? WHERE Id = ?', (EVIL_NAME, evil_account))
    conn.commit()
    conn.close()
    with start_sandbox(db_path) as sandbox:
        yield Org(sandbox, users, accounts, deal, evil_account)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture
def ledger_url(org: Org, tmp_path: Path) -> str:
    """A ledger holding one audit of the week: findings on the reps' records and one fix."""
    url = f"sqlite:///{tmp_path / 'weeder.db'}"
    wednesday = WEEK.start + timedelta(days=2)
    with Ledger.open(url, clock=lambda: wednesday) as ledger:
        run = ledger.start_run(mode="apply", rules_hash="test", full=True)
        findings = [Finding(rule_id="account-billing-country-required",
                            severity=Severity.ERROR if n % 2 else Severity.WARNING,
                            object="Account", record_id=account, field="BillingCountry",
                            message="Billing country is empty", owner_id=owner,
                            action=Action.TASK)
                    for n, (account, owner) in enumerate(org.accounts[1:13])]
        findings.append(Finding(rule_id="account-name-case", severity=Severity.ERROR,
                                object="Account", record_id=org.evil_account, field="Name",
                                message="Name is not in title case",
                                owner_id=org.accounts[0][1]))
        findings.append(Finding(
            rule_id="opportunity-stage-jump", severity=Severity.ERROR, object="Opportunity",
            record_id=org.deal[0], field="StageName", owner_id=org.deal[1],
            message="Went from Prospecting to Closed Won with no notes", action=Action.TASK,
            evidence={"from": "Prospecting", "to": "Closed Won", "amount": 48000,
                      "when": wednesday.isoformat(), "by": org.deal[1]}))
        ledger.record_findings(run, findings, evaluated=None,
                               rules={f.rule_id for f in findings})
        fixed = ledger.journal_intent(run, kind=JournalKind.FIX, object="Account",
                                      record_id=org.accounts[1][0], field="Phone",
                                      old="0612345678", new="+33 6 12 34 56 78",
                                      fingerprint=findings[0].fingerprint)
        ledger.journal_outcome(fixed, JournalStatus.OK)
        ledger.finish_run(run, status="ok", summary={}, api_calls=0, api_remaining=None)
    return url


@pytest.fixture(autouse=True)
def environment(org: Org, ledger_url: str, mailbox: Mailbox,
                monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SF_USERNAME": "admin@weeder.sandbox", "SF_PASSWORD": "weeder",
        "SF_SECURITY_TOKEN": "", "SF_INSTANCE_URL": org.sandbox.url,
        "WEEDER_DB_URL": ledger_url, "WEEDER_SMTP_HOST": "127.0.0.1",
        "WEEDER_SMTP_PORT": str(mailbox.port), "WEEDER_SMTP_SECURITY": "none",
        "WEEDER_MAIL_FROM": "Weeder <weeder@acme.example>",
        "WEEDER_MAIL_REPLY_TO": "Sales Ops <sales-ops@acme.example>",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("WEEDER_DIGEST_FALLBACK", "WEEDER_DIGEST_SKIP_ALL_CLEAR", "WEEDER_TEMPLATES_DIR",
                 "WEEDER_DIGEST_TIMEZONE", "SF_CONSUMER_KEY", "SF_SESSION_ID"):
        monkeypatch.delenv(name, raising=False)


def body_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    return body_of(message, "html")


def test_each_manager_gets_one_digest_and_a_rerun_sends_none(
    org: Org, mailbox: Mailbox, ledger_url: str
) -> None:
    summary = digest_flow(send=True, week=WEEK.iso)

    managers = org.managers
    assert len(managers) >= 3
    assert sorted(r.envelope_to for r in mailbox.received) == [(m.email,) for m in managers]
    for manager in managers:
        (message,) = mailbox.to(manager.email)
        assert message["Subject"] == SUBJECT.format(name=manager.name, number=WEEK.number)
        assert message["To"].addresses[0].addr_spec == manager.email
        assert message["Reply-To"].addresses[0].addr_spec == "sales-ops@acme.example"
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain",
                                                                          "text/html"]
        # Every record shown is named (looked up in the org), never left as a bare id.
        text = RECORD_URL.sub("", body_of(message, "plain"))
        assert not RECORD_ID.search(text), RECORD_ID.findall(text)
    assert summary.status == "ok"
    assert summary.count(DeliveryStatus.SENT) == len(managers)

    # The record named like a script, looked up in the org by the flow: linked, and shown as text.
    html = html_of(mailbox.to(org.manager_of(org.accounts[0][1]).email)[0])
    assert f'href="{org.sandbox.url}/lightning/r/Account/{org.evil_account}/view"' in html
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    deal_html = html_of(mailbox.to(org.manager_of(org.deal[1]).email)[0])
    assert f"{org.sandbox.url}/lightning/r/Opportunity/{org.deal[0]}/view" in deal_html

    with Ledger.open(ledger_url) as ledger:
        assert all(ledger.digest_sent(m.email, WEEK.iso) for m in managers)
        assert all(ledger.scores(f"team:{m.id}") for m in managers)

    again = digest_flow(send=True, week=WEEK.iso)

    assert len(mailbox.received) == len(managers)
    assert [d.status for d in again.deliveries] == [DeliveryStatus.ALREADY_SENT] * len(managers)


def test_a_refused_digest_is_recorded_as_failed_and_sent_by_the_next_run(
    org: Org, mailbox: Mailbox, ledger_url: str
) -> None:
    victim = org.manager_of(org.deal[1])
    mailbox.refuse = {victim.email}

    state = digest_flow(send=True, week=WEEK.iso, return_state=True)

    assert state.name == "Partial"
    assert state.message == f"1 of {len(org.managers)} digests failed to send"
    summary = state.result()
    (failed,) = summary.failed
    assert (failed.team, failed.recipients) == (victim.name, (victim.email,))
    assert failed.error is not None and "550" in failed.error
    assert summary.status == "partial"
    assert summary.count(DeliveryStatus.SENT) == len(org.managers) - 1
    with Ledger.open(ledger_url) as ledger:
        assert not ledger.digest_sent(victim.email, WEEK.iso)

    mailbox.refuse.clear()
    again = digest_flow(send=True, week=WEEK.iso)

    assert again.status == "ok"
    assert {d.team: d.status for d in again.deliveries if d.status != "already sent"} == {
        victim.name: DeliveryStatus.SENT}
    assert len(mailbox.to(victim.email)) == 1
    assert len(mailbox.received) == len(org.managers)


def test_a_preview_writes_each_managers_files_and_sends_nothing(
    org: Org, mailbox: Mailbox, ledger_url: str, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"

    summary = digest_flow(preview_dir=str(outbox), week=WEEK.iso)

    assert mailbox.received == []
    assert sorted(d.recipients[0] for d in summary.deliveries) == [m.email for m in org.managers]
    assert len(list(outbox.iterdir())) == 3 * len(org.managers)
    for delivery in summary.deliveries:
        assert delivery.status == DeliveryStatus.PREVIEWED and delivery.files is not None
        eml = email.message_from_bytes(delivery.files.eml.read_bytes(),
                                       policy=email.policy.default)
        assert eml["Subject"] == delivery.subject
        assert eml.get_content_type() == "multipart/alternative"
        assert delivery.files.text.read_text().startswith(delivery.subject)
    deal_manager = org.manager_of(org.deal[1]).id
    deal_team = next(d for d in summary.deliveries if d.manager_id == deal_manager)
    assert deal_team.files is not None
    assert (f"{org.sandbox.url}/lightning/r/Opportunity/{org.deal[0]}/view"
            in deal_team.files.html.read_text())
    with Ledger.open(ledger_url) as ledger:
        assert not any(ledger.digest_sent(m.email, WEEK.iso) for m in org.managers)
        assert not any(ledger.scores(f"team:{m.id}") for m in org.managers)


def test_the_command_prints_a_line_per_manager_and_fails_when_a_send_failed(
    org: Org, mailbox: Mailbox, tmp_path: Path
) -> None:
    runner = CliRunner()
    preview = runner.invoke(app, ["digest", "--preview", str(tmp_path), "--week", WEEK.iso])

    assert preview.exit_code == 0, preview.output
    lines = preview.stdout.splitlines()
    assert len(lines) == len(org.managers) + 1
    assert all(line.startswith("previewed") and ".eml" in line for line in lines[:-1])
    assert lines[-1] == f"week {WEEK.iso}: {len(org.managers)} digests: " \
                       f"{len(org.managers)} previewed"

    mailbox.refuse = {org.managers[0].email}
    sent = runner.invoke(app, ["digest", "--send", "--week", WEEK.iso])

    assert sent.exit_code == 1, sent.output
    failed = [line for line in sent.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and org.managers[0].email in failed[0] and "550" in failed[0]
    assert f"{len(org.managers) - 1} sent, 1 failed" in sent.stdout
