"""Tool switches and the audit trail, seen by a real MCP client over HTTP (the SDK's client
against uvicorn): a disabled tool is gone from tools/list, refused by name when called, and
never counted by the quota gate; every call that reaches the SDK leaves one audit row, and a
call the gate refuses leaves none."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from auth.apikeys import create_api_key
from domain.audit.models import AuditEntry, Outcome
from domain.db import session_scope
from domain.toolswitches.models import ToolSwitch
from domain.toolswitches.service import disable_tool, enable_tool
from server.app import create_app
from server.context import McpRequest
from server.mcp_endpoint import Refused
from server.mcp_messages import ToolCall
from server.settings import load_settings
from server.tools.registry import all_tool_specs
from tests.auth.fakes import FakeClock
from tests.utils.auth_factories import Person
from tests.utils.live import live_server, mcp_client
from tests.utils.mcp_calls import call_error, call_ok

PORT = 8911
KNOWN = {spec.name for spec in all_tool_specs()}


@dataclass
class RecordingGate:
    """Stands in for the quota gate: records what it was asked to admit; may refuse everything."""

    refuse: bool = False
    admitted: list[str] = field(default_factory=list)

    def admit(self, request: McpRequest, calls: list[ToolCall]) -> dict[str, str]:
        if self.refuse:
            raise Refused(429, {"error": "quota_exceeded"}, {"retry-after": "60"})
        self.admitted.extend(call.name for call in calls)
        return {}


@pytest.fixture
def gate() -> RecordingGate:
    return RecordingGate()


@pytest.fixture
def server(app_database_url: str, engine: Engine, gate: RecordingGate, clock: FakeClock) -> Iterator[str]:
    settings = load_settings(database_url=app_database_url, base_url=f"http://127.0.0.1:{PORT}")
    with live_server(create_app(settings, engine=engine, gate=gate, clock=clock), PORT) as url:
        yield url
    with session_scope(engine) as session:
        session.execute(delete(ToolSwitch))


@pytest.fixture
def key(engine: Engine, admin: Person) -> str:
    with session_scope(engine) as session:
        _, value = create_api_key(session, email=admin.email, name="switch tests")
    return value


def _entries(engine: Engine, email: str) -> list[AuditEntry]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.agent_email == email).order_by(col(AuditEntry.id))
            )
        )


async def test_disabled_tool_vanishes_from_the_list_and_is_refused_by_name(
    server: str, key: str, engine: Engine, gate: RecordingGate
) -> None:
    with session_scope(engine) as session:
        disable_tool(
            session=session, name="fetchWorkspaces", known=KNOWN, by="boss@example.test", now=FakeClock().now
        )
    async with mcp_client(server, key=key) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "fetchWorkspaces" not in names and len(names) == 33
        text = await call_error(client, "fetchWorkspaces", {})
        assert "fetchWorkspaces" in text and "disabled by an admin" in text
        assert gate.admitted == []  # refused without counting against the quota
        with session_scope(engine) as session:
            enable_tool(session=session, name="fetchWorkspaces", known=KNOWN)
        assert len((await client.list_tools()).tools) == 34
        await call_ok(client, "fetchWorkspaces")
    assert gate.admitted == ["fetchWorkspaces"]


async def test_every_call_that_reaches_the_tools_leaves_one_audit_row(
    server: str, key: str, engine: Engine, admin: Person, clock: FakeClock
) -> None:
    async with mcp_client(server, key=key) as client:
        await call_ok(client, "fetchWorkspaces", {"per_page": 5})
        await call_error(client, "fetchTicket", {"ticket_id": 987654321})
        await call_error(client, "fetchTickets", {"per_page": 5, "not_a_parameter": "x"})
        await client.list_tools()  # not a tool call: no row
    rows = _entries(engine, admin.email)
    assert [(row.tool, row.outcome) for row in rows] == [
        ("fetchWorkspaces", Outcome.ok),
        ("fetchTicket", Outcome.error),
        ("fetchTickets", Outcome.error),
    ]
    first, missing, invalid = rows
    assert first.credential_kind == "api_key" and first.credential == key[: len("hdk_") + 12]
    assert first.agent_id == admin.id and first.at == clock.now
    assert first.arguments == '{"per_page": 5}' and first.error is None and first.duration_ms >= 0
    assert missing.error is not None and "987654321" in missing.error
    assert invalid.error is not None and "not_a_parameter" in invalid.error


async def test_a_call_refused_by_the_quota_gate_leaves_no_audit_row(
    server: str, key: str, engine: Engine, admin: Person, gate: RecordingGate
) -> None:
    gate.refuse = True
    async with mcp_client(server, key=key) as client:
        with pytest.raises(Exception):  # noqa: B017 - the SDK client surfaces the 429 as an error
            await client.call_tool("createAsset", {"name": "Laptop", "asset_type": "laptop"})
    assert _entries(engine, admin.email) == []
