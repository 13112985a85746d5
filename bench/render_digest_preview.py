"""Render a sample weekly digest and screenshot it in headless Chromium, to look at it.

    .venv/bin/python bench/render_digest_preview.py [--out bench/out]

Writes the preview (.html with CSS inlined, exactly as mailed; .txt; .eml) and a PNG under
bench/out/ (git-ignored), and prints render time and sizes. Needs Debian's `chromium` package.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from email.headerregistry import Address
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors import mail  # noqa: E402
from connectors.templates import load_environment  # noqa: E402
from engine.digest import (  # noqa: E402
    Digest,
    DigestInputs,
    DigestSettings,
    ReportWeek,
    WeekScores,
    build_digests,
)
from engine.model import (  # noqa: E402
    Action,
    FindingRecord,
    FindingStatus,
    JournalEntry,
    JournalKind,
    JournalStatus,
    Severity,
    fingerprint_of,
)
from engine.templating import render_digest  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
INSTANCE = "https://acme.my.salesforce.com"
MANAGER = "005000000000001AAA"
QUIET = "005000000000006AAA"
PREFIX = {"Opportunity": "006", "Contact": "003", "Lead": "00Q", "Account": "001"}


def sample_digests() -> tuple[Digest, ...]:
    """Maria's busy team, and Tom's quiet one (an all-clear)."""
    week = ReportWeek.parse("2026-W47")
    monday = week.start
    reps = [("005000000000002AAA", "Alan O'Neill"), ("005000000000003AAA", "Bea Lindqvist"),
            ("005000000000004AAA", "Carlos Ruiz"), ("005000000000005AAA", "Dana Whitfield")]
    users = [{"Id": MANAGER, "Name": "Maria Chen", "Email": "maria.chen@acme.example",
              "ManagerId": None, "IsActive": True}]
    users += [{"Id": uid, "Name": name, "Email": f"{name.split()[0].lower()}@acme.example",
               "ManagerId": MANAGER, "IsActive": True} for uid, name in reps]
    users += [{"Id": QUIET, "Name": "Tom Quiet", "Email": "tom@acme.example", "ManagerId": None,
               "IsActive": True},
              {"Id": "005000000000007AAA", "Name": "Uma Tidy", "Email": "uma@acme.example",
               "ManagerId": QUIET, "IsActive": True}]
    findings: list[FindingRecord] = []
    names: dict[str, str] = {}

    def add(rule: str, severity: Severity, obj: str, n: int, owner: str, field: str | None,
            message: str, days_ago: int, name: str, action: Action = Action.REPORT,
            evidence: dict[str, object] | None = None) -> None:
        record_id = f"{PREFIX[obj]}000000000{n:03d}AAA"
        names[record_id] = name
        seen = monday + timedelta(days=3) - timedelta(days=days_ago)
        findings.append(FindingRecord(
            fingerprint=fingerprint_of(rule, record_id, field), rule_id=rule, severity=severity,
            object=obj, record_id=record_id, field=field, message=message,
            evidence=evidence or {}, owner_id=owner, status=FindingStatus.OPEN,
            first_seen=seen, last_seen=monday + timedelta(days=6), action=action))

    jumps = [("Globex renewal 2027", "Prospecting", "Closed Won", 184000, 0, 1),
             ("Initech — 40 seats", "Qualification", "Negotiation/Review", 52000, 1, 2),
             ("<script>alert(1)</script>", "Prospecting", "Closed Won", 9500, 2, 0),
             ("Umbrella Corp expansion", "Needs Analysis", "Closed Won", 310000, 0, 12),
             ("Stark Industries pilot", "Prospecting", "Proposal/Price Quote", 27500, 3, 3),
             ("Wayne Enterprises (EMEA)", "Prospecting", "Closed Won", None, 1, 20)]
    for n, (name, frm, to, amount, rep, days) in enumerate(jumps):
        owner = reps[rep][0]
        add("stage-jump-without-notes", Severity.ERROR, "Opportunity", n, owner, "StageName",
            f"moved {frm} → {to} with no note, task or event within 7 days", days, name,
            Action.TASK, {"from": frm, "to": to, "amount": amount,
                          "when": (monday + timedelta(days=3 - days)).isoformat(),
                          "by": owner})
    people = ["Ann Lee", "Bob Stone", "Carl Berg", "Dora Fox", "Eli Ward", "Fay Moss", "Gus Hale"]
    for n, person in enumerate(people):
        add("contact-email-valid", Severity.ERROR, "Contact", 100 + n, reps[n % 4][0], "Email",
            "Email is not a valid address", n * 3, person, Action.TASK if n < 2 else Action.REPORT)
    for n in range(9):
        add("open-deal-stale", Severity.WARNING, "Opportunity", 200 + n, reps[(n + 1) % 4][0],
            "LastActivityDate", "open deal with no activity for 60+ days", 10 + n,
            f"Deal {n + 1} — Q4 upsell")
    for n in range(4):
        add("lead-company-required", Severity.WARNING, "Lead", 300 + n, reps[2][0], "Company",
            "Lead has an Email but no Company", n, f"Lead {n + 1}")
    add("probability-matches-stage", Severity.INFO, "Opportunity", 400, reps[0][0],
        "Probability", "Probability 40 differs from the stage default 60", 2, "Hooli deal")
    resolved = FindingRecord(
        fingerprint="r1", rule_id="contact-phone-e164", severity=Severity.WARNING,
        object="Contact", record_id="003000000000900AAA", field="Phone", message="",
        evidence={}, owner_id=reps[1][0], status=FindingStatus.RESOLVED,
        first_seen=monday - timedelta(days=9), last_seen=monday + timedelta(days=1),
        resolved_at=monday + timedelta(days=1))
    findings.append(resolved)
    journal = [
        JournalEntry(id=i, run_id="run-1", kind=kind, object=obj, record_id=rid, field=fld,
                     old=old, new=new, status=JournalStatus.OK,
                     created_at=monday + timedelta(days=1, hours=i), rule_id=rule)
        for i, (kind, obj, rid, fld, old, new, rule) in enumerate([
            (JournalKind.FIX, "Contact", "003000000000900AAA", "Phone", "(415) 555-0123",
             "+14155550123", "contact-phone-e164"),
            (JournalKind.REVERT, "Opportunity", "006000000000000AAA", "Amount", 18400, 184000,
             "amount-after-close"),
            (JournalKind.FIX, "Account", "001000000000500AAA", "BillingCountry", "Untied States",
             "United States", "country-canonical"),
            (JournalKind.FIX, "Account", "001000000000501AAA", "Name", "Acme  Corp ",
             "Acme Corp", "name-whitespace"),
            (JournalKind.FIX, "Contact", "003000000000101AAA", "LastName", "STONE", "Stone",
             "name-case"),
            (JournalKind.FIX, "Lead", "00Q000000000301AAA", "State", "Calif.", "CA",
             "state-code"),
        ])]
    names.update({"003000000000900AAA": "Hank Ortiz", "001000000000500AAA": "Acme Corp",
                  "001000000000501AAA": "Acme Corp (UK)"})
    owners = {rid: reps[1][0] for rid in names}
    history = [WeekScores(week=f"2026-W{w}", teams={MANAGER: s},
                          reps={reps[0][0]: s - 4, reps[1][0]: s + 3})
               for w, s in [(41, 58), (42, 61), (44, 66), (45, 70), (46, 74)]]
    inputs = DigestInputs(
        week=week, findings=findings, journal=journal, users=users,
        records_owned={reps[0][0]: 120, reps[1][0]: 95, reps[2][0]: 60, reps[3][0]: 210},
        history=history, record_names=names, record_owners=owners,
        rule_titles={"contact-email-valid": "Contact email is not a valid address",
                     "open-deal-stale": "Open deal with no activity for 60 days",
                     "lead-company-required": "Lead with an email but no company",
                     "probability-matches-stage": "Probability differs from the stage"})
    settings = DigestSettings(instance_url=INSTANCE,
                              report_url=f"{INSTANCE}/lightning/o/Report/home")
    return build_digests(inputs, settings).digests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--height", type=int, default=1400, help="window height in pixels")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or (str(CHROMIUM) if CHROMIUM.exists() else None)
    if chromium is None:
        print("chromium is missing: apt-get install chromium", file=sys.stderr)
        return 1

    env = load_environment()
    config = mail.MailConfig(transport=mail.SmtpSettings(host="localhost", port=25),
                             sender=Address("Weeder", "weeder", "acme.example"))
    for digest in sample_digests():
        started = time.perf_counter()
        rendered = render_digest(env, digest)
        rendered_at = time.perf_counter()
        message = mail.compose_digest(digest, rendered, config)
        composed_at = time.perf_counter()
        files = mail.write_preview(args.out, digest, message)
        png = args.out / f"{files.html.stem}.png"
        shot_seconds = screenshot(chromium, files.html, png, args.height)
        if shot_seconds is None:
            return 1
        print(f"== {digest.subject}{' (all clear)' if digest.all_clear else ''}")
        print(f"render (html + text)     {1000 * (rendered_at - started):7.1f} ms")
        print(f"compose (inline css)     {1000 * (composed_at - rendered_at):7.1f} ms")
        print(f"screenshot (chromium)    {shot_seconds:7.1f} s")
        print(f"html as mailed           {files.html.stat().st_size:7d} bytes")
        print(f"text part                {files.text.stat().st_size:7d} bytes")
        print(f"whole message (.eml)     {files.eml.stat().st_size:7d} bytes")
        print(f"preview                  {files.html}")
        print(f"screenshot               {png}")
    return 0


def screenshot(chromium: str, html: Path, png: Path, height: int) -> float | None:
    with tempfile.TemporaryDirectory(prefix="weeder-chromium-") as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                   "--hide-scrollbars", f"--window-size=800,{height}", f"--screenshot={png}",
                   html.resolve().as_uri()]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        seconds = time.perf_counter() - started
    if result.returncode != 0 or not png.exists():
        print(f"chromium failed ({result.returncode}):\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return seconds


if __name__ == "__main__":
    sys.exit(main())
