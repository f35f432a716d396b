"""The official MCP SDK client with its OAuth provider, against a real uvicorn: it meets the 401
challenge, discovers, registers, sends the user through sign-in and consent (a scripted browser
answers its redirect handler), exchanges the code and lists the tools."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from sqlalchemy.engine import Engine

from server.settings import load_settings
from tests.auth.browser import Browser, query
from tests.auth.conftest import build_app
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.auth_factories import Person
from tests.utils.live import live_server

PORT = 8501
REDIRECT_URI = "http://127.0.0.1:53999/callback"


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@pytest.fixture
def live_url(app_database_url: str, engine: Engine) -> Iterator[str]:
    settings = load_settings(
        database_url=app_database_url,
        base_url=f"http://127.0.0.1:{PORT}",
        quota_per_minute=0,
        quota_per_month=0,
    )
    with live_server(build_app(settings, engine, FakeClock(), FakeWeb()), PORT) as url:
        yield url


async def test_sdk_client_signs_in_through_oauth_and_lists_tools(live_url: str, agent: Person) -> None:
    callback: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=live_url) as web:
        browser = Browser(web, base_url=live_url)

        async def redirect_handler(authorization_url: str) -> None:
            result = await browser.login_and_consent(
                authorization_url, email=agent.email, password=agent.password
            )
            callback.update(query(result.headers["location"]))

        async def callback_handler() -> AuthorizationCodeResult:
            return AuthorizationCodeResult(
                code=callback["code"], state=callback["state"], iss=callback["iss"]
            )

        storage = MemoryStorage()
        provider = OAuthClientProvider(
            server_url=f"{live_url}/mcp",
            client_metadata=OAuthClientMetadata.model_validate(
                {
                    "client_name": "SDK test client",
                    "redirect_uris": [REDIRECT_URI],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                }
            ),
            storage=storage,
            redirect_handler=redirect_handler,
            callback_handler=callback_handler,
        )
        async with (
            httpx2.AsyncClient(auth=provider, timeout=30) as http,
            Client(streamable_http_client(f"{live_url}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
        ):
            tools = await client.list_tools()
    assert len(tools.tools) > 10
    assert storage.tokens is not None and storage.tokens.access_token.startswith("hdo_")
    assert storage.tokens.refresh_token is not None
    assert storage.client_info is not None and storage.client_info.client_id.startswith("hdcl_")
    assert callback["iss"] == live_url
