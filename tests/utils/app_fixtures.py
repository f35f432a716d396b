"""Fixtures shared by test packages whose app commits through its own connections (auth, admin).

A package's conftest imports these and defines ``app_database_url`` (its own database, from
``tests.utils.databases.own_database_url``); ``engine`` and ``settings`` then point at it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from domain import migrate
from domain.db import make_engine
from server.settings import Settings, load_settings
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb


@pytest.fixture(scope="session")
def engine(app_database_url: str) -> Iterator[Engine]:
    """Overrides the shared engine for the package (a separate fixture, so a separate cache)."""
    engine = make_engine(app_database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
def settings(app_database_url: str) -> Settings:
    return load_settings(
        database_url=app_database_url, base_url=BASE_URL, quota_per_minute=0, quota_per_month=0
    )
