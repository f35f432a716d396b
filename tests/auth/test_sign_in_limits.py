"""Issue 9.3: the sign-in limits make password guessing expensive without handing anyone a way
to lock an account. Only wrong passwords count; an address that guessed wrong too often is
refused for that account; a correct password from an address that has not failed gets in.

Through the real sign-in forms (OAuth ``/authorize/login`` and the console's ``/admin/login``),
each request from the client address its transport names."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from server.settings import Settings
from tests.admin.console import Console
from tests.auth.browser import Browser, authorize_url, pkce_pair, register_client
from tests.auth.conftest import build_app
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.auth_factories import Person, create_agent

SignIn = Callable[[str, str, str], Awaitable[str]]


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FakeClock, web: FakeWeb) -> Starlette:
    limited = settings.model_copy(
        update={
            "login_rate_limit_per_account": "4 per 15 minutes",
            "login_rate_limit_per_account_ip": "2 per 15 minutes",
            "login_rate_limit_per_ip": "10 per 15 minutes",
        }
    )
    return build_app(limited, engine, clock, web)


@asynccontextmanager
async def _client_at(app: Starlette, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(ip, 50_000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


def _verdict(response: httpx.Response, signed_in: bool) -> str:
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) > 0
        assert "Too many sign-in attempts" in response.text
        return "locked"
    return "ok" if signed_in else "wrong"


@pytest.fixture
def oauth_sign_in(app: Starlette) -> SignIn:
    registered: list[dict[str, Any]] = []

    async def sign_in(ip: str, email: str, password: str) -> str:
        async with _client_at(app, ip) as http:
            if not registered:
                registered.append(await register_client(http))
            client = registered[0]
            browser = Browser(http)
            _, challenge = pkce_pair()
            page = await browser.go(authorize_url(client["client_id"], client["redirect_uris"][0], challenge))
            response = await browser.submit(page, email=email, password=password)
        return _verdict(response, "Allow access" in response.text)

    return sign_in


@pytest.fixture
def console_sign_in(app: Starlette) -> SignIn:
    async def sign_in(ip: str, email: str, password: str) -> str:
        async with _client_at(app, ip) as http:
            response = await Console(http).sign_in(Person(0, email, password))
        return _verdict(response, response.status_code == 303)

    return sign_in


@pytest.mark.parametrize("form", ["oauth_sign_in", "console_sign_in"])
async def test_guessing_from_one_address_cannot_lock_the_owner_out(
    engine: Engine, request: pytest.FixtureRequest, form: str
) -> None:
    sign_in: SignIn = request.getfixturevalue(form)
    owner = create_agent(engine)
    attacker, home = "198.51.100.7", "203.0.113.20"
    assert [await sign_in(attacker, owner.email, "guess") for _ in range(2)] == ["wrong", "wrong"]
    assert await sign_in(attacker, owner.email, owner.password) == "locked"  # no hash is checked
    assert await sign_in(home, owner.email, owner.password) == "ok"
    # Correct passwords never count: signing in often costs nothing.
    assert [await sign_in(home, owner.email, owner.password) for _ in range(6)] == ["ok"] * 6


async def test_guessing_from_many_addresses_costs_one_address_per_guess(
    engine: Engine, oauth_sign_in: SignIn
) -> None:
    owner = create_agent(engine)
    for n in range(4):
        assert await oauth_sign_in(f"198.51.100.{20 + n}", owner.email, "guess") == "wrong"
    # The account has had its 4 failures: addresses that failed on it are refused, right or wrong...
    assert await oauth_sign_in("198.51.100.20", owner.email, owner.password) == "locked"
    # ...while an address with no failure on it still gets its answer: the owner gets in.
    assert await oauth_sign_in("203.0.113.30", owner.email, owner.password) == "ok"
    # Other accounts are not affected.
    other = create_agent(engine)
    assert await oauth_sign_in("198.51.100.20", other.email, other.password) == "ok"


async def test_one_address_spraying_many_accounts_runs_out(engine: Engine, console_sign_in: SignIn) -> None:
    sprayer = "198.51.100.99"
    for n in range(10):
        assert await console_sign_in(sprayer, f"nobody{n}@example.test", "guess") == "wrong"
    victim = create_agent(engine)
    assert await console_sign_in(sprayer, victim.email, victim.password) == "locked"
    assert await console_sign_in("203.0.113.99", victim.email, victim.password) == "ok"
