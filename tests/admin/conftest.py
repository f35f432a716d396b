"""A database of its own, the app under test, and people to sign in as (admin, agent, requester).

Console tests drive ``/admin`` over HTTP: through ``httpx.ASGITransport`` for the form-level
checks, through a real uvicorn and headless Chromium in ``test_console_browser.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from domain import migrate
from domain.db import make_engine
from domain.people.models import AgentRole
from server.settings import Settings, load_settings
from tests.admin.console import Console
from tests.auth.conftest import FakeClock, FakeWeb, build_app
from tests.auth.constants import BASE_URL
from tests.utils.auth_factories import Person, create_agent, create_requester
from tests.utils.databases import own_database_url


@pytest.fixture(scope="session")
def admin_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The console tests commit (the app reads through its own connections): a database of their own."""
    return own_database_url(tmp_path_factory.mktemp("admin"), "admin")


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
