"""A database of its own, the app under test, and people to sign in as (admin, agent, requester).

Console tests drive ``/admin`` over HTTP: through ``httpx.ASGITransport`` for the form-level
checks, through a real uvicorn and headless Chromium in ``test_console_browser.py``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from starlette.applications import Starlette

from domain import migrate
from domain.db import make_engine
from domain.people.models import AgentRole
from server.settings import Settings, load_settings
from tests.admin.console import Console
from tests.auth.conftest import FakeClock, FakeWeb, build_app
from tests.auth.constants import BASE_URL
from tests.utils.auth_factories import Person, create_agent, create_requester


@pytest.fixture(scope="session")
def admin_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The console tests commit (the app reads through its own connections), so they get their
    own database and leave the shared one empty for the domain tests."""
    base = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('admin') / 'admin.db'}"
    url = make_url(base)
    name = f"{url.database}_admin"
    server = make_engine(base, pool_size=1)
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def engine(admin_database_url: str) -> Iterator[Engine]:
    engine = make_engine(admin_database_url)
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
def settings(admin_database_url: str) -> Settings:
    return load_settings(
        database_url=admin_database_url, base_url=BASE_URL, quota_per_minute=0, quota_per_month=0
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FakeClock, web: FakeWeb) -> Starlette:
    return build_app(settings, engine, clock, web)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def console(http: httpx.AsyncClient) -> Console:
    return Console(http)


@pytest.fixture
def admin(engine: Engine) -> Person:
    return create_agent(engine, role=AgentRole.admin)


@pytest.fixture
def agent(engine: Engine) -> Person:
    return create_agent(engine)


@pytest.fixture
def requester(engine: Engine) -> Person:
    return create_requester(engine)
