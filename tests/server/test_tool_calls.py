"""The stateless path of ``tools/call`` (``server.tool_calls``) answers exactly as the SDK would.

Two servers on two identically seeded databases: one as shipped, one with every ``tools/call``
routed through the SDK (``stateless_tool_calls=False``, the reference). The same transcript of raw
HTTP requests goes to both, in the same order, and every answer must be the same: status, headers
that matter, and JSON body (key order aside; timestamps of today masked, as the two runs create records a few
milliseconds apart). The transcript covers every tool (reads and writes, so records created on
one side get the same ids on the other), bad arguments, an unknown tool, a switched-off tool, a
narrowed URL refusing a tool, and every protocol revision from no header (2025-03-26) to 2026-07-28.

A spy on ``ToolCalls.run`` proves the shipped server took the stateless path (and the reference
did not), so the comparison cannot pass by both sides running the SDK.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from auth.apikeys import create_api_key
from domain import migrate
from domain.db import make_engine, session_scope
from domain.toolswitches.service import disable_tool
from seed import seed_database
from seed.demo import ADMIN_EMAIL
from server.app import create_app
from server.mcp_endpoint import McpEndpoint
from server.settings import load_settings
from server.tool_calls import ToolCalls
from server.tools.registry import all_tool_specs
from tests.server.conftest import SeededServer
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server

SCALE = 0.02
HANDSHAKE_VERSIONS = (None, "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
MODERN = "2026-07-28"
DISABLED_TOOL = "fetchSolutionCategories"


@dataclass(frozen=True)
class Side:
    url: str
    key: str


@contextmanager
def _side(tmp: Path, suffix: str, *, stateless: bool) -> Iterator[Side]:
    url = own_database_url(tmp, suffix)
    engine: Engine = make_engine(url)
    migrate.upgrade(engine)
    seed_database(engine, scale=SCALE)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        _, key = create_api_key(session, email=ADMIN_EMAIL, name="diff")
        names = [spec.name for spec in all_tool_specs()]
        disable_tool(session=session, name=DISABLED_TOOL, known=names, by="test", now=now)
    port = free_port()
    settings = load_settings(
        database_url=url, base_url=f"http://127.0.0.1:{port}", quota_per_minute=0, quota_per_month=0
    )
    app = create_app(settings, engine=engine, stateless_tool_calls=stateless)
    try:
        with live_server(app, port) as served:
            yield Side(served, key)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side]]:
    tmp = tmp_path_factory.mktemp("diff")
    with ExitStack() as stack:
        shipped = stack.enter_context(_side(tmp, "diff_stateless", stateless=True))
        reference = stack.enter_context(_side(tmp, "diff_sdk", stateless=False))
        yield shipped, reference


class Transcript:
    """Sends each call to both sides and compares the answers; remembers the shipped side's."""

    def __init__(self, shipped: Side, reference: Side) -> None:
        self.sides = (shipped, reference)
        self.count = 0

    def call(
        self, name: str, arguments: Any = None, *, version: str | None = "2025-11-25", path: str = "/mcp"
    ) -> dict[str, Any]:
        self.count += 1
        params: dict[str, Any] = {"name": name}
        if arguments is not None:
            params["arguments"] = arguments
        headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        if version is not None:
            headers["mcp-protocol-version"] = version
        if version == MODERN:
            params["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {},
            }
            headers |= {"mcp-method": "tools/call", "mcp-name": name}
        body = {"jsonrpc": "2.0", "id": self.count, "method": "tools/call", "params": params}
        answers = []
        for side in self.sides:
            response = httpx.post(
                side.url + path, json=body, headers={**headers, "authorization": f"Bearer {side.key}"}
            )
            answers.append(
                (response.status_code, response.headers.get("content-type"), _masked(response.text))
            )
        where = f"{name} {arguments} at {version} {path}"
        assert answers[0][:2] == answers[1][:2], where
        same = json.loads(answers[0][2]) == json.loads(answers[1][2])  # key order is not meaning
        assert same, f"{where}: {_difference(answers[0][2], answers[1][2])}"
        decoded: dict[str, Any] = json.loads(answers[0][2])
        return decoded

    def structured(self, name: str, arguments: Any = None) -> dict[str, Any]:
        answer = self.call(name, arguments)
        assert "result" in answer and not answer["result"].get("isError"), answer
        structured: dict[str, Any] = answer["result"]["structuredContent"]
        return structured


def _difference(shipped: str, reference: str) -> str:
    """Where two JSON bodies first differ, and how."""

    def walk(a: Any, b: Any, path: str) -> str | None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() | b.keys()):
                found = walk(a.get(key), b.get(key), f"{path}.{key}")
                if found:
                    return found
            return None
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            return next(
                (f for i, (x, y) in enumerate(zip(a, b, strict=True)) if (f := walk(x, y, f"{path}[{i}]"))),
                None,
            )
        return None if a == b else f"{path}: stateless {a!r} != sdk {b!r}"

    return walk(json.loads(shipped), json.loads(reference), "") or "no difference"


def _masked(text: str) -> str:
    """The body with today's timestamps (records created by the transcript) masked."""
    today = datetime.now(UTC).date().isoformat()
    return re.sub(rf"{today}[T ][0-9:.]+(Z|\+00:00)?", "<now>", text)


@pytest.fixture(scope="module")
def spied(sides: tuple[Side, Side]) -> Iterator[list[str]]:
    seen: list[str] = []
    original = ToolCalls.run

    def run(self: ToolCalls, request: Any, call: Any, disabled: frozenset[str]) -> tuple[int, bytes]:
        seen.append(call.name)
        return original(self, request, call, disabled)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ToolCalls, "run", run)
        yield seen


def test_every_tool_answers_as_the_sdk_would(sides: tuple[Side, Side], spied: list[str]) -> None:
    t = Transcript(*sides)
    tickets = t.structured("fetchTickets", {"per_page": 2})
    ticket_id = tickets["tickets"][0]["id"]
    t.call("fetchTickets", {"per_page": 3, "cursor": tickets["next_cursor"], "fields": ["subject"]})
    t.call("fetchTicket", {"ticket_id": ticket_id})
    requester = t.structured("fetchRequesters", {"per_page": 2})["requesters"][0]
    t.call("fetchRequester", {"requester_id": requester["id"]})
    agent = t.structured("fetchAgents", {"per_page": 2})["agents"][0]
    t.call("fetchAgent", {"agent_id": agent["id"]})
    created = t.structured("createTicket", {"subject": "Monitor flickers", "requester_id": requester["id"]})
    t.call("updateTicket", {"ticket_id": created["id"], "status": "pending"})
    t.call("createTicketNote", {"ticket_id": created["id"], "body": "Replaced the cable."})
    asset = t.structured("fetchAssets", {"per_page": 2})["assets"][0]
    t.call("fetchAsset", {"display_id": asset["display_id"]})
    new_asset = t.structured("createAsset", {"name": "Dell U2723QE", "asset_type": "monitor"})
    t.call("updateAsset", {"display_id": new_asset["display_id"], "state": "in_use"})
    t.call("fetchOnboardingRequestForm")
    t.call("fetchOffboardingRequests", {"per_page": 2})
    t.call("fetchServiceCatalogItems", {"per_page": 2})
    item = t.structured("fetchServiceCatalogItemSearch", {"search_term": "laptop"})["items"][0]
    t.call("fetchServiceCatalogItem", {"item_id": item["id"]})
    t.call("fetchWorkspaces")
    articles = t.structured("fetchSolutionArticleSearch", {"search_term": "password"})
    article = articles["articles"][0]
    t.call("fetchSolutionArticle", {"article_id": article["id"]})
    folder_id = article["folder_id"]
    t.call("fetchSolutionFolder", {"folder_id": folder_id})
    t.call("fetchSolutionArticles", {"folder_id": folder_id, "per_page": 2})
    # Refusals a model reads: bad arguments, unknown records and tools, a tool switched off.
    t.call("fetchTicket", {"ticket_id": 0})
    t.call("fetchTicket", {"ticket_id": 999_999})
    t.call("fetchTicket", {"bogus": 1})
    t.call("fetchTicket")
    t.call("fetchTickets", {"fields": ["nope"]})
    t.call("notATool", {})
    t.call(DISABLED_TOOL, {})
    assert {"fetchTicket", "createTicket", "notATool", DISABLED_TOOL} <= set(spied)
    assert len(spied) == t.count, "the reference side must not take the stateless path"


@pytest.mark.parametrize("version", [*HANDSHAKE_VERSIONS, MODERN])
def test_every_protocol_revision_gets_the_same_shape(
    sides: tuple[Side, Side], spied: list[str], version: str | None
) -> None:
    t = Transcript(*sides)
    t.call("fetchTickets", {"per_page": 1}, version=version)
    ticket_id = t.structured("fetchTickets", {"per_page": 1})["tickets"][0]["id"]
    t.call("fetchTicket", {"ticket_id": ticket_id}, version=version)
    t.call("createTicketNote", {"ticket_id": ticket_id, "body": "Checked again."}, version=version)
    t.call("fetchTicket", {"ticket_id": -1}, version=version)
    t.call("notATool", {}, version=version)
    # The read-only URL offers no write tool: a JSON-RPC error, as for an unknown tool.
    t.call("createTicketNote", {"ticket_id": ticket_id, "body": "x"}, version=version, path="/mcp/readonly")
    assert spied, "the stateless path answered nothing"


def test_a_call_checks_out_one_database_connection(seeded_server: SeededServer) -> None:
    """Authentication, the quota, the tool and a write's audit row share the call's one session."""
    checkouts: list[bool] = []

    def checked_out(*_: Any) -> None:
        """True for a checkout made by a tool call (the audit buffer's flushes are not)."""
        frame = sys._getframe()
        while frame is not None and frame.f_code is not McpEndpoint._run_call.__code__:
            frame = frame.f_back  # type: ignore[assignment]
        checkouts.append(frame is not None)

    event.listen(seeded_server.engine, "checkout", checked_out)
    try:
        calls = [
            ("fetchTickets", {"per_page": 2}),
            ("fetchTicket", {"ticket_id": 1}),
            ("createTicketNote", {"ticket_id": 1, "body": "One connection."}),
            ("fetchTicket", {"ticket_id": 999_999}),
        ]
        for number, (name, arguments) in enumerate(calls, start=1):
            checkouts.clear()
            response = httpx.post(
                f"{seeded_server.url}/mcp",
                json={
                    "jsonrpc": "2.0",
                    "id": number,
                    "method": "tools/call",
                    "params": {"name": name, "arguments": arguments},
                },
                headers={
                    "authorization": f"Bearer {seeded_server.agent_key}",
                    "content-type": "application/json",
                    "accept": "application/json, text/event-stream",
                },
            )
            assert response.status_code == 200, response.text
            assert checkouts.count(True) == 1, (name, checkouts)
    finally:
        event.remove(seeded_server.engine, "checkout", checked_out)
