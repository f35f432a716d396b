"""Token revocation (RFC 7009) by public and confidential clients."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

from tests.auth.browser import Browser, client_auth, exchange_code, obtain_code, refresh, register_client
from tests.auth.fakes import FakeClock
from tests.auth.oauth.test_token import is_live
from tests.utils.auth_factories import Person


async def _tokens(
    http: httpx.AsyncClient, browser: Browser, agent: Person, **registration: str
) -> tuple[dict, dict]:  # type: ignore[type-arg]
    client = await register_client(http, **registration)
    response = await exchange_code(http, client, await obtain_code(browser, client, agent))
    assert response.status_code == 200
    return client, response.json()


async def test_public_client_revokes_its_access_token_and_the_grant_goes(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client, tokens = await _tokens(http, browser, agent, token_endpoint_auth_method="none")
    response = await http.post(
        "/revoke", data={"token": tokens["access_token"], "client_id": client["client_id"]}
    )
    assert response.status_code == 200
    assert not is_live(engine, tokens["access_token"], clock)
    assert (await refresh(http, client, tokens["refresh_token"])).json()["error"] == "invalid_grant"


async def test_confidential_client_revokes_by_basic_or_form(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    for method in ("client_secret_basic", "client_secret_post"):
        client, tokens = await _tokens(http, browser, agent)
        fields, headers = client_auth(client, method=method)
        data = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token", **fields}
        response = await http.post("/revoke", data=data, headers=headers)
        assert response.status_code == 200
        assert not is_live(engine, tokens["access_token"], clock)


async def test_unknown_or_foreign_tokens_get_200_and_nothing_happens(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    owner, tokens = await _tokens(http, browser, agent, token_endpoint_auth_method="none")
    other = await register_client(http, token_endpoint_auth_method="none")
    for token in (tokens["access_token"], "hdo_unknown"):
        response = await http.post("/revoke", data={"token": token, "client_id": other["client_id"]})
        assert response.status_code == 200
    assert is_live(engine, tokens["access_token"], clock)
    assert owner


async def test_revocation_errors(http: httpx.AsyncClient) -> None:
    client = await register_client(http)
    no_auth = await http.post("/revoke", data={"token": "x", "client_id": client["client_id"]})
    assert no_auth.status_code == 401
    assert no_auth.json()["error"] == "invalid_client"
    fields, headers = client_auth(client)
    missing = await http.post("/revoke", data=fields, headers=headers)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
