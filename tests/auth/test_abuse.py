"""Abuse limits on sign-in, registration and token requests, and the guard the OAuth routes call."""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from limits import parse
from limits.storage import MemoryStorage, RedisStorage
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.abuse import RATE_LIMIT_STORAGE, AbuseGuard, AuthRateLimits, client_address
from domain.outages import outages
from server.settings import Settings, load_settings
from tests.auth.conftest import build_app
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.live import free_port
from tests.utils.quotas import SettableClock

START = datetime(2031, 5, 6, 7, 0, 0, tzinfo=UTC)  # an hour, a quarter hour and a minute start here


def _limits(clock: SettableClock, storage: MemoryStorage | RedisStorage | None = None) -> AuthRateLimits:
    return AuthRateLimits(
        storage=storage or MemoryStorage(),
        login_per_account=parse("3 per 15 minutes"),
        login_per_ip=parse("5 per 15 minutes"),
        registration_per_ip=parse("4 per hour"),
        token_per_client=parse("2 per minute"),
        clock=clock,
    )


def test_failed_sign_ins_lock_the_address_for_the_account_not_the_account() -> None:
    clock = SettableClock(START + timedelta(minutes=5))
    limits = _limits(clock)
    for n in range(3):
        assert limits.login_wait(email="Ana@Example.test", ip=f"198.51.100.{n}") is None
        limits.login_failed(email="Ana@Example.test", ip=f"198.51.100.{n}")
    # The account's 3 failures are spent: addresses that failed on it wait, fresh ones do not.
    assert limits.login_wait(email="ana@example.test ", ip="198.51.100.0") == 10 * 60
    assert limits.login_wait(email="ana@example.test", ip="198.51.100.9") is None
    assert limits.login_wait(email="bob@example.test", ip="198.51.100.0") is None
    clock.now = START + timedelta(minutes=15)
    assert limits.login_wait(email="ana@example.test", ip="198.51.100.0") is None


def test_failed_sign_ins_are_limited_per_address_across_accounts() -> None:
    clock = SettableClock(START + timedelta(seconds=30))
    limits = _limits(clock)
    for n in range(5):
        limits.login_failed(email=f"user{n}@example.test", ip="203.0.113.7")
    assert limits.login_wait(email="another@example.test", ip="203.0.113.7") == 15 * 60 - 30
    assert limits.login_wait(email="another@example.test", ip="203.0.113.8") is None


def test_registrations_are_limited_per_address_and_tokens_per_client() -> None:
    clock = SettableClock(START)
    limits = _limits(clock)
    assert [limits.hit_registration(ip="192.0.2.1") for _ in range(5)] == [None] * 4 + [3600]
    assert limits.hit_registration(ip="192.0.2.2") is None
    assert [limits.hit_token(client_id="c1") for _ in range(3)] == [None, None, 60]
    assert limits.hit_token(client_id="c2") is None
    clock.now = START + timedelta(minutes=1)
    assert limits.hit_token(client_id="c1") is None


def test_an_empty_setting_disables_a_limit() -> None:
    settings = load_settings(
        login_rate_limit_per_account="10 per 15 minutes",
        registration_rate_limit_per_ip="",
        token_rate_limit_per_client=" ",
    )
    limits = AuthRateLimits.from_config(settings.auth, clock=SettableClock(START))
    assert all(limits.hit_registration(ip="192.0.2.1") is None for _ in range(500))
    assert all(limits.hit_token(client_id="c") is None for _ in range(500))
    assert limits.login_per_account is not None and limits.login_per_account.amount == 10


def test_concurrent_hits_admit_exactly_the_limit() -> None:
    limits = _limits(SettableClock(START))
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: limits.hit_registration(ip="192.0.2.50"), range(40)))
    assert waits.count(None) == 4


def test_workers_share_their_counts_through_redis(redis_url: str) -> None:
    clock = SettableClock(START)
    first = _limits(clock, RedisStorage(redis_url))
    second = _limits(clock, RedisStorage(redis_url))
    assert first.hit_token(client_id="shared") is None
    assert second.hit_token(client_id="shared") is None
    assert first.hit_token(client_id="shared") == 60
    assert second.hit_token(client_id="shared") == 60


def test_ipv6_addresses_count_per_64() -> None:
    def request(host: str) -> Request:
        return Request({"type": "http", "client": (host, 1234), "headers": []})

    assert client_address(request("2001:db8:1:2:aaaa::1")) == client_address(request("2001:db8:1:2:bbbb::2"))
    assert client_address(request("2001:db8:1:2::1")) != client_address(request("2001:db8:1:3::1"))
    assert client_address(request("192.0.2.4")) == "192.0.2.4"


def _app(guard: AbuseGuard) -> Starlette:
    """Routes wired the way the OAuth routes call their guard: same request, before the handler."""

    def endpoint(name: str) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            refused = await guard(request, name)
            if refused is not None:
                return refused
            form = await request.form()
            return JSONResponse({"endpoint": name, "fields": sorted(form.keys())})

        return handle

    return Starlette(
        routes=[
            Route(path, endpoint(name), methods=["POST"])
            for name, path in (("login", "/authorize/login"), ("register", "/register"), ("token", "/token"))
        ]
    )


async def test_guard_answers_429_with_retry_after_and_leaves_the_form_to_the_handler() -> None:
    clock = SettableClock(START)
    transport = httpx.ASGITransport(app=_app(AbuseGuard(_limits(clock))))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(5):  # sign-ins are counted by the sign-in check itself, not the guard
            ok = await client.post("/authorize/login", data={"email": "ana@example.test", "password": "x"})
            assert ok.json() == {"endpoint": "login", "fields": ["email", "password"]}

        basic = base64.b64encode(b"client%201:secret").decode()
        for _ in range(2):
            assert (
                await client.post(
                    "/token", data={"grant_type": "x"}, headers={"Authorization": f"Basic {basic}"}
                )
            ).status_code == 200
        refused = await client.post("/token", data={"client_id": "client 1", "grant_type": "x"})
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "60"
        assert refused.json()["error"] == "temporarily_unavailable"

        statuses = [(await client.post("/register", json={})).status_code for _ in range(5)]
        assert statuses == [200] * 4 + [429]


@pytest.mark.parametrize("value", ["lots", "10 per fortnight"])
def test_unreadable_limits_are_refused_at_start_up(value: str) -> None:
    from server.settings import SettingsError

    with pytest.raises(SettingsError, match="HELPDESK_LOGIN_RATE_LIMIT_PER_IP"):
        load_settings(login_rate_limit_per_ip=value)


async def test_the_oauth_routes_answer_429_once_a_limit_is_spent(
    settings: Settings, engine: Engine, clock: FakeClock, web: FakeWeb
) -> None:
    clock.now = START
    limited = settings.model_copy(
        update={
            "registration_rate_limit_per_ip": "2 per hour",
            "token_rate_limit_per_client": "2 per minute",
        }
    )
    app = build_app(limited, engine, clock, web)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        client = {"redirect_uris": ["http://127.0.0.1:9999/cb"], "token_endpoint_auth_method": "none"}
        registrations = [
            await http.post("/register", json=client, headers={"Origin": "https://x.test"}) for _ in range(3)
        ]
        assert [r.status_code for r in registrations] == [201, 201, 429]
        assert registrations[2].headers["retry-after"] == "3600"
        assert registrations[2].headers["access-control-allow-origin"] == "*"

        tokens = [
            await http.post("/token", data={"client_id": "nobody", "grant_type": "refresh_token"})
            for _ in range(3)
        ]
        assert [r.status_code for r in tokens] == [401, 401, 429]
        assert tokens[2].json()["error"] == "temporarily_unavailable"


def test_an_unreachable_redis_admits_rather_than_failing_sign_in(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        redis_url=f"redis://127.0.0.1:{free_port()}/5", login_rate_limit_per_account="1 per 15 minutes"
    )
    limits = AuthRateLimits.from_config(settings.auth, clock=SettableClock(START))
    outages.recovered(RATE_LIMIT_STORAGE)  # an earlier test of this process may have left it down
    caplog.set_level(logging.INFO, logger="helpdesk.outages")
    for _ in range(3):
        limits.login_failed(email="ana@example.test", ip="192.0.2.1")
        assert limits.login_wait(email="ana@example.test", ip="192.0.2.1") is None
    logged = [record for record in caplog.records if record.name == "helpdesk.outages"]
    assert len(logged) == 1, "the outage is logged once, not once per attempt"
    assert "unavailable" in logged[0].getMessage() and logged[0].exc_info is None
