"""How fast `weeder sandbox seed` writes an org: seconds and records per second per size.

    python bench/seed_speed.py                     # sizes 2,000 and 100,000
    python bench/seed_speed.py 2000 100000 1000000  # add the million (about a minute)

Prints figures; never passes or fails.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sandbox.seed import seed_org


def main(sizes: list[int]) -> None:
    print(f"{'size':>10} {'records':>10} {'seconds':>8} {'records/s':>10} {'defects':>8}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            summary = seed_org(Path(folder) / "org.db", size=size, seed=7,
                               today=date(2026, 11, 22))
            seconds = time.perf_counter() - started
        records = int(re.search(r"([\d,]+) records", summary).group(1).replace(",", ""))  # type: ignore[union-attr]
        defects = int(re.search(r"Planted (\d+) defects", summary).group(1))  # type: ignore[union-attr]
        print(f"{size:>10,} {records:>10,} {seconds:>8.1f} {records / seconds:>10,.0f} "
              f"{defects:>8,}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [2000, 100_000])
