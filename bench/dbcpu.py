"""CPU time of the PostgreSQL backends serving a database, when PostgreSQL runs on this machine.

The server's CPU per call leaves out the database's own work: inside the process on SQLite,
in PostgreSQL's backend processes otherwise. Reading those backends' CPU time from /proc shows
what a call costs the database too, so that PostgreSQL and SQLite are compared honestly.
Backends that end during a measurement take their time with them (pools keep theirs open).
``bench.run`` pins the backends to the load generator's CPU (``BackendCpu.pin``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bench.processes import cpu_seconds
from domain.db import make_engine

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", None})
BACKENDS = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


class BackendCpu:
    """Snapshots of the CPU time of every backend connected to one local PostgreSQL database."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.engine: Engine | None = None
        if url.get_backend_name() == "postgresql" and url.host in LOCAL_HOSTS:
            self.engine = make_engine(database_url, pool_size=1)

    def snapshot(self) -> dict[int, float] | None:
        """Backend pid → CPU seconds so far; None where it cannot be measured (SQLite, remote)."""
        if self.engine is None:
            return None
        with self.engine.connect() as connection:
            pids = [row[0] for row in connection.execute(BACKENDS)]
        return {pid: cpu_seconds(pid) for pid in pids}

    def pin(self, cpus: str | None) -> int:
        """Pin every backend connected now to ``cpus`` ("1", "0,1"; None: leave them), as a
        database on a host of its own would run: off the server's CPU, so that its work neither
        takes the server's CPU time nor refills its caches. Returns the backends pinned (0 where
        they cannot be: SQLite, remote, or not permitted)."""
        if cpus is None:
            return 0
        found = self.snapshot()
        if not found:
            return 0
        mask = {int(cpu) for cpu in cpus.split(",")}
        pinned = 0
        for pid in found:
            try:
                os.sched_setaffinity(pid, mask)
            except OSError:  # ended since, or another user's process without the right to move it
                continue
            pinned += 1
        return pinned

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def used_between(before: Mapping[int, float] | None, after: Mapping[int, float] | None) -> float | None:
    """CPU seconds the backends used from ``before`` to ``after`` (a backend born between: all of it)."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
