"""Databases of their own for test modules whose app commits through its own connections."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from domain import migrate
from domain.db import make_engine


def own_database_url(tmp: Path, suffix: str) -> str:
    """An empty database for one group of tests: a SQLite file under ``tmp``, or on PostgreSQL
    (when HELPDESK_TEST_DATABASE_URL is set) ``<test database>_<suffix>``, created afresh.

    The shared test database stays empty for the domain tests, which roll back their work."""
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / f'{suffix}.db'}"
    url = make_url(base)
    name = f"{url.database}_{suffix}"
    _execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    _created.append(name)
    return url.set(database=name).render_as_string(hide_password=False)


_created: list[str] = []


def _execute(base: str, *statements: str) -> None:
    server = make_engine(base, pool_size=1)
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for statement in statements:
            connection.execute(text(statement))
    server.dispose()


def drop_own_databases() -> None:
    """Drop every database ``own_database_url`` created in this session (the test run leaves
    nothing behind on the PostgreSQL server); called when the session ends."""
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if base and _created:
        _execute(base, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in _created))
        _created.clear()


@contextmanager
def own_engine(tmp: Path, suffix: str) -> Iterator[Engine]:
    """An engine on ``own_database_url(tmp, suffix)``, migrated to head; disposed afterwards."""
    engine = make_engine(own_database_url(tmp, suffix))
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
