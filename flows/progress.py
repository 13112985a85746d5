"""Progress of long pulls: a bar for a person at a terminal, plain lines for CI logs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog

log = structlog.get_logger(__name__)

PLAIN_EVERY = 10_000


@contextmanager
def pull_progress() -> Iterator[Callable[[str, int], None]]:
    if not sys.stderr.isatty():
        last: dict[str, int] = {}

        def plain(obj: str, count: int) -> None:
            if count - last.get(obj, 0) >= PLAIN_EVERY:
                last[obj] = count
                log.info("pulling", object=obj, records=count)

        yield plain
        return

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  TextColumn("{task.completed:,} records"), TimeElapsedColumn(),
                  transient=True) as bar:
        tasks: dict[str, object] = {}

        def update(obj: str, count: int) -> None:
            if obj not in tasks:
                tasks[obj] = bar.add_task(f"pulling {obj}", total=None)
            bar.update(tasks[obj], completed=count)  # type: ignore[arg-type]

        yield update
