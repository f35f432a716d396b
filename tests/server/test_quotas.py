"""Tool-call quotas through HTTP against a live server: exactness, signals, no effect when refused.

Each test runs on a month no other test uses (``fresh_moment``) with an injected clock, so the
shared database's counters never leak between tests. Every test runs with the quotas counted in
the database, in process memory and (with HELPDESK_TEST_REDIS_URL) in Redis.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from sqlmodel import select

from domain import migrate
from domain.db import make_engine, session_scope
from domain.outages import outages
from domain.tickets.models import Ticket
from domain.usage.service import minute_calls_in_database
from server.quotas import current_usage
from server.quotas.redis_counters import STORAGE as REDIS_QUOTAS
from tests.utils.databases import own_database_url
from tests.utils.live import free_port
from tests.utils.quotas import (
    ACCEPT,
    WRITE_TOOL,
    Account,
    QuotaServer,
    SettableClock,
    burst,
    call,
    fresh_moment,
    make_account,
    post,
    quota_server,
    read_call,
)

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """This module's own database (its tests commit tickets and counters)."""
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("quotas"), "quotas"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def account(engine: Engine) -> Account:
    return make_account(engine)


@pytest.fixture(params=["database", "memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_url")
    return str(request.param)


def _statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


def _use(server: QuotaServer, key: str, calls: int) -> None:
    for i in range(calls):
        assert post(server.url, key, read_call(i)).status_code == 200


def _ticket(account: Account, request_id: int, subject: str) -> dict[str, object]:
    return call(
        request_id,
        WRITE_TOOL,
        subject=subject,
        email="quota-requester@example.test",
        workspace_id=account.workspace_id,
    )


def _tickets(engine: Engine, prefix: str) -> list[str]:
    with session_scope(engine) as session:
        rows = session.exec(select(Ticket.subject).where(Ticket.subject.startswith(prefix)))  # type: ignore[attr-defined]
        return sorted(rows.all())


async def test_concurrent_calls_at_the_minute_limit_admit_exactly_the_calls_left(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=10, per_month=1000) as server:
        _use(server, account.key, 3)
        responses = await burst([server.url], account.key, [read_call(i) for i in range(25)])
        assert _statuses(responses) == [200] * 7 + [429] * 18
        assert server.minute_used() == 10


async def test_concurrent_calls_at_the_month_limit_admit_exactly_the_calls_left(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=0, per_month=12) as server:
        _use(server, account.key, 4)
        responses = await burst([server.url], account.key, [read_call(i) for i in range(30)])
        assert _statuses(responses) == [200] * 8 + [429] * 22
        refusals = [
            response.json()["error"]["data"]["quota"] for response in responses if response.status_code == 429
        ]
        assert set(refusals) == {"per_month"}


async def test_refused_writes_change_nothing(engine: Engine, storage: str, account: Account) -> None:
    clock = SettableClock(fresh_moment())
    prefix = f"quota-{storage}-{clock.now:%Y%m}-"
    with quota_server(engine, storage, clock, per_minute=4, per_month=1000) as server:
        bodies = [_ticket(account, i, f"{prefix}{i:02}") for i in range(12)]
        responses = await burst([server.url], account.key, bodies)
    created = [f"{prefix}{i:02}" for i, response in enumerate(responses) if response.status_code == 200]
    assert len(created) == 4
    assert all(
        not response.json()["result"]["isError"] for response in responses if response.status_code == 200
    )
    assert _tickets(engine, prefix) == sorted(created)


def test_over_quota_answer_names_the_quota_its_limit_and_reset(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment(day=20, hour=23, minute=59, second=20))
    with quota_server(engine, storage, clock, per_minute=2, per_month=3) as server:
        _use(server, account.key, 2)
        refused = post(server.url, account.key, read_call(77), Origin="http://localhost:6274")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "40"
        assert (
            refused.headers["ratelimit-policy"] == f'"minute";q=2;w=60, "month";q=3;w={_month_seconds(clock)}'
        )
        assert refused.headers["ratelimit"] == '"minute";r=0;t=40'
        exposed = refused.headers["access-control-expose-headers"]
        assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= {h.strip() for h in exposed.split(",")}
        body = refused.json()
        assert body["jsonrpc"] == "2.0" and body["id"] == 77
        minute_reset = _stamp(clock.now.replace(second=0) + timedelta(minutes=1))
        assert "2 tool calls per minute" in body["error"]["message"]
        assert minute_reset in body["error"]["message"]
        assert body["error"]["data"] == {
            "quota": "per_minute",
            "limit": 2,
            "period": f"{clock.now:%Y-%m-%dT%H:%M}",
            "resets_at": minute_reset,
            "retry_after_seconds": 40,
        }

        clock.now += timedelta(minutes=1)
        _use(server, account.key, 1)
        refused = post(server.url, account.key, read_call("abc"))
        assert refused.status_code == 429
        body = refused.json()
        assert body["id"] == "abc"
        month_reset = _stamp(_next_month(clock))
        assert "3 tool calls per calendar month (UTC)" in body["error"]["message"]
        assert month_reset in body["error"]["message"]
        assert body["error"]["data"]["quota"] == "per_month"
        assert body["error"]["data"]["resets_at"] == month_reset
        assert refused.headers["retry-after"] == str(body["error"]["data"]["retry_after_seconds"])
        assert re.fullmatch(r'"month";r=0;t=\d+', refused.headers["ratelimit"])


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_month(clock: SettableClock) -> datetime:
    start = clock.now.replace(day=1, hour=0, minute=0, second=0)
    return (start + timedelta(days=32)).replace(day=1)


def _month_seconds(clock: SettableClock) -> int:
    start = clock.now.replace(day=1, hour=0, minute=0, second=0)
    return int((_next_month(clock) - start).total_seconds())


def test_admitted_calls_carry_what_is_left(engine: Engine, storage: str, account: Account) -> None:
    clock = SettableClock(fresh_moment(second=45))
    with quota_server(engine, storage, clock, per_minute=5, per_month=50) as server:
        first = post(server.url, account.key, read_call(1))
        second = post(server.url, account.key, read_call(2))
    assert first.status_code == second.status_code == 200
    month_left = int((_next_month(clock) - clock.now).total_seconds())
    assert first.headers["ratelimit"] == f'"minute";r=4;t=15, "month";r=49;t={month_left}'
    assert second.headers["ratelimit"] == f'"minute";r=3;t=15, "month";r=48;t={month_left}'
    assert first.headers["ratelimit-policy"] == f'"minute";q=5;w=60, "month";q=50;w={_month_seconds(clock)}'


def test_a_minute_refusal_does_not_consume_the_month_nor_the_reverse(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=2, per_month=100) as server:
        statuses = [post(server.url, account.key, read_call(i)).status_code for i in range(5)]
        assert statuses == [200, 200, 429, 429, 429]
        assert current_usage(server.settings, engine=engine, now=clock.now, gate=server.gate).month.used == 2

    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=100, per_month=2) as server:
        statuses = [post(server.url, account.key, read_call(i)).status_code for i in range(5)]
        assert statuses == [200, 200, 429, 429, 429]
        assert server.minute_used() == 2


def test_only_tool_calls_that_reach_a_tool_are_counted(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=2, per_month=100) as server:
        for _ in range(4):
            assert post(server.url, account.key, INIT).status_code == 200
            listed = post(server.url, account.key, LIST)
            assert listed.status_code == 200
            assert "ratelimit" not in listed.headers
            unknown = post(server.url, account.key, call(5, "noSuchTool"))
            assert unknown.status_code == 200 and "ratelimit" not in unknown.headers
        assert httpx.post(f"{server.url}/mcp", json=read_call(6), headers=ACCEPT).status_code == 401
        assert server.minute_used() == 0
        failed = post(server.url, account.key, call(7, "fetchTicket", ticket_id=987654321))
        assert failed.status_code == 200 and failed.json()["result"]["isError"] is True
        assert post(server.url, account.key, read_call(8)).status_code == 200
        assert post(server.url, account.key, read_call(9)).status_code == 429
        assert server.minute_used() == 2


def test_the_monthly_quota_survives_a_restart_and_resets_next_month(
    engine: Engine, storage: str, account: Account
) -> None:
    clock = SettableClock(fresh_moment(day=28, hour=23, minute=59, second=59))
    with quota_server(engine, storage, clock, per_minute=0, per_month=3) as server:
        _use(server, account.key, 3)
        assert post(server.url, account.key, read_call(1)).status_code == 429
    if storage == "redis":
        redis.Redis.from_url(server.settings.redis_url or "").flushdb()  # the month must not live there
    restarted = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with quota_server(restarted, storage, clock, per_minute=0, per_month=3) as server:
            assert post(server.url, account.key, read_call(2)).status_code == 429
            clock.now = _next_month(clock)
            assert post(server.url, account.key, read_call(3)).status_code == 200
    finally:
        restarted.dispose()


def test_an_unreachable_redis_falls_back_to_the_database_minute(
    engine: Engine, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SettableClock(fresh_moment())
    nobody_listens = f"redis://127.0.0.1:{free_port()}/5"
    outages.recovered(REDIS_QUOTAS)  # an earlier test of this process may have left it down
    caplog.set_level(logging.INFO, logger="helpdesk.outages")
    with quota_server(
        engine, "redis", clock, redis_url=nobody_listens, per_minute=2, per_month=100
    ) as server:
        statuses = [post(server.url, account.key, read_call(i)).status_code for i in range(3)]
        assert statuses == [200, 200, 429]
        logged = [record for record in caplog.records if record.name == "helpdesk.outages"]
        assert len(logged) == 1, "the outage is logged once, not once per call"
        assert "unavailable" in logged[0].getMessage() and logged[0].exc_info is None
        with session_scope(engine) as session:
            assert minute_calls_in_database(session=session, now=clock.now) == 2


def _quota_refusals(url: str, quota: str) -> float:
    scraped = httpx.get(f"{url}/metrics")
    assert scraped.status_code == 200
    for family in text_string_to_metric_families(scraped.text):
        for sample in family.samples:
            if sample.name == "helpdesk_quota_refusals_total" and sample.labels == {"quota": quota}:
                return float(sample.value)
    return 0.0


def test_quota_refusals_are_counted_by_quota_in_the_metrics(engine: Engine, account: Account) -> None:
    clock = SettableClock(fresh_moment(second=5))
    with quota_server(engine, "memory", clock, per_minute=1, per_month=0) as server:
        before = _quota_refusals(server.url, "per_minute")
        _use(server, account.key, 1)
        assert post(server.url, account.key, read_call(2)).status_code == 429
        assert _quota_refusals(server.url, "per_minute") - before == 1
