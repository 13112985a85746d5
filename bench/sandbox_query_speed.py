"""How fast does query_all of 100,000 Opportunities run over HTTP against the sandbox?

Builds a throwaway org with 100,000 opportunities (written straight into SQLite), starts the
sandbox as a subprocess, and pages through ``SELECT ... FROM Opportunity`` with unmodified
simple-salesforce (``query_all_iter``) over loopback HTTP. Prints records per second; the
target is above 20,000.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from simple_salesforce import Salesforce

from sandbox.bootstrap import ensure_org
from sandbox.db import allocate_ids, connect, format_datetime, insert_rows
from sandbox.loopback import loopback_session
from sandbox.schema import STAGES, STANDARD
from sandbox.server import start_sandbox

COUNT = 100_000
SOQL = ("SELECT Id, Name, StageName, Amount, Probability, CloseDate, IsClosed, AccountId, "
        "OwnerId, LastModifiedDate FROM Opportunity")


def build(db_path: Path) -> None:
    conn = connect(db_path)
    admin = ensure_org(conn)
    account = STANDARD.object("Account")
    opportunity = STANDARD.object("Opportunity")
    assert account is not None and opportunity is not None
    now = format_datetime(datetime.now(UTC))
    system = {"IsDeleted": 0, "CreatedDate": now, "CreatedById": admin,
              "LastModifiedDate": now, "LastModifiedById": admin, "SystemModstamp": now,
              "OwnerId": admin}
    account_ids = allocate_ids(conn, "001", 1000)
    insert_rows(conn, account, ({"Id": i, "Name": f"Account {n}", **system}
                                for n, i in enumerate(account_ids)))
    chooser = random.Random(7)
    today = date.today()

    deal_ids = allocate_ids(conn, "006", COUNT)

    def deals():
        for n, deal_id in enumerate(deal_ids):
            stage, _, closed, won, probability, category = chooser.choice(STAGES)
            yield {"Id": deal_id, "Name": f"Deal {n}", "StageName": stage,
                   "Amount": round(chooser.uniform(1_000, 250_000), 2),
                   "Probability": probability, "ForecastCategoryName": category,
                   "CloseDate": (today + timedelta(days=chooser.randint(-90, 180))).isoformat(),
                   "IsClosed": int(closed), "IsWon": int(won),
                   "AccountId": account_ids[n % len(account_ids)], **system}

    conn.execute("BEGIN")
    insert_rows(conn, opportunity, deals())
    conn.execute("COMMIT")
    conn.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        started = time.perf_counter()
        build(db_path)
        print(f"built {COUNT:,} opportunities in {time.perf_counter() - started:.1f}s")
        with start_sandbox(db_path) as sandbox:
            sf = Salesforce(username="admin@weeder.sandbox", password="weeder",
                            security_token="", domain="login",
                            session=loopback_session(sandbox.url))
            best = 0.0
            for attempt in range(3):
                started = time.perf_counter()
                seen = sum(1 for _ in sf.query_all_iter(SOQL))
                elapsed = time.perf_counter() - started
                if seen != COUNT:
                    print(f"expected {COUNT} records, got {seen}", file=sys.stderr)
                    return 1
                rate = seen / elapsed
                best = max(best, rate)
                print(f"run {attempt + 1}: {seen:,} records in {elapsed:.2f}s = "
                      f"{rate:,.0f} records/s")
            print(f"query_all over HTTP: {best:,.0f} records/s (best of 3; target > 20,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
