"""`weeder sandbox seed`: a deterministic, realistic org with known dirty data.

The same seed and the same ``today`` give the same org, and the manifest (every planted
defect and control, docs/seeded-defects.md) byte for byte. Everything not in the manifest is
clean by that document's conventions. ``size`` is roughly the number of records written across
all objects (history, activities and notes included); it scales past a million, written in
chunks with one transaction each.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from engine.errors import WeederError
from sandbox.db import connect, meta_set
from sandbox.derive import Stage
from sandbox.schema import STAGES
from sandbox.seed_accounts import seed_accounts
from sandbox.seed_core import Clock, Context, Ids, Manifest, Writer, rng_for, system
from sandbox.seed_deals import seed_opportunities
from sandbox.seed_derived import drop_indexes, load_stages, refresh_last_activity_dates
from sandbox.seed_names import PeoplePool
from sandbox.seed_people import seed_contacts, seed_leads
from sandbox.seed_places import PhoneBook
from sandbox.seed_setup import build_staff, team_sizes

#: Records written per account, all objects included (measured on seeded orgs), and the
#: records an org has whatever its size (permissions, stages, profiles).
RECORDS_PER_ACCOUNT = 29.0
FIXED_RECORDS = 320
MIN_SIZE = 200
MAX_SIZE = 5_000_000


@dataclass(frozen=True, slots=True)
class Plan:
    accounts: int
    contacts: int
    leads: int
    opportunities: int
    people: int


def plan(size: int) -> Plan:
    """How many of each business object an org of ``size`` records holds."""
    reps, managers, ops = team_sizes(size)
    users = reps + managers + ops
    accounts = max(30, round((size - FIXED_RECORDS - 3 * users) / RECORDS_PER_ACCOUNT))
    contacts, leads, opportunities = round(2.0 * accounts), round(1.3 * accounts), accounts
    people = reps + managers + ops + 4 + round(1.3 * (contacts + leads)) + 200
    return Plan(accounts, contacts, leads, opportunities, people)


def seed_org(db_path: str | Path, *, size: int = 2000, seed: int = 7,
             manifest_path: str | Path | None = None, today: date | None = None) -> str:
    """Seed a fresh sandbox database; returns a summary (counts, defects, seconds)."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise WeederError(f"--size must be between {MIN_SIZE} and {MAX_SIZE:,}, not {size}")
    started = time.perf_counter()
    today = today or datetime.now(UTC).date()
    conn = connect(db_path)
    try:
        if conn.execute('SELECT 1 FROM "Account" LIMIT 1').fetchone() is not None:
            raise WeederError(f"{db_path} already holds accounts: seed a new database file "
                              "(the seed plants known defects and must own the data)")
        counts, manifest = _seed(conn, size, seed, today)
        document = manifest.as_json(seed, size, today)
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
        meta_set(conn, "seed.manifest", text)
        if manifest_path is not None:
            Path(manifest_path).write_text(text, encoding="utf-8")
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    return _summary(db_path, size, seed, today, counts, document, seconds, manifest_path)


def _seed(conn: sqlite3.Connection, size: int, seed: int,
          today: date) -> tuple[dict[str, int], Manifest]:
    counts = plan(size)
    writer, ids, clock, manifest = Writer(conn), Ids(conn), Clock(today), Manifest()
    people = PeoplePool(counts.people, rng_for(seed, "people"))
    reps, managers, ops = team_sizes(size)
    staff_names = [people.draw() for _ in range(reps + managers + ops + 2)]
    staff = build_staff(writer, ids, clock, rng_for(seed, "staff"), staff_names, manifest, size)
    writer.flush()
    stages = _stages(conn, writer, ids, clock, staff.admin.id)
    ctx = Context(writer, ids, clock, manifest, seed, size, staff, PhoneBook(seed), people,
                  stages)
    dropped = drop_indexes(conn)
    accounts = seed_accounts(ctx, counts.accounts)
    clean_contacts = seed_contacts(ctx, accounts, counts.contacts)
    seed_leads(ctx, clean_contacts, counts.leads)
    seed_opportunities(ctx, accounts, counts.opportunities)
    writer.flush()
    conn.execute("BEGIN")
    try:
        refresh_last_activity_dates(conn, today)
        for statement in dropped:
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return dict(sorted(writer.counts.items())), manifest


def _stages(conn: sqlite3.Connection, writer: Writer, ids: Ids, clock: Clock,
            admin_id: str) -> dict[str, Stage]:
    """The org's stages by lower-case name, adding any standard stage that is missing."""
    present = load_stages(conn)
    stamp = system(clock.start_of_today.replace(year=clock.today.year - 3), admin_id)
    for name, order, closed, won, probability, category in STAGES:
        if name.lower() not in present:
            writer.add("OpportunityStage", {
                "Id": ids.take("01J"), "MasterLabel": name, "ApiName": name, "SortOrder": order,
                "IsActive": 1, "IsClosed": int(closed), "IsWon": int(won),
                "DefaultProbability": probability, "ForecastCategoryName": category, **stamp})
    writer.flush()
    return load_stages(conn)


def _summary(db_path: str | Path, size: int, seed: int, today: date, counts: dict[str, int],
             manifest: dict[str, object], seconds: float,
             manifest_path: str | Path | None) -> str:
    defects = manifest["defects"]
    controls = manifest["controls"]
    assert isinstance(defects, list) and isinstance(controls, list)
    kinds: dict[str, int] = {}
    for entry in defects:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    total = sum(counts.values())
    lines = [f"Seeded {db_path}: {total:,} records in {seconds:.1f} s "
             f"(size {size:,}, seed {seed}, today {today.isoformat()})"]
    lines += [f"  {name:<26} {count:>9,}" for name, count in counts.items()]
    lines.append(f"Planted {len(defects)} defects of {len(kinds)} kinds and "
                 f"{len(controls)} controls:")
    lines += [f"  {kind:<26} {count:>9,}" for kind, count in sorted(kinds.items())]
    if manifest_path is not None:
        lines.append(f"Manifest: {manifest_path}")
    return "\n".join(lines)
