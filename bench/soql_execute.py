"""In-process speed of the sandbox's SOQL executor: records per second for 100,000
Opportunities (flat fields, parent paths, a child subquery), before any HTTP or JSON.

    .venv/bin/python bench/soql_execute.py [--rows 100000]

Prints figures; never fails. The HTTP figure for query_all is the server's bench.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sandbox.db import connect, insert_rows
from sandbox.ids import make_id
from sandbox.schema import STANDARD, SObject
from sandbox.soql import compile_query, execute

QUERIES = {
    "12 flat fields": "SELECT Id, Name, AccountId, StageName, Amount, Probability, CloseDate, "
                      "IsClosed, IsWon, OwnerId, CreatedDate, LastModifiedDate FROM Opportunity",
    "3 parent paths": "SELECT Id, Name, StageName, Amount, CloseDate, IsClosed, Account.Name, "
                      "Owner.Name, Owner.Manager.Email FROM Opportunity",
    "filter + order": "SELECT Id, Name, Amount FROM Opportunity WHERE IsClosed = false "
                      "AND CloseDate = LAST_N_DAYS:365 ORDER BY Amount DESC",
}


def seed(path: Path, rows: int) -> None:
    conn = connect(path)
    rnd = random.Random(7)
    users = [make_id("005", n) for n in range(1, 51)]
    accounts = [make_id("001", n) for n in range(1, rows // 10 + 2)]
    insert_rows(conn, _object("User"), (
        {"Id": u, "Name": f"User {n}", "LastName": f"U{n}", "Email": f"u{n}@bench.test",
         "IsActive": 1, "IsDeleted": 0, "ManagerId": users[0]} for n, u in enumerate(users)))
    insert_rows(conn, _object("Account"), (
        {"Id": a, "Name": f"Account {n}", "OwnerId": rnd.choice(users), "IsDeleted": 0}
        for n, a in enumerate(accounts)))
    stages = ("Prospecting", "Qualification", "Closed Won", "Closed Lost")
    first_close = date(2024, 1, 1)

    def deals() -> Iterator[dict[str, Any]]:
        for n in range(1, rows + 1):
            stage = rnd.choice(stages)
            yield {"Id": make_id("006", n), "Name": f"Deal {n}", "AccountId": rnd.choice(accounts),
                   "StageName": stage, "Amount": float(rnd.randint(1, 10**6)),
                   "Probability": 10.0, "IsClosed": int(stage.startswith("Closed")),
                   "CloseDate": (first_close + timedelta(days=rnd.randint(0, 700))).isoformat(),
                   "IsWon": int(stage == "Closed Won"), "OwnerId": rnd.choice(users),
                   "IsDeleted": 0, "CreatedDate": "2024-01-02T03:04:05.000+0000",
                   "LastModifiedDate": "2024-03-02T03:04:05.000+0000"}

    conn.execute("BEGIN")
    insert_rows(conn, _object("Opportunity"), deals())
    conn.execute("COMMIT")
    conn.close()


def _object(name: str) -> SObject:
    found = STANDARD.object(name)
    assert found is not None
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        seed(path, args.rows)
        conn = connect(path)
        today = date(2025, 6, 1)
        for label, soql in QUERIES.items():
            compiled = compile_query(soql, STANDARD, today=today)
            best = min(_timed(lambda c=compiled: execute(conn, c).total_size) for _ in range(3))
            size = execute(conn, compiled).total_size
            print(f"{label:>16}: {size:>7} records in {best:.3f} s = "
                  f"{size / best:>9,.0f} records/s")
        children = compile_query("SELECT Id, Name, (SELECT Id, Name, StageName, Amount FROM "
                                 "Opportunities) FROM Account", STANDARD, today=today)
        started = time.perf_counter()
        result = execute(conn, children)
        elapsed = time.perf_counter() - started
        nested = sum(r["Opportunities"]["totalSize"] for r in result.records if r["Opportunities"])
        total = result.total_size + nested
        print(f"{'child subquery':>16}: {total:>7} records in {elapsed:.3f} s = "
              f"{total / elapsed:>9,.0f} records/s ({result.total_size} accounts)")
        conn.close()


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
