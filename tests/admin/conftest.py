"""A database of its own, the app under test, and people to sign in as (admin, agent, requester).

Console tests drive ``/admin`` over HTTP: through ``httpx.ASGITransport`` for the form-level
checks, through a real uvicorn and headless Chromium in ``test_console_browser.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from domain.people.models import AgentRole
from server.settings import Settings
from tests.admin.console import Console
from tests.auth.conftest import build_app
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils import app_fixtures
from tests.utils.auth_factories import Person, create_agent, create_requester
from tests.utils.databases import own_database_url

# The shared fixtures (their database is this package's app_database_url, below).
engine = app_fixtures.engine
clock = app_fixtures.clock
web = app_fixtures.web
settings = app_fixtures.settings


@pytest.fixture(scope="session")
def app_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The console tests commit (the app reads through its own connections): a database of their own."""
    return own_database_url(tmp_path_factory.mktemp("admin"), "admin")


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
