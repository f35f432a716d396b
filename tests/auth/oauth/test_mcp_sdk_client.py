"""The official MCP SDK client with its OAuth provider, against a real uvicorn: it meets the 401
challenge, discovers, registers, sends the user through sign-in and consent (a scripted browser
answers its redirect handler), exchanges the code and lists the tools: over Streamable HTTP at
``/mcp``, over legacy SSE at ``/sse``, and at a narrowed endpoint (each its own resource)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from sqlalchemy.engine import Engine

from server.settings import load_settings
from server.tools.registry import all_tool_specs
from tests.auth.browser import Browser, query
from tests.auth.conftest import build_app
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.auth_factories import Person
from tests.utils.live import free_port, live_server
from tests.utils.mcp_calls import call_ok

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
    port = free_port()
    settings = load_settings(
        database_url=app_database_url,
        base_url=f"http://127.0.0.1:{port}",
        quota_per_minute=0,
        quota_per_month=0,
    )
    with live_server(build_app(settings, engine, FakeClock(), FakeWeb()), port) as url:
        yield url


class SignInThroughBrowser:
    """The SDK's OAuth provider for ``server_url``, its browser step done by a scripted person."""

    def __init__(self, web: httpx.AsyncClient, base_url: str, server_url: str, person: Person) -> None:
        self.browser = Browser(web, base_url=base_url)
        self.person = person
        self.callback: dict[str, str] = {}
        self.storage = MemoryStorage()
        self.provider = OAuthClientProvider(
            server_url=server_url,
            client_metadata=OAuthClientMetadata.model_validate(
                {
                    "client_name": "SDK test client",
                    "redirect_uris": [REDIRECT_URI],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                }
            ),
            storage=self.storage,
            redirect_handler=self.redirect_handler,
            callback_handler=self.callback_handler,
        )

    async def redirect_handler(self, authorization_url: str) -> None:
        result = await self.browser.login_and_consent(
            authorization_url, email=self.person.email, password=self.person.password
        )
        self.callback.update(query(result.headers["location"]))

    async def callback_handler(self) -> AuthorizationCodeResult:
        callback = self.callback
        return AuthorizationCodeResult(code=callback["code"], state=callback["state"], iss=callback["iss"])


async def test_sdk_client_signs_in_through_oauth_and_lists_tools(live_url: str, agent: Person) -> None:
    async with httpx.AsyncClient(base_url=live_url) as web:
        person = SignInThroughBrowser(web, live_url, f"{live_url}/mcp", agent)
        async with (
            httpx2.AsyncClient(auth=person.provider, timeout=30) as http,
            Client(streamable_http_client(f"{live_url}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
        ):
            tools = await client.list_tools()
        storage = person.storage
        assert storage.tokens is not None
        # RFC 8707 audiences as tool sets: a /mcp token is good at /sse (the same tools).
        bearer = {"Authorization": f"Bearer {storage.tokens.access_token}"}
        async with Client(sse_client(f"{live_url}/sse", headers=bearer), mode="legacy") as over_sse:  # type: ignore[arg-type]
            assert len((await over_sse.list_tools()).tools) == len(tools.tools)
    assert len(tools.tools) == len(all_tool_specs())
    assert storage.tokens is not None and storage.tokens.access_token.startswith("hdo_")
    assert storage.tokens.refresh_token is not None
    assert storage.client_info is not None and storage.client_info.client_id.startswith("hdcl_")
    assert person.callback["iss"] == live_url


async def test_sdk_client_signs_in_through_oauth_over_sse(live_url: str, agent: Person) -> None:
    """The SDK checks the metadata's ``resource`` against ``/sse`` and asks for a token for it."""
    async with httpx.AsyncClient(base_url=live_url) as web:
        person = SignInThroughBrowser(web, live_url, f"{live_url}/sse", agent)
        async with Client(sse_client(f"{live_url}/sse", auth=person.provider), mode="legacy") as client:  # type: ignore[arg-type]
            tools = await client.list_tools()
            workspaces = await call_ok(client, "fetchWorkspaces")
    assert len(tools.tools) == len(all_tool_specs())
    assert workspaces["workspaces"] == []  # this agent belongs to no workspace
    assert person.storage.tokens is not None and person.storage.tokens.scope == "mcp:read mcp:write"


async def test_sdk_client_signs_in_to_a_narrowed_read_only_endpoint(live_url: str, agent: Person) -> None:
    """``/mcp/x/tickets,solutions/readonly``: its own resource; the token is read-only; the list
    holds the read tools of those toolsets, and any other tool is refused with a JSON-RPC error."""
    url = f"{live_url}/mcp/x/tickets,solutions/readonly"
    expected = {
        spec.name for spec in all_tool_specs() if spec.toolset in ("tickets", "solutions") and not spec.writes
    }
    async with httpx.AsyncClient(base_url=live_url) as web:
        person = SignInThroughBrowser(web, live_url, url, agent)
        async with (
            httpx2.AsyncClient(auth=person.provider, timeout=30) as http,
            Client(streamable_http_client(url, http_client=http)) as client,  # type: ignore[arg-type]
        ):
            tools = await client.list_tools()
            with pytest.raises(MCPError) as refused:
                await client.call_tool("createTicket", {"subject": "x", "description": "y"})
    assert {tool.name for tool in tools.tools} == expected
    assert refused.value.code == INVALID_PARAMS
    assert "createTicket is not available" in refused.value.message
    assert person.storage.tokens is not None and person.storage.tokens.scope == "mcp:read"
