"""The token endpoint: PKCE, single-use codes, client authentication, resource binding,
refresh rotation with its grace window, and the access tokens ``/mcp`` accepts."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest
from sqlalchemy.engine import Engine

from auth.oauth import resolve_access_token
from auth.oauth.protected_resources import ResourceCatalog
from domain.db import session_scope
from server.tools.base import TOOLSETS
from tests.auth.browser import (
    LOOPBACK_REDIRECT,
    Browser,
    IssuedCode,
    authorize_url,
    exchange_code,
    obtain_code,
    query,
    refresh,
    register_client,
)
from tests.auth.constants import BASE_URL, RESOURCE
from tests.auth.fakes import FakeClock
from tests.utils.auth_factories import Person

CATALOG = ResourceCatalog(BASE_URL, TOOLSETS)


def is_live(engine: Engine, token: str, clock: FakeClock, *, resource: str = RESOURCE) -> bool:
    presented_to = CATALOG.at_url(resource)
    assert presented_to is not None
    with session_scope(engine) as session:
        found = resolve_access_token(session, token, resource=presented_to, catalog=CATALOG, now=clock())
        return found is not None


async def test_token_response_is_not_cached_and_states_scope(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    response = await exchange_code(http, client, await obtain_code(browser, client, agent))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["scope"] == "mcp:read mcp:write"
    assert body["expires_in"] == 3600
    assert body["refresh_token"]


async def test_wrong_code_verifier_is_invalid_grant(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent)
    response = await exchange_code(http, client, issued, code_verifier="x" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert response.headers["cache-control"] == "no-store"


async def test_missing_code_verifier_is_invalid_request(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    response = await exchange_code(
        http, client, await obtain_code(browser, client, agent), code_verifier=None
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_reused_code_fails_and_revokes_what_it_issued(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent)
    first = await exchange_code(http, client, issued)
    assert first.status_code == 200
    tokens = first.json()
    assert is_live(engine, tokens["access_token"], clock)

    second = await exchange_code(http, client, issued)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert not is_live(engine, tokens["access_token"], clock)
    dead_refresh = await refresh(http, client, tokens["refresh_token"])
    assert dead_refresh.status_code == 400
    assert dead_refresh.json()["error"] == "invalid_grant"


async def test_expired_code_is_invalid_grant(
    http: httpx.AsyncClient, browser: Browser, agent: Person, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent)
    clock.advance(minutes=6)
    response = await exchange_code(http, client, issued)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_code_of_another_client_is_invalid_grant(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    owner = await register_client(http, token_endpoint_auth_method="none")
    thief = await register_client(http, token_endpoint_auth_method="none")
    response = await exchange_code(http, thief, await obtain_code(browser, owner, agent))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_redirect_uri_must_match_the_authorization_request(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent)
    response = await exchange_code(http, client, issued, redirect_uri="http://127.0.0.1:9999/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_unknown_client_gets_401_invalid_client(http: httpx.AsyncClient) -> None:
    data = {
        "grant_type": "authorization_code",
        "code": "x",
        "code_verifier": "y" * 43,
        "client_id": "hdcl_nope",
    }
    response = await http.post("/token", data=data)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    basic = base64.b64encode(b"hdcl_nope:secret").decode()
    response = await http.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_confidential_client_authenticates_by_basic_or_form_whatever_it_registered(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http)  # method omitted: client_secret_basic with a secret
    assert client["token_endpoint_auth_method"] == "client_secret_basic"
    assert client["client_secret"]
    issued = await obtain_code(browser, client, agent)
    by_post = {**client, "token_endpoint_auth_method": "client_secret_post"}
    response = await exchange_code(http, by_post, issued)
    assert response.status_code == 200, response.text
    response = await refresh(http, client, response.json()["refresh_token"])  # Basic, no client_id in form
    assert response.status_code == 200, response.text


async def test_confidential_client_without_or_with_wrong_secret_is_invalid_client(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="client_secret_post")
    issued = await obtain_code(browser, client, agent)
    no_secret = {**client, "token_endpoint_auth_method": "none"}
    assert (await exchange_code(http, no_secret, issued)).status_code == 401
    wrong = {**client, "client_secret": "hdcs_wrong"}
    response = await exchange_code(http, wrong, issued)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert (await exchange_code(http, client, issued)).status_code == 200


async def test_resource_is_normalised_and_a_foreign_one_is_invalid_target(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent, resource="HTTP://127.0.0.1:8500/mcp/")
    foreign = await exchange_code(http, client, issued, resource="https://evil.example/mcp")
    assert foreign.status_code == 400
    assert foreign.json()["error"] == "invalid_target"
    response = await exchange_code(http, client, issued, resource=RESOURCE + "/")
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert is_live(engine, tokens["access_token"], clock)
    assert is_live(engine, tokens["access_token"], clock, resource=f"{BASE_URL}/mcp/readonly")

    bad_refresh = await refresh(http, client, tokens["refresh_token"], resource="https://evil.example/mcp")
    assert bad_refresh.status_code == 400
    assert bad_refresh.json()["error"] == "invalid_target"
    kept = await refresh(http, client, tokens["refresh_token"])  # no resource: keeps the grant's
    assert kept.status_code == 200
    assert is_live(engine, kept.json()["access_token"], clock)


async def test_expired_access_token_is_refused_and_refresh_still_works(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    tokens = (await exchange_code(http, client, await obtain_code(browser, client, agent))).json()
    clock.advance(seconds=3601)
    assert not is_live(engine, tokens["access_token"], clock)
    renewed = await refresh(http, client, tokens["refresh_token"])
    assert renewed.status_code == 200
    assert is_live(engine, renewed.json()["access_token"], clock)


async def test_refresh_replay_within_grace_returns_the_same_pair(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    tokens = (await exchange_code(http, client, await obtain_code(browser, client, agent))).json()
    first = await refresh(http, client, tokens["refresh_token"])
    clock.advance(seconds=30)
    replay = await refresh(http, client, tokens["refresh_token"])
    assert replay.status_code == 200
    assert replay.json()["access_token"] == first.json()["access_token"]
    assert replay.json()["refresh_token"] == first.json()["refresh_token"]
    assert replay.json()["expires_in"] == 3600 - 30
    assert is_live(engine, first.json()["access_token"], clock)
    again = await refresh(http, client, first.json()["refresh_token"])
    assert again.status_code == 200


async def test_refresh_replay_after_grace_revokes_the_grant(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    tokens = (await exchange_code(http, client, await obtain_code(browser, client, agent))).json()
    rotated = (await refresh(http, client, tokens["refresh_token"])).json()
    clock.advance(seconds=61)
    replay = await refresh(http, client, tokens["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert not is_live(engine, rotated["access_token"], clock)
    dead = await refresh(http, client, rotated["refresh_token"])
    assert dead.status_code == 400
    assert dead.json()["error"] == "invalid_grant"


async def test_expired_refresh_token_is_invalid_grant(
    http: httpx.AsyncClient, browser: Browser, agent: Person, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    tokens = (await exchange_code(http, client, await obtain_code(browser, client, agent))).json()
    clock.advance(days=31)
    response = await refresh(http, client, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_refresh_may_narrow_scope_but_not_widen_it(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent, scope="mcp:read")
    tokens = (await exchange_code(http, client, issued)).json()
    assert tokens["scope"] == "mcp:read"
    widened = await refresh(http, client, tokens["refresh_token"], scope="mcp:read mcp:write")
    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_scope"
    narrowed = await refresh(http, client, tokens["refresh_token"], scope="mcp:read offline_access")
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "mcp:read"


async def test_garbage_requests_get_oauth_errors_never_500(http: httpx.AsyncClient) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    cases = [
        {"grant_type": "password", "client_id": client["client_id"]},
        {"grant_type": "authorization_code", "client_id": client["client_id"]},
        {"grant_type": "refresh_token", "client_id": client["client_id"], "refresh_token": "nope"},
        {"client_id": client["client_id"]},
    ]
    for data in cases:
        response = await http.post("/token", data=data)
        assert response.status_code == 400, response.text
        assert response.json()["error"] in {"unsupported_grant_type", "invalid_request", "invalid_grant"}
    assert (await http.post("/token", json={"grant_type": "x"})).status_code == 400
    assert (
        await http.post(
            "/token", content=b"\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    ).status_code in {400, 401}
    assert (await http.get("/token")).status_code == 405
    assert BASE_URL


@pytest.mark.parametrize(
    "verifier",
    ["too-short-but-hashes-right", "!" * 43, "a" * 129],
    ids=["short", "outside the alphabet", "too long"],
)
async def test_a_malformed_verifier_is_refused_even_when_its_digest_matches(
    http: httpx.AsyncClient, browser: Browser, agent: Person, verifier: str
) -> None:
    """Issue 9.11: RFC 7636 §4.1 — a verifier is 43 to 128 unreserved characters."""
    client = await register_client(http, token_endpoint_auth_method="none")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    url = authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge)
    result = await browser.login_and_consent(url, email=agent.email, password=agent.password)
    issued = IssuedCode(query(result.headers["location"])["code"], verifier, LOOPBACK_REDIRECT, "")
    response = await exchange_code(http, client, issued)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_the_challenge_itself_is_not_a_verifier(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    """Issue 9.11: plain PKCE (verifier == challenge) never passes at the token endpoint."""
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(issued.verifier.encode()).digest()).decode().rstrip("=")
    )
    response = await exchange_code(http, client, issued, code_verifier=challenge)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
