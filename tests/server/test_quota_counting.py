"""Counting off the request path (issue 14): where the counts live, and how they reach the database.

In memory and Redis modes the gate keeps the month's counts (account, users, tools) pending and
writes them in batches; these tests drive that with explicit flushes and server stops (no
sleeps), restart on the same database, flush Redis under a running server, and check that a
memory-mode admission touches no database at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.caller import Caller
from domain.db import session_scope
from domain.usage.models import Granularity, UsageScope
from domain.usage.service import counter
from server.context import Credential, McpRequest
from server.mcp_endpoint import Refused
from server.mcp_messages import ToolCall
from server.quotas import QuotaGate, build_quota_gate
from server.settings import load_settings
from tests.utils.databases import own_engine
from tests.utils.quotas import (
    READ_TOOL,
    Account,
    SettableClock,
    fresh_moment,
    make_account,
    post,
    quota_server,
    read_call,
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with own_engine(tmp_path_factory.mktemp("counting"), "counting") as engine:
        yield engine


@pytest.fixture(scope="module")
def account(engine: Engine) -> Account:
    return make_account(engine)


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_url")
    return str(request.param)


def _rows(engine: Engine, clock: SettableClock, account: Account) -> tuple[int, int, int]:
    """The month's rows in the database: the account's, the user's, the read tool's."""
    period = f"{clock.now:%Y-%m}"
    with session_scope(engine) as session:
        return (
            counter(session=session, key=(Granularity.month, period, UsageScope.account, "")),
            counter(session=session, key=(Granularity.month, period, UsageScope.user, str(account.agent_id))),
            counter(session=session, key=(Granularity.month, period, UsageScope.tool, READ_TOOL)),
        )


def _use(url: str, account: Account, calls: int) -> None:
    for i in range(calls):
        assert post(url, account.key, read_call(i)).status_code == 200


def test_counts_reach_the_database_on_a_flush_and_when_the_server_stops(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=0, per_month=100) as server:
        _use(server.url, account, 3)
        server.gate.flush()
        assert _rows(engine, clock, account) == (3, 3, 3)
        _use(server.url, account, 2)
    assert _rows(engine, clock, account) == (5, 5, 5), "the lifespan flushes what is pending on stop"


def test_the_month_survives_a_restart_and_a_redis_flush_of_a_running_server(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=0, per_month=5) as server:
        _use(server.url, account, 2)
    with quota_server(engine, storage, clock, per_minute=0, per_month=5) as server:
        _use(server.url, account, 1)
        if storage == "redis":
            # Whatever the background task flushed or not: the seed adds what is still pending.
            redis.Redis.from_url(server.settings.redis_url or "").flushdb()
        _use(server.url, account, 2)
        refused = post(server.url, account.key, read_call(9))
        assert refused.status_code == 429
        assert refused.json()["error"]["data"]["quota"] == "per_month"
    assert _rows(engine, clock, account)[0] == 5


def _request(engine: Engine, account: Account) -> McpRequest:
    caller = Caller(agent_id=account.agent_id, email=account.email, is_admin=True)
    return McpRequest(engine=engine, caller=caller, credential=Credential(kind="api_key", reference="t"))


def _gate(engine: Engine, clock: SettableClock, storage: str, **quotas: int) -> QuotaGate:
    """The gate ``create_app`` would build, on its own (what the request path calls)."""
    database_url = engine.url.render_as_string(hide_password=False)
    settings = load_settings(database_url=database_url, quota_storage=storage, **quotas)
    return build_quota_gate(settings, engine=engine, clock=clock)


def test_a_memory_admission_touches_no_database(engine: Engine, account: Account) -> None:
    clock = SettableClock(fresh_moment())
    limits = {"quota_per_minute": 3, "quota_per_month": 100, "quota_per_user_per_month": 50}
    gate = _gate(engine, clock, "memory", **limits)
    gate.overrides.background = True  # as while ``run_forever`` runs
    gate.tick()  # what the background task does first: the month and the overrides
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        headers = [gate.admit(_request(engine, account), [ToolCall(id=i, name=READ_TOOL)]) for i in range(3)]
        with pytest.raises(Refused) as refused:
            gate.admit(_request(engine, account), [ToolCall(id=4, name=READ_TOOL)])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == []
    assert refused.value.status == 429
    assert [h["RateLimit"].split(",")[0] for h in headers] == [f'"minute";r={n};t=40' for n in (2, 1, 0)]
    assert gate.flush() == 3  # the account's, the user's and the tool's month rows


def test_the_database_mode_uses_and_commits_the_callers_session(engine: Engine, account: Account) -> None:
    clock = SettableClock(fresh_moment())
    gate = _gate(engine, clock, "database", quota_per_minute=0, quota_per_month=2)
    with Session(engine) as session:
        for i in range(2):
            gate.admit(_request(engine, account), [ToolCall(id=i, name=READ_TOOL)], session=session)
            assert not session.in_transaction(), "committed before returning"
        with pytest.raises(Refused):
            gate.admit(_request(engine, account), [ToolCall(id=3, name=READ_TOOL)], session=session)
        assert not session.in_transaction(), "a refusal leaves the session clean too"
    assert _rows(engine, clock, account) == (2, 2, 2)
