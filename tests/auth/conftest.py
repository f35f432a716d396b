"""An app with the OAuth routes, a movable clock and a fake network for metadata documents.

The app is ``server.app.create_app`` with ``oauth_routes`` as extra routes, exercised through
``httpx.ASGITransport`` (real HTTP semantics, no sockets). Time comes from ``FakeClock``; client
metadata documents come from ``FakeWeb`` through the fetcher's transport and resolver seams, so
nothing reaches the internet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from auth.oauth.cimd import MetadataDocumentFetcher
from domain import migrate
from domain.db import make_engine
from domain.types import utcnow
from server.app import create_app
from server.settings import Settings, load_settings
from tests.auth.browser import Browser
from tests.auth.constants import BASE_URL
from tests.utils.auth_factories import Person, create_agent
from tests.utils.databases import own_database_url


@dataclass
class FakeClock:
    """Starts at the real time (the ``/mcp`` edge keeps its own real clock), moves only on demand."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeWeb:
    """Answers for metadata-document fetches: host → addresses, URL → response."""

    addresses: dict[str, list[str]] = field(default_factory=dict)
    responses: dict[str, httpx.Response] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def serve(self, url: str, response: httpx.Response, *, address: str = "93.184.216.34") -> None:
        host = httpx.URL(url).host
        self.addresses.setdefault(host, [address])
        self.responses[url] = response

    async def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.addresses:
            raise OSError("no such host")
        return self.addresses[host]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = f"https://{request.headers['host']}{request.url.raw_path.decode()}"
        return self.responses.get(url, httpx.Response(404))


@pytest.fixture(scope="session")
def auth_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """These tests commit (the app under test reads through its own connections): a database of their own."""
    return own_database_url(tmp_path_factory.mktemp("auth"), "auth")


@pytest.fixture(scope="session")
def engine(auth_database_url: str) -> Iterator[Engine]:
    """Overrides the shared engine for these tests (a separate fixture, so a separate cache)."""
    engine = make_engine(auth_database_url)
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
def settings(auth_database_url: str) -> Settings:
    return load_settings(
        database_url=auth_database_url, base_url=BASE_URL, quota_per_minute=0, quota_per_month=0
    )


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
