"""Tool switches and the audit trail, seen by a real MCP client over HTTP (the SDK's client
against uvicorn, with the real quota gate): a disabled tool is gone from tools/list, refused by
name when called, and never counted by the quota gate; every call that reaches the SDK leaves
one audit row, a call the gate refuses leaves none, and a write commits only with its row."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from mcp import MCPError
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from auth.apikeys import create_api_key
from domain.audit.models import AuditEntry, Outcome
from domain.audit.service import ToolCallRecord
from domain.db import session_scope
from domain.tickets.models import Ticket
from domain.toolswitches.models import ToolSwitch
from domain.toolswitches.service import disable_tool, enable_tool
from domain.workspaces.models import Workspace
from server import audit as server_audit
from server.app import create_app
from server.quotas import current_usage
from server.quotas.gate import QUOTA_EXCEEDED
from server.settings import Settings, load_settings
from server.tools.registry import all_tool_specs
from tests.auth.fakes import FakeClock
from tests.utils.auth_factories import Person
from tests.utils.live import free_port, live_server, mcp_client
from tests.utils.mcp_calls import call_error, call_ok
from tests.utils.quotas import fresh_moment

KNOWN = {spec.name for spec in all_tool_specs()}
PER_MINUTE = 5


@dataclass(frozen=True)
class Server:
    url: str
    settings: Settings
    clock: FakeClock

    def used(self, engine: Engine) -> tuple[int, int]:
        """Calls counted this minute and this month."""
        usage = current_usage(self.settings, engine=engine, now=self.clock.now)
        return usage.minute.used, usage.month.used


@pytest.fixture
def server(app_database_url: str, engine: Engine, clock: FakeClock) -> Iterator[Server]:
    clock.now = fresh_moment()  # counters of a month no other test uses
    port = free_port()
    settings = load_settings(
        database_url=app_database_url,
        base_url=f"http://127.0.0.1:{port}",
        quota_per_minute=PER_MINUTE,
        quota_per_month=1000,
        quota_storage="database",  # the counts read back from another handle than the app's
    )
    with live_server(create_app(settings, engine=engine, clock=clock), port) as url:
        yield Server(url, settings, clock)
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
    server: Server, key: str, engine: Engine
) -> None:
    with session_scope(engine) as session:
        disable_tool(
            session=session, name="fetchWorkspaces", known=KNOWN, by="boss@example.test", now=FakeClock().now
        )
    async with mcp_client(server.url, key=key) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "fetchWorkspaces" not in names and len(names) == 33
        text = await call_error(client, "fetchWorkspaces", {})
        assert "fetchWorkspaces" in text and "disabled by an admin" in text
        assert server.used(engine) == (0, 0)  # refused without counting against the quota
        with session_scope(engine) as session:
            enable_tool(session=session, name="fetchWorkspaces", known=KNOWN)
        assert len((await client.list_tools()).tools) == 34
        await call_ok(client, "fetchWorkspaces")
    assert server.used(engine) == (1, 1)


async def test_every_call_that_reaches_the_tools_leaves_one_audit_row(
    server: Server, key: str, engine: Engine, admin: Person, clock: FakeClock
) -> None:
    async with mcp_client(server.url, key=key) as client:
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
    server: Server, key: str, engine: Engine, admin: Person
) -> None:
    async with mcp_client(server.url, key=key) as client:
        for _ in range(PER_MINUTE):
            await call_ok(client, "fetchWorkspaces")
        with pytest.raises(MCPError) as refused:
            await client.call_tool("createAsset", {"name": "Laptop", "asset_type": "laptop"})
    assert refused.value.error.code == QUOTA_EXCEEDED
    assert [row.tool for row in _entries(engine, admin.email)] == ["fetchWorkspaces"] * PER_MINUTE


async def test_a_write_commits_only_together_with_its_audit_row(
    server: Server, key: str, engine: Engine, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9.10: the audit row is part of the write's transaction, so an audit log that cannot
    be written leaves no unaudited ticket behind (and the client learns the call failed)."""

    def audit_storage_down(*, session: Session, call: ToolCallRecord) -> None:
        raise OperationalError("INSERT INTO audit_entry", {}, Exception("disk I/O error"))

    subject = f"audited-{uuid.uuid4().hex[:8]}"
    with session_scope(engine) as session:
        workspace = Workspace(name=subject)
        session.add(workspace)
        session.flush()
        workspace_id = workspace.id
    arguments = {
        "subject": subject,
        "email": "audit-requester@example.test",
        "description": "x",
        "workspace_id": workspace_id,
    }
    async with mcp_client(server.url, key=key) as client:
        with monkeypatch.context() as patch:
            patch.setattr(server_audit, "record_call", audit_storage_down)
            text = await call_error(client, "createTicket", arguments)
        assert "internal error" in text and "disk I/O" not in text and "INSERT" not in text
        assert _ticket_ids(engine, subject) == []
        created = await call_ok(client, "createTicket", arguments)
    assert _ticket_ids(engine, subject) == [created["id"]]
    assert [(row.tool, row.outcome) for row in _entries(engine, admin.email)] == [
        ("createTicket", Outcome.ok)
    ]


def _ticket_ids(engine: Engine, subject: str) -> list[int | None]:
    with session_scope(engine) as session:
        return list(session.exec(select(Ticket.id).where(Ticket.subject == subject)))
