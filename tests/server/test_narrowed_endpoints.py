"""Narrowed endpoints: ``/mcp/readonly``, ``/mcp/x/{toolsets}``, ``/mcp/x/{toolsets}/readonly``
and the ``X-MCP-Toolsets`` / ``X-MCP-Readonly`` headers, through HTTP with API keys. The list
holds only the offered tools; a call to any other is a JSON-RPC error that counts against no
quota; the headers narrow ``/mcp`` and ``/sse`` alike and never widen a narrowed URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from sqlalchemy.engine import Engine

from domain import migrate
from domain.db import make_engine
from server.tools.registry import all_tool_specs
from tests.server.conftest import SeededServer
from tests.utils.databases import own_database_url
from tests.utils.mcp_calls import call_ok
from tests.utils.quotas import (
    ACCEPT,
    SettableClock,
    call,
    fresh_moment,
    make_account,
    post,
    quota_server,
    read_call,
)

SPECS = all_tool_specs()
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def tools_of(*toolsets: str, read_only: bool = False) -> set[str]:
    return {
        spec.name
        for spec in SPECS
        if (not toolsets or spec.toolset in toolsets) and not (read_only and spec.writes)
    }


async def listed(url: str, key: str, **headers: str) -> set[str]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}", **headers}, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,  # type: ignore[arg-type]
    ):
        return {tool.name for tool in (await client.list_tools()).tools}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/mcp", tools_of()),
        ("/mcp/readonly", tools_of(read_only=True)),
        ("/mcp/x/tickets", tools_of("tickets")),
        ("/mcp/x/assets,people", tools_of("assets", "people")),
        ("/mcp/x/solutions,catalog/readonly", tools_of("solutions", "catalog", read_only=True)),
    ],
)
async def test_each_endpoint_lists_exactly_its_tools(
    seeded_server: SeededServer, path: str, expected: set[str]
) -> None:
    assert expected and await listed(seeded_server.url + path, seeded_server.admin_key) == expected


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_tool_the_endpoint_does_not_offer_is_a_json_rpc_error(
    seeded_server: SeededServer, mode: str
) -> None:
    url = f"{seeded_server.url}/mcp/x/tickets/readonly"
    headers = {"Authorization": f"Bearer {seeded_server.agent_key}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        assert {tool.name for tool in (await client.list_tools()).tools} == tools_of(
            "tickets", read_only=True
        )
        tickets = await call_ok(client, "fetchTickets", {"per_page": 2})
        assert len(tickets["tickets"]) == 2
        for name in ("createTicket", "fetchAssets"):
            with pytest.raises(MCPError) as refused:
                await client.call_tool(name, {})
            assert refused.value.code == INVALID_PARAMS
            assert refused.value.message.startswith(f"The tool {name} is not available on this connection")
            assert "/mcp/x/tickets/readonly" in refused.value.message


async def test_headers_narrow_mcp_for_clients_that_cannot_change_the_url(seeded_server: SeededServer) -> None:
    url, key = seeded_server.url, seeded_server.admin_key
    narrowed = await listed(
        f"{url}/mcp", key, **{"X-MCP-Toolsets": "assets, catalog", "X-MCP-Readonly": "true"}
    )
    assert narrowed == tools_of("assets", "catalog", read_only=True)
    assert await listed(f"{url}/mcp", key, **{"X-MCP-Readonly": "false"}) == tools_of()
    # Headers never widen a narrowed URL: they intersect with it.
    assert await listed(
        f"{url}/mcp/x/tickets,assets/readonly", key, **{"X-MCP-Toolsets": "assets,people"}
    ) == (tools_of("assets", read_only=True))


async def test_headers_narrow_sse_too(seeded_server: SeededServer) -> None:
    headers = {"Authorization": f"Bearer {seeded_server.agent_key}", "X-MCP-Toolsets": "workspaces"}
    async with Client(sse_client(f"{seeded_server.url}/sse", headers=headers), mode="legacy") as client:  # type: ignore[arg-type]
        assert {tool.name for tool in (await client.list_tools()).tools} == tools_of("workspaces")
        await call_ok(client, "fetchWorkspaces")
        with pytest.raises(MCPError) as refused:
            await client.call_tool("fetchTickets", {})
        assert refused.value.code == INVALID_PARAMS
        assert "/sse with these X-MCP-Toolsets/X-MCP-Readonly headers offers only" in refused.value.message


@pytest.mark.parametrize(
    ("path", "offered", "refused"),
    [
        ("/sse/readonly", tools_of(read_only=True), "createTicket"),
        ("/sse/x/tickets", tools_of("tickets"), "fetchAssets"),
        (
            "/sse/x/workspaces,solutions/readonly",
            tools_of("workspaces", "solutions", read_only=True),
            "fetchTickets",
        ),
    ],
)
async def test_narrowed_sse_urls_offer_only_their_tools(
    seeded_server: SeededServer, path: str, offered: set[str], refused: str
) -> None:
    headers = {"Authorization": f"Bearer {seeded_server.agent_key}"}
    async with Client(sse_client(seeded_server.url + path, headers=headers), mode="legacy") as client:  # type: ignore[arg-type]
        assert {tool.name for tool in (await client.list_tools()).tools} == offered
        await call_ok(client, "fetchTickets" if "fetchTickets" in offered else "fetchWorkspaces", {})
        with pytest.raises(MCPError) as refusal:
            await client.call_tool(refused, {})
        assert refusal.value.code == INVALID_PARAMS
        assert f"{path} offers only the" in refusal.value.message
    async with httpx.AsyncClient(headers=headers) as http:
        unknown = await http.get(seeded_server.url + "/sse/x/bogus")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_endpoint"
    assert "the same under /sse" in unknown.json()["error_description"]


@pytest.mark.parametrize(
    ("path", "headers", "status", "error"),
    [
        ("/mcp/x/bogus", {}, 404, "unknown_endpoint"),
        ("/mcp/x/tickets,tickets", {}, 404, "unknown_endpoint"),
        ("/mcp/x/tickets/readonly/more", {}, 404, "unknown_endpoint"),
        ("/mcp", {"X-MCP-Toolsets": "tickets,bogus"}, 400, "invalid_request"),
        ("/mcp", {"X-MCP-Readonly": "maybe"}, 400, "invalid_request"),
        ("/mcp/x/tickets", {"X-MCP-Toolsets": "assets"}, 400, "invalid_request"),
    ],
)
def test_unknown_endpoints_and_unreadable_headers_are_refused_clearly(
    seeded_server: SeededServer, path: str, headers: dict[str, str], status: int, error: str
) -> None:
    response = httpx.post(
        seeded_server.url + path,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={**ACCEPT, "Authorization": f"Bearer {seeded_server.admin_key}", **headers},
    )
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.fixture(scope="module")
def quota_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("narrowed"), "narrowed"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def test_refused_calls_count_against_no_quota(quota_engine: Engine) -> None:
    account = make_account(quota_engine)
    clock = SettableClock(fresh_moment())
    with quota_server(quota_engine, "memory", clock, per_minute=1, per_month=100) as server:
        for request_id in range(3):
            refused = httpx.post(
                f"{server.url}/mcp/readonly",
                json=call(request_id, "createTicket", subject="x", email="a@example.test"),
                headers={**ACCEPT, "Authorization": f"Bearer {account.key}"},
            )
            assert refused.status_code == 200
            assert refused.json()["error"]["code"] == INVALID_PARAMS
            assert "ratelimit" not in refused.headers
            narrowed = post(
                server.url, account.key, call(10 + request_id, "fetchTickets"), **{"X-MCP-Toolsets": "people"}
            )
            assert narrowed.json()["error"]["code"] == INVALID_PARAMS
        assert server.minute_used() == 0
        assert post(server.url, account.key, read_call(20)).status_code == 200
        assert post(server.url, account.key, read_call(21)).status_code == 429


async def test_sse_messages_are_judged_by_the_endpoint_that_opened_the_session(quota_engine: Engine) -> None:
    """A POST to /messages/ runs in the session GET /sse opened: its X-MCP-* headers, not the
    POST's, decide what is refused and what counts (no quota bypass by sending other headers)."""
    account = make_account(quota_engine)
    auth = {"Authorization": f"Bearer {account.key}"}
    clock = SettableClock(fresh_moment())
    with quota_server(quota_engine, "memory", clock, per_minute=10, per_month=100) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            for opened_with, posted_with, counted in (
                ({"X-MCP-Toolsets": "people"}, {}, 0),
                ({}, {"X-MCP-Toolsets": "people"}, 1),
            ):
                before = server.minute_used()
                async with http.stream("GET", "/sse", headers={**auth, **opened_with}) as stream:
                    lines = stream.aiter_lines()  # referenced: a finalised iterator closes the session
                    endpoint = ""
                    while not endpoint.startswith("/messages/"):
                        endpoint = (await anext(lines)).removeprefix("data: ")
                    for message in (INITIALIZE, INITIALIZED, read_call(2)):
                        posted = await http.post(endpoint, json=message, headers={**auth, **posted_with})
                        assert posted.status_code == 202, posted.text
                    answers: dict[int, dict[str, Any]] = {}
                    while 2 not in answers:
                        line = await anext(lines)
                        if line.startswith("data: {"):
                            answer = json.loads(line.removeprefix("data: "))
                            answers[answer["id"]] = answer
                    assert "result" in answers[1]
                    refused = answers[2].get("error", {}).get("code") == INVALID_PARAMS
                    assert refused == (counted == 0), answers[2]
                assert server.minute_used() - before == counted
