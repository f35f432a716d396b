"""Counting off the request path (issue 14): where the counts live, and how they reach the database.

In memory and Redis modes the gate keeps the month's counts (account, users, tools) pending and
writes them in batches; these tests drive that with explicit flushes and server stops (no
sleeps), restart on the same database, flush Redis under a running server, and check that a
memory-mode admission touches no database at all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.caller import Caller
from domain.db import session_scope
from domain.usage.models import Granularity, UsageScope
from domain.usage.periods import window_at
from domain.usage.service import counter
from server.context import Credential, McpRequest
from server.mcp_endpoint import Refused
from server.mcp_messages import ToolCall
from server.quotas import QuotaGate, build_quota_gate
from server.quotas.redis_counters import LEASE_CALLS, redis_key
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


class _CountedScript:
    """The quota script of a gate's Redis counters, counting its runs (round trips to Redis)."""

    def __init__(self, counters: Any) -> None:
        self.script = counters.script
        self.runs = 0
        counters.script = self

    def __call__(self, **arguments: Any) -> Any:
        self.runs += 1
        return self.script(**arguments)


def _month_left(headers: dict[str, str]) -> int:
    found = re.search(r'"month";r=(\d+)', headers["RateLimit"])
    assert found is not None, headers
    return int(found.group(1))


def test_a_redis_lease_admits_calls_without_a_round_trip_and_goes_back_on_flush(
    engine: Engine, account: Account, redis_url: str
) -> None:
    clock = SettableClock(fresh_moment())
    gate = _gate(engine, clock, "redis", redis_url=redis_url, quota_per_minute=0, quota_per_month=100_000)
    script = _CountedScript(gate.counters)
    headers = [gate.admit(_request(engine, account), [ToolCall(id=i, name=READ_TOOL)]) for i in range(100)]
    # The month's first run asks for its key to be seeded, the second counts the call and leases
    # 63 more, the third comes 64 calls later.
    assert script.runs == 3
    # Each answer tells what is left as if the leases were not there.
    assert [_month_left(h) for h in headers] == list(range(99_999, 99_899, -1))
    month_key = redis_key(window_at(Granularity.month, clock.now))
    client = redis.Redis.from_url(redis_url)
    assert int(client.get(month_key) or 0) == 2 * LEASE_CALLS, "leased calls are counted in Redis"
    gate.flush()
    assert int(client.get(month_key) or 0) == 100, "what the lease did not spend went back"
    assert _rows(engine, clock, account) == (100, 100, 100), "the database learns admitted calls only"


def test_a_database_lease_admits_calls_without_a_statement_and_goes_back_on_flush(
    engine: Engine, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    gate = _gate(engine, clock, "database", quota_per_minute=0, quota_per_month=100_000)
    gate.overrides.background = True  # as while ``run_forever`` runs: the overrides read apart
    gate.tick()
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    asked: list[int] = []  # the calls whose admission sent statements
    event.listen(engine, "before_cursor_execute", seen)
    try:
        headers = []
        for i in range(100):
            before = len(statements)
            headers.append(gate.admit(_request(engine, account), [ToolCall(id=i, name=READ_TOOL)]))
            if len(statements) > before:
                asked.append(i)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # The first call counts itself and leases 63 more; the 65th takes the next lease.
    assert asked == [0, LEASE_CALLS]
    assert [_month_left(h) for h in headers] == list(range(99_999, 99_899, -1))
    leased = 2 * LEASE_CALLS
    assert _rows(engine, clock, account) == (leased, leased, 2), "leased calls are counted; their tools wait"
    gate.flush()
    assert _rows(engine, clock, account) == (100, 100, 100), "what the leases did not spend went back"


@pytest.mark.parametrize("store", ["database", "redis"])
def test_leases_of_two_workers_never_pass_a_limit_and_what_they_held_comes_back(
    engine: Engine, account: Account, request: pytest.FixtureRequest, store: str
) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    limit = 1_000
    clock = SettableClock(fresh_moment())
    gates = [
        _gate(engine, clock, store, redis_url=redis_url, quota_per_minute=0, quota_per_month=limit)
        for _ in range(2)
    ]

    def until_refused(gate: QuotaGate) -> int:
        admitted = 0
        while True:
            try:
                gate.admit(_request(engine, account), [ToolCall(id=admitted, name=READ_TOOL)])
            except Refused:
                return admitted
            admitted += 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        first = sum(pool.map(until_refused, [gate for gate in gates for _ in range(4)]))
    # A worker is refused once the counters have no room, though the other may hold calls it leased.
    assert limit - 2 * (LEASE_CALLS - 1) <= first <= limit
    for gate in gates:
        gate.flush()  # gives back what its leases hold
    assert first + sum(until_refused(gate) for gate in gates) == limit
    if redis_url is not None:
        month_key = redis_key(window_at(Granularity.month, clock.now))
        assert int(redis.Redis.from_url(redis_url).get(month_key) or 0) == limit
    for gate in gates:
        gate.flush()
    assert _rows(engine, clock, account) == (limit, limit, limit)


@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_worker_takes_one_lease_at_a_time(
    engine: Engine, account: Account, request: pytest.FixtureRequest, store: str
) -> None:
    """Threads that find the lease spent while another takes the next one count their own call
    alone: a worker never holds more than one lease (63 calls) per set of counters, which is what
    a SIGKILL can leave counted too many."""
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    clock = SettableClock(fresh_moment())
    gate = _gate(engine, clock, store, redis_url=redis_url, quota_per_minute=0, quota_per_month=100_000)
    if redis_url is not None:  # the month's key seeded, so that the threads meet at the lease
        gate.admit(_request(engine, account), [ToolCall(id=0, name=READ_TOOL)])
        gate.flush()
    threads = 8
    start = threading.Barrier(threads)

    def one_call(number: int) -> None:
        start.wait()
        gate.admit(_request(engine, account), [ToolCall(id=number, name=READ_TOOL)])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one_call, range(1, threads + 1)))
    admitted = threads + (1 if redis_url else 0)
    if redis_url is not None:
        counted = int(
            redis.Redis.from_url(redis_url).get(redis_key(window_at(Granularity.month, clock.now))) or 0
        )
    else:
        counted = _rows(engine, clock, account)[0]
    assert admitted < counted <= admitted + LEASE_CALLS - 1
    gate.flush()
    assert _rows(engine, clock, account) == (admitted, admitted, admitted)
