"""The same tools over every transport and protocol era clients use: Streamable HTTP in the
session era (initialize handshake) and the 2026-07-28 stateless era, and legacy SSE at /sse."""

from __future__ import annotations

import httpx
from mcp import Client
from mcp.client.sse import sse_client

from seed.demo import IT_WORKSPACE_ID
from tests.server.conftest import SeededServer
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_ok

EXPECTED_TOOLS = 34


async def test_session_era_client_lists_all_tools_on_the_first_page(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key, mode="legacy") as client:
        listing = await client.list_tools()
        assert len(listing.tools) == EXPECTED_TOOLS and listing.next_cursor is None
        assert all(tool.output_schema for tool in listing.tools)


async def test_2026_era_client_calls_tools_without_a_session(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode="2026-07-28") as client:
        listing = await client.list_tools()
        assert len(listing.tools) == EXPECTED_TOOLS
        workspaces = await call_ok(client, "fetchWorkspaces")
        assert [w["id"] for w in workspaces["workspaces"]] == [IT_WORKSPACE_ID]


async def test_legacy_sse_transport_with_an_api_key(seeded_server: SeededServer) -> None:
    headers = {"Authorization": f"Bearer {seeded_server.agent_key}"}
    async with Client(sse_client(f"{seeded_server.url}/sse", headers=headers), mode="legacy") as client:  # type: ignore[arg-type]
        listing = await client.list_tools()
        assert len(listing.tools) == EXPECTED_TOOLS
        workspaces = await call_ok(client, "fetchWorkspaces")
        assert [w["id"] for w in workspaces["workspaces"]] == [IT_WORKSPACE_ID]


async def test_legacy_sse_requires_authentication(seeded_server: SeededServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{seeded_server.url}/sse")
        assert response.status_code == 401
        assert "resource_metadata=" in response.headers["www-authenticate"]
        post = await http.post(f"{seeded_server.url}/messages/?session_id=abc", json={})
        assert post.status_code == 401


async def test_an_sse_session_only_takes_messages_from_its_owner(seeded_server: SeededServer) -> None:
    owner = {"Authorization": f"Bearer {seeded_server.agent_key}"}
    other = {"Authorization": f"Bearer {seeded_server.admin_key}"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with (
        httpx.AsyncClient(base_url=seeded_server.url, timeout=10) as http,
        http.stream("GET", "/sse", headers=owner) as stream,
    ):
        # Keep the line iterator referenced: a finalised iterator closes the stream (and the session).
        lines = stream.aiter_lines()
        endpoint = ""
        while not endpoint.startswith("/messages/"):
            endpoint = (await anext(lines)).removeprefix("data: ")
        stranger = await http.post(endpoint, json=ping, headers=other)
        assert stranger.status_code == 404
        accepted = await http.post(endpoint, json=ping, headers=owner)
        assert accepted.status_code == 202, accepted.text
