"""Showing a seed's progress: live bars on a terminal, plain lines in a log (a container's first start)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress as Bars
from rich.progress import TaskID

from seed.load import INDEXES, Progress

# In a log: lines for tables of at least LOG_FROM rows, one every LOG_EVERY seconds and one when done.
LOG_FROM = 1000
LOG_EVERY = 5.0


@contextmanager
def console_progress(console: Console) -> Iterator[Progress]:
    """A ``progress`` callback for ``seed_database`` that writes to ``console``."""
    if console.is_terminal:
        with Bars(console=console, transient=True) as bars:
            yield _bars(bars)
    else:
        yield _lines(console)


def _bars(bars: Bars) -> Progress:
    tasks: dict[str, TaskID] = {}

    def report(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = bars.add_task(table, total=total)
        bars.update(tasks[table], completed=done, total=total)

    return report


def _lines(console: Console) -> Progress:
    last_line = time.monotonic()

    def report(table: str, done: int, total: int) -> None:
        nonlocal last_line
        now = time.monotonic()
        if table == INDEXES:  # few, but each may take seconds at a large scale
            if done >= total or now - last_line >= LOG_EVERY:
                last_line = now
                console.print(f"seeding: {done} of {total} indexes built", highlight=False)
        elif total >= LOG_FROM and (done >= total or now - last_line >= LOG_EVERY):
            last_line = now
            share = f" ({100 * done // total}%)" if total else ""
            console.print(f"seeding {table}: {done:,} of {total:,} rows{share}", highlight=False)

    return report
