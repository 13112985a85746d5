"""How long the ledger takes to record an org's worth of findings, twice.

The first pass inserts every finding as new; the second sees them all again (the hourly steady
state: every finding persists). Prints seconds per pass; never fails.

    .venv/bin/python bench/ledger_speed.py [--count 200000] [--url sqlite:///...]

On the 2-core development machine (shared): about 4-5 s per pass for SQLite; about 10 s and
5 s on a local PostgreSQL 15.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.ledger import Ledger  # noqa: E402
from engine.model import Action, Finding, Severity  # noqa: E402
from flows.log import configure_logging  # noqa: E402

RULES = ("missing-email", "bad-phone", "stale-close-date", "no-next-step", "amount-zero")


def org_findings(count: int) -> list[Finding]:
    return [
        Finding(
            rule_id=RULES[i % len(RULES)],
            severity=Severity.WARNING,
            object="Contact" if i % 2 else "Opportunity",
            record_id=f"003{i:012d}",
            field="Email",
            message=f"record {i} has no e-mail address",
            evidence={"value": None, "owner": f"005{i % 40:012d}"},
            owner_id=f"005{i % 40:012d}",
            action=Action.TASK,
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--url", help="SQLAlchemy URL (default: a SQLite file in a temp dir)")
    args = parser.parse_args()
    configure_logging("WARNING")  # the figures, not the ledger's info lines

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        ticks = iter(datetime(2026, 11, 23, tzinfo=UTC) + timedelta(hours=h) for h in range(100))
        now = next(ticks)
        with Ledger.open(url, clock=lambda: now) as ledger:
            findings = org_findings(args.count)
            for label in ("first run (all new)", "second run (all persisting)"):
                now = next(ticks)
                run_id = ledger.start_run(mode="plan", rules_hash="bench", full=True)
                started = time.perf_counter()
                diff = ledger.record_findings(run_id, findings, evaluated=None, rules=RULES)
                seconds = time.perf_counter() - started
                ledger.finish_run(run_id, status="ok", summary={}, api_calls=0, api_remaining=None)
                print(
                    f"{label}: {args.count:,} findings in {seconds:.2f} s "
                    f"(new {diff.total('new'):,}, persisting {diff.total('persisting'):,}, "
                    f"resolved {len(diff.resolved):,})"
                )
            started = time.perf_counter()
            open_now = ledger.findings()
            print(f"reading {len(open_now):,} open findings back: "
                  f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
