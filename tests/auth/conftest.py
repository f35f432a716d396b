"""An app with the OAuth routes, a movable clock and a fake network for metadata documents.

The app is ``server.app.create_app`` with ``oauth_routes`` as extra routes, exercised through
``httpx.ASGITransport`` (real HTTP semantics, no sockets). Time comes from ``FakeClock``; client
metadata documents come from ``FakeWeb`` through the fetcher's transport and resolver seams, so
nothing reaches the internet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from auth.oauth.cimd import MetadataDocumentFetcher
from server.app import create_app
from server.settings import Settings
from tests.auth.browser import Browser
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils import app_fixtures
from tests.utils.auth_factories import Person, create_agent
from tests.utils.databases import own_database_url

# The shared fixtures (their database is this package's app_database_url, below).
engine = app_fixtures.engine
clock = app_fixtures.clock
web = app_fixtures.web
settings = app_fixtures.settings


@pytest.fixture(scope="session")
def app_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """These tests commit (the app under test reads through its own connections): a database of their own."""
    return own_database_url(tmp_path_factory.mktemp("auth"), "auth")


def build_app(settings: Settings, engine: Engine, clock: FakeClock, web: FakeWeb) -> Starlette:
    fetcher = MetadataDocumentFetcher(transport=httpx.MockTransport(web.handle), resolve=web.resolve)
    return create_app(settings, engine=engine, clock=clock, metadata_fetcher=fetcher)


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FakeClock, web: FakeWeb) -> Starlette:
    return build_app(settings, engine, clock, web)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        yield Browser(client)


@pytest.fixture
def agent(engine: Engine) -> Person:
    return create_agent(engine)
