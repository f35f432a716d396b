"""Quotas stay exact when several server processes share the account's counters.

Two uvicorn servers on two ports (the first with two workers: three processes in all) serve one
database, and Redis when configured; a burst of concurrent calls is spread over both. Runs on a
SQLite file, on PostgreSQL (HELPDESK_TEST_DATABASE_URL) with the quotas counted in the database,
and on PostgreSQL with them in Redis (HELPDESK_TEST_REDIS_URL); each skips with the reason when its
database is not configured.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from domain import migrate
from domain.db import make_engine, session_scope
from domain.tickets.models import Ticket
from domain.usage.models import Granularity, UsageScope
from domain.usage.service import counter
from server.quotas.counters import LEASE_CALLS
from tests.utils.databases import own_database_url
from tests.utils.processes import server_processes
from tests.utils.quota_app import NOW_ENV
from tests.utils.quotas import (
    WRITE_TOOL,
    burst,
    call,
    fresh_moment,
    make_account,
    read_call,
)


@dataclass
class Backend:
    database_url: str
    redis_url: str | None
    engine: Engine


@pytest.fixture(scope="module")
def postgres_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if not os.environ.get("HELPDESK_TEST_DATABASE_URL"):
        pytest.skip("HELPDESK_TEST_DATABASE_URL is not set (PostgreSQL)")
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("procs"), "quota_procs"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres", "postgres+redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield Backend(url, None, engine)
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    redis_url = request.getfixturevalue("redis_url") if request.param == "postgres+redis" else None
    yield Backend(engine.url.render_as_string(hide_password=False), redis_url, engine)


@contextmanager
def _servers(
    backend: Backend, tmp_path: Path, *, moment: datetime | None = None, **limits: int
) -> Iterator[list[str]]:
    """Two servers (two workers, then one) on the backend, started side by side."""
    env = {
        "HELPDESK_DATABASE_URL": backend.database_url,
        "HELPDESK_QUOTA_PER_MINUTE": str(limits["per_minute"]),
        "HELPDESK_QUOTA_PER_MONTH": str(limits["per_month"]),
        NOW_ENV: (moment or fresh_moment()).isoformat(),
    }
    if backend.redis_url:
        env["HELPDESK_REDIS_URL"] = backend.redis_url
    elif backend.database_url.startswith("sqlite"):
        # Two servers on one SQLite file: auto would count in each process's memory.
        env["HELPDESK_QUOTA_STORAGE"] = "database"
    with server_processes("tests.utils.quota_app:create", env, tmp_path, workers=(2, 1)) as urls:
        yield urls


async def test_processes_share_the_minute_window_exactly(backend: Backend, tmp_path: Path) -> None:
    account = make_account(backend.engine)
    with _servers(backend, tmp_path, per_minute=9, per_month=1000) as urls:
        responses = await burst(urls, account.key, [read_call(i) for i in range(40)])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 9 + [429] * 31
    assert {r.json()["error"]["data"]["quota"] for r in responses if r.status_code == 429} == {"per_minute"}


async def test_processes_share_the_month_exactly_and_refused_writes_change_nothing(
    backend: Backend, tmp_path: Path
) -> None:
    account = make_account(backend.engine)
    prefix = f"procs-{uuid.uuid4().hex[:8]}-"
    with _servers(backend, tmp_path, per_minute=0, per_month=11) as urls:
        bodies = [
            call(
                i,
                WRITE_TOOL,
                subject=f"{prefix}{i:02}",
                email="procs@example.test",
                workspace_id=account.workspace_id,
            )
            for i in range(36)
        ]
        responses = await burst(urls, account.key, bodies)
    admitted = [f"{prefix}{i:02}" for i, response in enumerate(responses) if response.status_code == 200]
    assert len(admitted) == 11
    assert sorted(response.status_code for response in responses).count(429) == 25
    with session_scope(backend.engine) as session:
        subjects = session.exec(select(Ticket.subject).where(Ticket.subject.startswith(prefix))).all()  # type: ignore[attr-defined]
    assert sorted(subjects) == sorted(admitted)


async def test_leases_pass_no_limit_and_go_back_when_the_servers_stop(
    backend: Backend, tmp_path: Path
) -> None:
    """With room to spare each process counts a lease of calls at once (``DatabaseCounters``,
    ``RedisCounters``): what the leases did not spend goes back when the servers stop, and no call
    beyond the limit is admitted."""
    account = make_account(backend.engine)
    moment = fresh_moment()
    limit = 400  # a lease is at most 1/64 of the room: 6 calls at first
    key = (Granularity.month, f"{moment:%Y-%m}", UsageScope.account, "")

    def month() -> int:
        with session_scope(backend.engine) as session:
            return counter(session=session, key=key)

    with _servers(backend, tmp_path, moment=moment, per_minute=0, per_month=limit) as urls:
        responses = await burst(urls, account.key, [read_call(i) for i in range(100)])
    assert [response.status_code for response in responses] == [200] * 100
    assert month() == 100, "the servers stopped: the month holds the admitted calls, no lease"
    statuses: list[int] = []
    with _servers(backend, tmp_path, moment=moment, per_minute=0, per_month=limit) as urls:
        for first in range(100, limit + 100, 100):  # bursts of 100 calls, the last all beyond the limit
            responses = await burst(urls, account.key, [read_call(i) for i in range(first, first + 100)])
            statuses += [response.status_code for response in responses]
    assert set(statuses) == {200, 429}
    admitted = 100 + statuses.count(200)
    # A process is refused once the counters have no room, though another may still hold calls it
    # leased; three processes hold at most 63 each.
    assert limit - 3 * (LEASE_CALLS - 1) <= admitted <= limit
    assert month() == admitted
