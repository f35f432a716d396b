"""No credential is stored in clear (issue 9.12): after a full OAuth flow, a refresh and an API key,
a dump of every table holds none of the secrets the server handed out or was given."""

from __future__ import annotations

import json

import httpx
from sqlalchemy.engine import Engine

from auth.apikeys import create_api_key
from domain.db import session_scope
from tests.auth.browser import Browser, exchange_code, obtain_code, refresh, register_client
from tests.utils.auth_factories import Person
from tests.utils.dump import canonical_dump


def _secret_parts(value: str) -> list[str]:
    """The value and its random part: a stored prefix such as ``hdk_12_`` is not a secret."""
    if value.startswith("hdk_"):
        return [value, value.split("_", 2)[2]]
    if value[:4] in ("hdo_", "hdr_", "hdc_"):
        return [value, value[4:]]
    return [value]


async def test_no_table_holds_a_credential_in_clear(
    http: httpx.AsyncClient, browser: Browser, agent: Person, engine: Engine
) -> None:
    client = await register_client(http, token_endpoint_auth_method="client_secret_basic")
    issued = await obtain_code(browser, client, agent)
    tokens = await exchange_code(http, client, issued)
    assert tokens.status_code == 200, tokens.text
    first = tokens.json()
    refreshed = await refresh(http, client, first["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    with session_scope(engine) as session:
        _, api_key = create_api_key(session, email=agent.email, name="at rest")

    secrets = {
        "client secret": client["client_secret"],
        "authorization code": issued.code,
        "PKCE verifier": issued.verifier,
        "first access token": first["access_token"],
        "first refresh token": first["refresh_token"],
        "second access token": second["access_token"],
        "second refresh token": second["refresh_token"],
        "API key": api_key,
        "password": agent.password,
    }
    stored = json.dumps(canonical_dump(engine))
    for what, value in secrets.items():
        for part in _secret_parts(value):
            assert len(part) >= 16, f"{what}: too short to search for ({part!r})"
            assert part not in stored, f"the {what} is stored in clear"
