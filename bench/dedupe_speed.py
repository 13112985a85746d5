"""How fast is the duplicate matcher on a big org: 100,000 and 1,000,000 synthetic contacts.

Contacts come from bench/dedupe_synthetic.py (deterministic, seed 7), 10% of them planted
duplicates with typos, nicknames, reformatted phones, changed or missing emails. Each size runs
in a fresh process so peak memory is its own, and is measured twice:

- ``match()``: the engine call on records already in memory (what the hourly audit does);
- ``weeder dedupe``: the command on the same contacts written to CSV, process start, CSV
  reading and writing included.

Printed per size: seconds, peak resident memory (ru_maxrss), and precision / recall of the
pairs (and of the groups: every pair inside a reported group) against the planted truth.

Run: .venv/bin/python bench/dedupe_speed.py [--sizes 100000 1000000] [--no-cli]
Targets (2 cores): 100,000 in under 30 s, 1,000,000 in under 5 minutes.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

Pairs = set[tuple[str, str]]


def _rss_mb(kind: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(kind).ru_maxrss / 1024  # kilobytes on Linux


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _pr(found: Pairs, truth: Pairs) -> str:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    return f"P {precision:.4f} R {recall:.4f}"


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _group_pairs(groups: list[list[str]]) -> Pairs:
    return {_ordered(a, b) for group in groups for a, b in itertools.combinations(group, 2)}


def one(size: int, cli: bool) -> None:
    """Generate, match, measure; print one block of figures."""
    from dedupe_synthetic import generate

    from engine.duplicates import load_config, match

    started = time.perf_counter()
    synthetic = generate(size)
    generated = time.perf_counter() - started
    truth = synthetic.true_pairs()
    before = _current_rss_mb()
    config = load_config()
    _, matcher = config.matcher_for("Contact")

    started = time.perf_counter()
    result = match(synthetic.records, matcher, phone_region=config.phone_region)
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    pairs = {_ordered(p.id_a, p.id_b) for p in result.pairs}
    groups = _group_pairs([list(c.members) for c in result.clusters])
    print(f"{size:>9,} contacts ({len(truth):,} true duplicate pairs; generated in "
          f"{generated:.0f} s, {before:,.0f} MB with the records in memory)")
    print(f"  match():        {seconds:6.1f} s   peak {peak:,.0f} MB   "
          f"{result.stats.candidate_pairs:,} candidates -> {len(pairs):,} pairs, "
          f"{len(result.clusters):,} groups")
    print(f"                  pairs {_pr(pairs, truth)}   groups {_pr(groups, truth)}")
    if cli:
        _run_cli(synthetic.records, truth)
    sys.stdout.flush()


def _run_cli(records: list[dict[str, str]], truth: Pairs) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        file, out = Path(tmp) / "contacts.csv", Path(tmp) / "pairs.csv"
        with file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", "dedupe", str(file), "--object", "Contact",
             "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"weeder dedupe failed:\n{done.stderr}")
        pairs: Pairs = set()
        groups: dict[str, list[str]] = {}
        with out.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                pairs.add(_ordered(row["id_a"], row["id_b"]))
                groups.setdefault(row["cluster_id"], []).extend((row["id_a"], row["id_b"]))
        group_pairs = _group_pairs([sorted(set(g)) for g in groups.values()])
        peak = _rss_mb(resource.RUSAGE_CHILDREN)
        print(f"  weeder dedupe:  {seconds:6.1f} s   peak {peak:,.0f} MB"
              f"   (whole command: start, CSV in and out)")
        print(f"                  pairs {_pr(pairs, truth)}   groups {_pr(group_pairs, truth)}")
        print(f"                  {done.stderr.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-cli", action="store_true", help="skip the weeder dedupe runs")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, cli=not args.no_cli)
        return
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size)]
        if args.no_cli:
            command.append("--no-cli")
        subprocess.run(command, check=True)
    print("Targets (2 cores): 100,000 in under 30 s, 1,000,000 in under 5 minutes.")


if __name__ == "__main__":
    main()
