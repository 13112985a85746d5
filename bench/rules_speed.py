"""How fast the default hygiene pack evaluates, against a loop that only reads the same fields.

Generates ~100,000 synthetic Account/Contact/Lead/Opportunity records in memory (mostly clean,
about 3% with a planted defect, as a real org looks), evaluates rules/hygiene.yaml in one thread
and prints records per CPU-second, the time of a bare loop reading every field the rules read, and
the ratio between the two. Target: at least 100,000 records/s.

    .venv/bin/python bench/rules_speed.py [--records 100000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.model import Context  # noqa: E402
from engine.pack import Pack, evaluate, load_pack  # noqa: E402
from engine.pack.cases import STANDARD_STAGES  # noqa: E402

TODAY = date(2026, 11, 22)
FIRST = ["Maria", "John", "Wei", "Aisha", "Lars", "Chloé", "Sean", "Priya", "Tom", "Ana", "Kenji",
         "Fatima", "Oliver", "Ingrid", "Mateo", "Sofia"]
LAST = ["Chen", "Smith", "O'Brien", "McDonald", "Müller", "Dubois", "Patel", "Kim", "Garcia",
        "Novak", "Rossi", "Larsen", "Nakamura", "Okafor", "Silva", "Brown"]
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell",
          "Cyberdyne", "Soylent", "Vandelay"]
#: country, state, dialling prefix and how many digits follow it
PLACES = [("United States", "CA", "+1415", 7), ("United States", "NY", "+1212", 7),
          ("Canada", "ON", "+1416", 7), ("United Kingdom", None, "+4420", 8),
          ("Germany", None, "+4930", 7), ("France", None, "+331", 8)]
DIRTY_COUNTRIES = ["Untied States", "USA", "U.K.", "Germny", "Frnace", "Atlantis"]
OPEN_STAGES = [(s.name, s.default_probability) for s in STANDARD_STAGES if not s.is_closed]


def _phone(rng: random.Random, prefix: str, digits: int) -> str:
    return prefix + "".join(rng.choice("0123456789") for _ in range(digits))


def _person(rng: random.Random, n: int,
            dirty: bool) -> tuple[dict[str, Any], str, str | None, str]:
    country, state, prefix, digits = rng.choice(PLACES)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    brand = rng.choice(BRANDS)
    record: dict[str, Any] = {
        "Id": f"{n:015d}AAA", "FirstName": first, "LastName": last,
        "Email": f"{first.lower()}.{last.lower().replace(chr(39), '')}{n}@{brand.lower()}-corp.com",
        "Phone": _phone(rng, prefix, digits), "OwnerId": "005000000000001AAA",
        "SystemModstamp": "2026-11-01T10:00:00.000+0000",
        "CreatedDate": "2024-03-01T10:00:00.000+0000",
        "LastActivityDate": (TODAY - timedelta(days=rng.randint(1, 300))).isoformat(),
    }
    if dirty:
        spoil = rng.randrange(5)
        if spoil == 0:
            record["Email"] = record["Email"].replace("@", "@@")
        elif spoil == 1:
            record["Phone"] = "(415) 555-0123"
        elif spoil == 2:
            record["FirstName"] = first.upper()
        elif spoil == 3:
            country = rng.choice(DIRTY_COUNTRIES)
        else:
            record["Phone"] = "call me"
    return record, country, state, brand


def _contact(rng: random.Random, n: int, dirty: bool) -> dict[str, Any]:
    record, country, state, _ = _person(rng, n, dirty)
    record.update(MailingCountry=country, MailingState=state)
    return record


def _lead(rng: random.Random, n: int, dirty: bool) -> dict[str, Any]:
    record, country, state, brand = _person(rng, n, dirty)
    record.update(Country=country, State=state, Company=f"{brand} Corp")
    return record


def _account(rng: random.Random, n: int, dirty: bool) -> dict[str, Any]:
    country, state, prefix, digits = rng.choice(PLACES)
    brand = rng.choice(BRANDS)
    record: dict[str, Any] = {
        "Id": f"{n:015d}AAA", "Name": f"{brand} {rng.choice(['Corp', 'Inc.', 'GmbH', 'Ltd'])}",
        "BillingCountry": country, "BillingState": state, "ShippingCountry": country,
        "Phone": _phone(rng, prefix, digits), "Website": f"https://www.{brand.lower()}-corp.com",
        "OwnerId": "005000000000001AAA", "SystemModstamp": "2026-11-01T10:00:00.000+0000",
    }
    if dirty:
        spoil = rng.randrange(4)
        if spoil == 0:
            record["Name"] = record["Name"].replace(" ", "  ") + " "
        elif spoil == 1:
            record["BillingState"] = "Calif." if state == "CA" else state
        elif spoil == 2:
            record["Website"] = "htp//acme"
        else:
            record["BillingCountry"] = None
    return record


def _opportunity(rng: random.Random, n: int, dirty: bool) -> dict[str, Any]:
    closed = rng.random() < 0.3
    if closed:
        stage, probability, is_closed = "Closed Won", 100.0, True
    else:
        stage, default = rng.choice(OPEN_STAGES)
        probability, is_closed = default or 0.0, False
    record: dict[str, Any] = {
        "Id": f"{n:015d}AAA", "Name": f"Deal {n}", "StageName": stage, "IsClosed": is_closed,
        "Amount": float(rng.randrange(5, 500) * 1000), "Probability": probability,
        "CloseDate": (TODAY + timedelta(days=rng.randint(0, 120))).isoformat(),
        "LastActivityDate": (TODAY - timedelta(days=rng.randint(0, 30))).isoformat(),
        "CreatedDate": "2026-06-01T10:00:00.000+0000", "OwnerId": "005000000000001AAA",
        "SystemModstamp": "2026-11-01T10:00:00.000+0000",
    }
    if dirty:
        spoil = rng.randrange(3)
        if spoil == 0:
            record["Probability"] = 42.0
        elif spoil == 1 and not is_closed:
            record["CloseDate"] = (TODAY - timedelta(days=9)).isoformat()
        else:
            record["LastActivityDate"] = (TODAY - timedelta(days=90)).isoformat()
    return record


MAKERS: dict[str, tuple[float, Callable[[random.Random, int, bool], dict[str, Any]]]] = {
    "Account": (0.25, _account), "Contact": (0.35, _contact), "Lead": (0.25, _lead),
    "Opportunity": (0.15, _opportunity),
}


def synthetic(total: int, seed: int = 7, dirty_share: float = 0.03) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    out: dict[str, list[dict]] = {}
    n = 0
    for obj, (share, make) in MAKERS.items():
        rows = []
        for _ in range(round(total * share)):
            n += 1
            rows.append(make(rng, n, rng.random() < dirty_share))
        out[obj] = rows
    return out


def bare_loop(pack: Pack, records: dict[str, list[dict]]) -> float:
    """Read every field the rules read, and nothing else: the floor for any evaluator."""
    plan = pack.plan()
    started = time.process_time()
    sink = 0
    for obj, rows in records.items():
        fields = plan.objects[obj].fields
        for record in rows:
            for name in fields:
                if record.get(name) is not None:
                    sink += 1
    elapsed = time.process_time() - started
    assert sink > 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print the hottest functions")
    args = parser.parse_args()

    pack = load_pack(ROOT / "rules").from_file("hygiene.yaml")
    ctx = Context(today=TODAY, stages=STANDARD_STAGES)
    records = synthetic(args.records)
    total = sum(len(rows) for rows in records.values())
    evaluate(pack, {obj: rows[:2000] for obj, rows in records.items()}, ctx)  # warm caches

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(evaluate, pack, records, ctx)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)

    # CPU time of this process: the evaluation is single-threaded, and CPU time is what it
    # costs whatever else the machine is doing (wall time is shown too).
    best = best_wall = float("inf")
    result = None
    for _ in range(args.repeat):
        started, started_wall = time.process_time(), time.perf_counter()
        result = evaluate(pack, records, ctx)
        best = min(best, time.process_time() - started)
        best_wall = min(best_wall, time.perf_counter() - started_wall)
    bare = min(bare_loop(pack, records) for _ in range(args.repeat))
    assert result is not None
    per_object = ", ".join(f"{obj} {len(rows):,}" for obj, rows in records.items())
    print(f"records:           {total:,} ({per_object})")
    print(f"rules:             {len(pack.rules)} (rules/hygiene.yaml)")
    print(f"findings / fixes:  {len(result.findings):,} / {len(result.fixes):,}"
          f" (failures: {len(result.failures)})")
    print(f"evaluate:          {best:.3f} s CPU = {total / best:,.0f} records/s "
          f"(wall {best_wall:.3f} s = {total / best_wall:,.0f} records/s)")
    print(f"bare field loop:   {bare:.3f} s CPU = {total / bare:,.0f} records/s")
    print(f"overhead ratio:    {best / bare:.1f}x the bare loop")
    print(f"target 100,000/s:  {'met' if total / best >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
