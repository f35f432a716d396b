"""An independent OAuth client (authlib) through the whole flow: registration, sign-in and consent
in a scripted browser, code + PKCE, refresh, revocation, and the token against ``/mcp``."""

from __future__ import annotations

import secrets

import httpx
import httpx2
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from starlette.applications import Starlette

from tests.auth.browser import Browser
from tests.auth.constants import BASE_URL, RESOURCE
from tests.utils.auth_factories import Person

REDIRECT_URI = "http://127.0.0.1:53682/callback"


async def _mcp_status(http: httpx.AsyncClient, access_token: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": "2025-06-18",
    }
    response = await http.post("/mcp", json=body, headers=headers)
    return response.status_code


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post", "none"])
async def test_authlib_client_registers_authorizes_refreshes_and_revokes(
    app: Starlette, http: httpx.AsyncClient, browser: Browser, agent: Person, auth_method: str
) -> None:
    registration = await http.post(
        "/register",
        json={
            "client_name": "Authlib test client",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": auth_method,
            "grant_types": ["authorization_code", "refresh_token"],
        },
    )
    assert registration.status_code == 201, registration.text
    registered = registration.json()
    assert registered["scope"] == "mcp:read mcp:write"

    async with (
        app.router.lifespan_context(app),
        AsyncOAuth2Client(
            client_id=registered["client_id"],
            client_secret=registered.get("client_secret"),
            token_endpoint_auth_method=auth_method,
            revocation_endpoint_auth_method=auth_method,
            redirect_uri=REDIRECT_URI,
            scope="mcp:read mcp:write",
            code_challenge_method="S256",
            transport=httpx2.ASGITransport(app=app),
            base_url=BASE_URL,
        ) as client,
    ):
        verifier = secrets.token_urlsafe(48)
        url, state = client.create_authorization_url(
            f"{BASE_URL}/authorize", code_verifier=verifier, resource=RESOURCE
        )

        redirect = await browser.login_and_consent(url, email=agent.email, password=agent.password)
        callback = redirect.headers["location"]
        assert callback.startswith(REDIRECT_URI)
        assert f"state={state}" in callback
        assert "iss=http%3A%2F%2F127.0.0.1%3A8500" in callback

        token = await client.fetch_token(
            f"{BASE_URL}/token", authorization_response=callback, code_verifier=verifier, resource=RESOURCE
        )
        assert token["token_type"].lower() == "bearer"
        assert token["access_token"].startswith("hdo_")
        assert token["refresh_token"].startswith("hdr_")
        assert token["scope"] == "mcp:read mcp:write"
        assert await _mcp_status(http, token["access_token"]) == 200

        refreshed = await client.refresh_token(f"{BASE_URL}/token", refresh_token=token["refresh_token"])
        assert refreshed["access_token"] != token["access_token"]
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert await _mcp_status(http, refreshed["access_token"]) == 200

        revoked = await client.revoke_token(
            f"{BASE_URL}/revoke", token=refreshed["refresh_token"], token_type_hint="refresh_token"
        )
        assert revoked.status_code == 200
        assert await _mcp_status(http, refreshed["access_token"]) == 401
        assert await _mcp_status(http, token["access_token"]) == 401
