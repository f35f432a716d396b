"""A seeded server for tool tests: its own database (the shared one stays empty for domain tests),
a real uvicorn on a free loopback port, and API keys for the demo admin and agent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from auth.apikeys import create_api_key
from domain import migrate
from domain.db import make_engine, session_scope
from seed import seed_database
from seed.demo import ADMIN_EMAIL, AGENT_EMAIL
from server.app import create_app
from server.settings import load_settings
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server

SEED_SCALE = 0.05  # 250 tickets: several pages at per_page=100, quick to load


@dataclass(frozen=True)
class SeededServer:
    url: str
    engine: Engine
    admin_key: str
    agent_key: str
    read_only_key: str


def _fresh_database_url(tmp: Path) -> str:
    return own_database_url(tmp, "seeded")


@pytest.fixture(scope="session")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = _fresh_database_url(tmp_path_factory.mktemp("seeded"))
    engine = make_engine(url)
    migrate.upgrade(engine)
    seed_database(engine, scale=SEED_SCALE)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_server(seeded_engine: Engine) -> Iterator[SeededServer]:
    with session_scope(seeded_engine) as session:
        _, admin_key = create_api_key(session, email=ADMIN_EMAIL, name="tests")
        _, agent_key = create_api_key(session, email=AGENT_EMAIL, name="tests")
        _, read_only_key = create_api_key(session, email=ADMIN_EMAIL, scopes=["mcp:read"], name="read-only")
    port = free_port()
    settings = load_settings(
        database_url=str(seeded_engine.url.render_as_string(hide_password=False)),
        base_url=f"http://127.0.0.1:{port}",
        quota_per_minute=0,  # these tests walk every page; quotas have their own tests
        quota_per_month=0,
    )
    with live_server(create_app(settings, engine=seeded_engine), port) as url:
        yield SeededServer(url, seeded_engine, admin_key, agent_key, read_only_key)
