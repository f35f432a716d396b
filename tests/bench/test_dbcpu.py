"""bench.dbcpu: PostgreSQL's backends found, their CPU time read, and pinned off the server's CPU."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.dbcpu import BackendCpu


def test_the_backends_of_the_database_are_pinned_to_the_cpus_given(engine: Engine, database_url: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no backends")
    backends = BackendCpu(database_url)
    if backends.engine is None:
        pytest.skip("PostgreSQL is not on this machine")
    cpu = min(os.sched_getaffinity(0))
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert pid in (backends.snapshot() or {})
            allowed = os.sched_getaffinity(pid)
            pinned = backends.pin(str(cpu))
            if pinned == 0:
                pytest.skip("not permitted to move PostgreSQL's processes here")
            try:
                assert os.sched_getaffinity(pid) == {cpu}
                assert backends.pin(None) == 0  # None leaves them
                assert os.sched_getaffinity(pid) == {cpu}
            finally:
                for other in backends.snapshot() or {}:  # the suite's pooled connections, as they were
                    os.sched_setaffinity(other, allowed)
    finally:
        backends.close()
