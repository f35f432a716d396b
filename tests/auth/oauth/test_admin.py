"""Pre-registered clients and the list/revoke functions the CLI and admin console call."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import Engine

from auth.oauth import create_preregistered_client, list_clients, list_grants, revoke_client, revoke_grant
from domain.db import session_scope
from domain.errors import InvalidField, NotFound
from tests.auth.browser import Browser, exchange_code, obtain_code, refresh
from tests.auth.fakes import FakeClock
from tests.auth.oauth.test_token import is_live
from tests.utils.auth_factories import Person, create_agent


def _preregistered(
    engine: Engine, redirect_uri: str = "https://global.consent.azure-apim.net/redirect/helpdesk"
) -> dict[str, str]:
    with session_scope(engine) as session:
        client_id, secret = create_preregistered_client(
            session,
            name="Copilot Studio connector",
            redirect_uris=[redirect_uri],
            scopes=["mcp:read", "mcp:write"],
        )
    return {
        "client_id": client_id,
        "client_secret": secret,
        "token_endpoint_auth_method": "client_secret_basic",
    }


async def test_preregistered_client_works_with_basic_and_post(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine
) -> None:
    redirect = "https://global.consent.azure-apim.net/redirect/helpdesk-connector"
    client = _preregistered(engine, redirect)
    issued = await obtain_code(browser, client, agent, redirect_uri=redirect)
    tokens = await exchange_code(http, client, issued)
    assert tokens.status_code == 200, tokens.text
    by_post = {**client, "token_endpoint_auth_method": "client_secret_post"}
    assert (await refresh(http, by_post, tokens.json()["refresh_token"])).status_code == 200


def test_preregistered_client_refuses_bad_input(engine: Engine) -> None:
    with session_scope(engine) as session:
        with pytest.raises(InvalidField):
            create_preregistered_client(
                session, name="x", redirect_uris=["http://example.com/cb"], scopes=None
            )
        with pytest.raises(InvalidField):
            create_preregistered_client(
                session, name=" ", redirect_uris=["https://example.com/cb"], scopes=None
            )


async def test_revoking_a_client_kills_its_tokens_and_clients_list_shows_it(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = _preregistered(engine)
    issued = await obtain_code(
        browser, client, agent, redirect_uri="https://global.consent.azure-apim.net/redirect/helpdesk"
    )
    tokens = (await exchange_code(http, client, issued)).json()
    with session_scope(engine) as session:
        listed = {
            c.client_id: c for c in list_clients(session, per_page=100, page=_last_page(session)).clients
        }
        assert listed[client["client_id"]].active_grants == 1
        revoke_client(session, client_id=client["client_id"])
    assert not is_live(engine, tokens["access_token"], clock)
    assert (
        await refresh(http, client, tokens["refresh_token"])
    ).status_code == 401  # client gone: invalid_client
    with session_scope(engine) as session, pytest.raises(NotFound):
        revoke_client(session, client_id="hdcl_missing")


def _last_page(session) -> int:  # type: ignore[no-untyped-def]
    info = list_clients(session, per_page=100)
    return -(-info.total // 100) or 1


async def test_agent_lists_and_revokes_own_grants_only(
    http: httpx.AsyncClient, browser: Browser, engine: Engine, clock: FakeClock
) -> None:
    agent = create_agent(engine)
    other = create_agent(engine)
    client = {
        "client_id": (
            await http.post(
                "/register",
                json={"redirect_uris": ["http://127.0.0.1/cb"], "token_endpoint_auth_method": "none"},
            )
        ).json()["client_id"],
        "token_endpoint_auth_method": "none",
    }
    tokens = (
        await exchange_code(
            http, client, await obtain_code(browser, client, agent, redirect_uri="http://127.0.0.1:5000/cb")
        )
    ).json()
    with session_scope(engine) as session:
        grants = list_grants(session, agent_id=agent.id).grants
        assert [g.agent_email for g in grants] == [agent.email]
        assert grants[0].client_id == client["client_id"]
        assert grants[0].scope == "mcp:read mcp:write"
        with pytest.raises(NotFound):
            revoke_grant(session, grant_id=grants[0].id, agent_id=other.id)
        revoke_grant(session, grant_id=grants[0].id, agent_id=agent.id)
    assert not is_live(engine, tokens["access_token"], clock)
    with session_scope(engine) as session:
        assert list_grants(session, agent_id=agent.id).grants == []
        revoked = list_grants(session, agent_id=agent.id, include_revoked=True).grants
        assert revoked[0].revoked_reason == "revoked_by_user"
