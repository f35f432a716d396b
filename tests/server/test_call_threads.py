"""A server process runs requests' work on ``threads`` threads, each with a pooled connection.

Many more concurrent calls than threads queue for a thread instead of opening connections: the
database sees at most ``threads`` connections, plus the few the pool keeps for background work,
and no call is refused. (SQLAlchemy's default SQLite pool kept 5 connections and closed and
reopened the rest for ~1 call in 6 under 16 concurrent calls.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from domain import migrate
from domain.db import POOL_OVERFLOW, POOL_SIZE, make_engine
from server.app import create_app
from server.call_threads import CallThreads
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


# The hop itself (server.call_threads): what a request awaiting its work sees.
_request_id: ContextVar[str] = ContextVar("request_id", default="none")


def test_work_runs_on_the_threads_in_the_caller_s_context_and_hands_back_results_and_errors() -> None:
    threads = CallThreads(2)

    def seen() -> tuple[str, str]:
        return _request_id.get(), threading.current_thread().name

    def fails() -> None:
        raise LookupError("no such ticket")

    async def main() -> None:
        _request_id.set("r-1")
        value, name = await threads.run(seen)
        assert (value, name.startswith("mcp-call")) == ("r-1", True)
        with pytest.raises(LookupError, match="no such ticket"):
            await threads.run(fails)
        results = await asyncio.gather(*(threads.run(pow, 2, n) for n in range(20)))
        assert results == [2**n for n in range(20)]

    try:
        asyncio.run(main())
    finally:
        threads.shutdown()
    assert threads._threads == []  # stopped and joined


def test_a_cancelled_request_stops_waiting_its_running_work_ends_and_queued_work_never_starts() -> None:
    threads = CallThreads(1)
    release = threading.Event()
    started = threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(5)
        ran.append("slow")

    def queued() -> None:
        ran.append("queued")

    async def main() -> None:
        running = asyncio.ensure_future(threads.run(slow))
        waiting = asyncio.ensure_future(threads.run(queued))  # behind slow: the only thread is busy
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        running.cancel()
        waiting.cancel()
        for task in (running, waiting):
            with pytest.raises(asyncio.CancelledError):
                await task  # at once, though slow still runs
        assert ran == []
        release.set()

    asyncio.run(main())
    threads.shutdown()  # waits for slow to end
    assert ran == ["slow"]


def test_shutdown_waits_for_work_in_flight_and_a_later_run_starts_new_threads() -> None:
    threads = CallThreads(2)
    both = threading.Barrier(3)
    done: list[int] = []

    def work(number: int) -> None:
        both.wait(5)
        time.sleep(0.05)
        done.append(number)

    async def submit() -> None:
        for number in range(2):
            asyncio.get_running_loop().create_task(threads.run(work, number))
        await asyncio.get_running_loop().run_in_executor(None, both.wait, 5)  # both are running

    asyncio.run(submit())  # the loop closes, its requests cancelled, with the work still running
    assert done == []
    threads.shutdown()
    assert sorted(done) == [0, 1]

    async def again() -> int:
        return await threads.run(len, "abc")

    assert asyncio.run(again()) == 3
    threads.shutdown()
