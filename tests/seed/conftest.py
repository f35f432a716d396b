"""Fresh, private databases for the seed tests.

Seeding fills every table, so these tests never write into the shared test database that other
tests use: each database here is a temporary SQLite file or, when HELPDESK_TEST_DATABASE_URL
points at PostgreSQL, a schema of its own in that database (dropped afterwards).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

from domain import migrate
from domain.db import make_engine


class MakeDatabase(Protocol):
    def __call__(self, name: str, *, migrated: bool = True) -> Engine: ...


def _isolated_databases(directory: Path) -> Iterator[MakeDatabase]:
    url = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    engines: list[Engine] = []
    schemas: list[str] = []

    def make(name: str, *, migrated: bool = True) -> Engine:
        if url and not url.startswith("sqlite"):
            schema = "seed_test_" + re.sub(r"[^a-z0-9_]", "_", name.lower())
            admin = make_engine(url, pool_size=1)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            schemas.append(schema)
            in_schema = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
            engine = make_engine(in_schema.render_as_string(hide_password=False))
        else:
            engine = make_engine(f"sqlite:///{directory / name}.db")
        if migrated:
            migrate.upgrade(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
    if url and schemas:
        admin = make_engine(url, pool_size=1)
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def make_database(tmp_path: Path) -> Iterator[MakeDatabase]:
    """``make_database("name")``: a new, empty database for this test, migrated unless told not to."""
    yield from _isolated_databases(tmp_path)


@pytest.fixture(scope="module")
def make_module_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeDatabase]:
    """Like ``make_database``, for databases shared by the tests of one module."""
    yield from _isolated_databases(tmp_path_factory.mktemp("seed"))
