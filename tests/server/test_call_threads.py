"""A server process runs requests' work on ``threads`` threads, each with a pooled connection.

Many more concurrent calls than threads queue for a thread instead of opening connections: the
database sees at most ``threads`` connections, plus the few the pool keeps for background work,
and no call is refused. (SQLAlchemy's default SQLite pool kept 5 connections and closed and
reopened the rest for ~1 call in 6 under 16 concurrent calls.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from domain import migrate
from domain.db import POOL_OVERFLOW, POOL_SIZE, make_engine
from server.app import create_app
from server.settings import DATABASE_SERVER_THREADS, SQLITE_THREADS, load_settings
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server
from tests.utils.quotas import burst, call, make_account

THREADS = 3
CALLS = 48


@pytest.fixture
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("threads"), "call_threads"))
    migrate.upgrade(engine)
    yield engine.url.render_as_string(hide_password=False)
    engine.dispose()


def test_concurrent_calls_share_the_threads_and_their_connections(database_url: str) -> None:
    setup = make_engine(database_url, pool_size=1)
    account = make_account(setup)
    setup.dispose()
    port = free_port()
    settings = load_settings(
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        threads=THREADS,
        quota_per_minute=0,
        quota_per_month=0,
    )
    opened: list[int] = []
    busiest: list[int] = [0]
    earlier = {thread.ident for thread in threading.enumerate()}  # other tests' apps' threads

    def connected(_connection: Any, _record: Any) -> None:
        opened.append(1)
        ours = [t for t in threading.enumerate() if t.name.startswith("mcp-call") and t.ident not in earlier]
        busiest[0] = max(busiest[0], len(ours))

    app = create_app(settings)  # its own engine, pooled as the settings say
    event.listen(Engine, "connect", connected)
    try:
        with live_server(app, port) as base:
            bodies = [call(number, "fetchTickets", per_page=5) for number in range(CALLS)]
            answers = asyncio.run(burst([base], account.key, bodies))
    finally:
        event.remove(Engine, "connect", connected)

    assert [answer.status_code for answer in answers] == [200] * CALLS
    assert all(not answer.json()["result"].get("isError") for answer in answers)
    assert 1 <= len(opened) <= THREADS + min(POOL_OVERFLOW, THREADS), len(opened)
    assert busiest[0] <= THREADS


def test_threads_out_of_range_are_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.settings import SettingsError

    for value in ("0", "257", "many"):
        monkeypatch.setenv("HELPDESK_THREADS", value)
        with pytest.raises(SettingsError) as excinfo:
            load_settings()
        message = str(excinfo.value)
        assert message.startswith("HELPDESK_THREADS: ") and "\n" not in message


def test_the_default_threads_depend_on_the_database() -> None:
    # The pool's default size is the server database's thread count; SQLite gets fewer threads.
    assert DATABASE_SERVER_THREADS == POOL_SIZE
    sqlite = load_settings(database_url="sqlite:///desk.db")
    postgresql = load_settings(database_url="postgresql+psycopg://desk@db/desk")
    assert (sqlite.call_threads, postgresql.call_threads) == (SQLITE_THREADS, DATABASE_SERVER_THREADS)
    assert load_settings(database_url="sqlite:///desk.db", threads=5).call_threads == 5
