"""What ``helpdesk-mcp serve`` writes, read from the real server's output: one line per request
with its request id and the tool call's facts, JSON lines throughout with HELPDESK_LOG_FORMAT=json,
and never a credential, even one a client put in the URL (``/mcp?api_key=…``: uvicorn's access log
wrote whole URLs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.utils.served import Served, serve

REQUEST_ID = "trace-4711"
ACCEPT_BOTH = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


async def _traffic(served: Served, key: str) -> httpx2.Response:
    """A key in the URL, then a tool call through the SDK client with a request id."""
    async with httpx2.AsyncClient(timeout=30) as plain:
        in_url = await plain.post(f"{served.url}/mcp?api_key={key}", json={})
    headers = {"Authorization": f"Bearer {key}", "X-Request-Id": REQUEST_ID}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(f"{served.url}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
    ):
        result = await client.call_tool("fetchWorkspaces", {})
        assert not result.is_error
    return in_url


def _request_lines(served: Served, key: str) -> list[str]:
    text = served.log.read_text()
    # hdk_<lookup prefix>_<secret>: the secret may itself hold "_", so split off the two fields only.
    secret = key.split("_", 2)[-1]
    assert key not in text and secret not in text, "a secret reached the log"
    return [line for line in text.splitlines() if "helpdesk.request" in line]


async def test_json_logs_carry_the_tool_call_and_never_the_key(tmp_path: Path) -> None:
    with serve(tmp_path, env={"HELPDESK_LOG_FORMAT": "json"}) as served:
        key = served.api_key()
        in_url = await _traffic(served, key)
        served.wait_for("the tool call's line", lambda: '"tool": "fetchWorkspaces"' in served.log.read_text())
        lines = _request_lines(served, key)
        entries: list[dict[str, Any]] = [json.loads(line) for line in served.log.read_text().splitlines()]

    assert in_url.status_code == 401 and in_url.headers["x-request-id"]
    assert {"time", "level", "logger", "message"} <= set(entries[0]), "the start-up line is JSON too"
    refused = next(e for e in entries if e.get("status") == 401)
    assert refused["path"] == "/mcp" and "api_key" not in json.dumps(refused)
    call = next(e for e in entries if e.get("tool") == "fetchWorkspaces")
    assert call["request_id"] == REQUEST_ID
    assert call["outcome"] == "ok" and call["status"] == 200 and call["method"] == "POST"
    assert call["credential"].startswith("hdk_") and isinstance(call["agent_id"], int)
    assert call["duration_ms"] >= 0 and call["client"] == "127.0.0.1"
    assert lines


async def test_text_logs_are_one_line_per_request_without_the_key(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        key = served.api_key()
        await _traffic(served, key)
        served.wait_for("the tool call's line", lambda: "tool=fetchWorkspaces" in served.log.read_text())
        lines = _request_lines(served, key)

    call = next(line for line in lines if "tool=fetchWorkspaces" in line)
    assert f"request_id={REQUEST_ID}" in call and "outcome=ok" in call and "path=/mcp " in call
    assert not any("api_key" in line for line in lines)


@pytest.mark.parametrize("sent", ["not a token!", "x" * 200])
def test_an_unusable_request_id_is_replaced(sent: str) -> None:
    from server.requestlog import request_id_of

    made = request_id_of([(b"x-request-id", sent.encode())])

    assert made != sent and len(made) == 16
    assert request_id_of([(b"x-request-id", b"abc-123")]) == "abc-123"


FORGED = "2026-12-04T00:00:00.000Z INFO helpdesk.request: request status=200 forged=yes"


async def test_what_a_client_sends_cannot_start_a_line_of_its_own_nor_fill_one(tmp_path: Path) -> None:
    """A tool name or a path with a line break in it stays on its request's line, escaped; a tool
    name of megabytes (a body may be that big) is cut."""
    made_up = "nope\n" + FORGED + "\x1b[2J" + "y" * 200_000
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": made_up}}
    with serve(tmp_path) as served:
        async with httpx2.AsyncClient(timeout=30) as plain:
            refused = await plain.post(f"{served.url}/mcp", json=call, headers=ACCEPT_BOTH)
            missing = await plain.get(f"{served.url}/nowhere%0A{FORGED.replace(' ', '%20')}")
        served.wait_for("both requests' lines", lambda: "status=404" in served.log.read_text())
        text = served.log.read_text()

    assert refused.status_code == 401 and missing.status_code == 404
    lines = text.splitlines()
    assert not [line for line in lines if line.startswith(FORGED[:24])], "a client's text began a log line"
    tool_line = next(line for line in lines if "status=401" in line and "tool=" in line)
    assert "tool=nope\\n" + FORGED[:59] + "… outcome=refused_auth" in tool_line  # 64 characters of it
    assert "\x1b" not in text and len(tool_line) < 500
    path_line = next(line for line in lines if "status=404" in line)
    assert "path=/nowhere\\n2026-12-04T00:00:00.000Z INFO" in path_line
