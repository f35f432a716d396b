"""A read tool's unit of work is never committed; a write tool's is, with its audit row.

On SQLite the stateless ``/mcp`` path leaves a read-only tool's transaction open and lets the
call's session roll it back when the call ends (cheaper than a commit); on PostgreSQL it runs the
tool's statements in autocommit, each in a read-only transaction (no BEGIN/ROLLBACK round trips),
so the server refuses a write. These tools try to change a workspace's name: the one declared
``writes=True`` keeps the change, the read-only one does not (on SQLite it answers as if it had,
on PostgreSQL it answers the server's refusal), and both calls are audited, with audit rows
batched as ``serve`` does and written one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from pydantic import Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain import migrate
from domain.audit.models import AuditEntry
from domain.db import make_engine
from domain.workspaces.models import Workspace, WorkspacePublic
from server.app import create_app
from server.context import unit_of_work
from server.settings import load_settings
from server.tools.base import Toolset, tool
from server.tools.registry import all_tool_specs
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server
from tests.utils.quotas import call, make_account, post

SCRIBBLES = Toolset("workspaces")


def _rename(workspace_id: int, name: str) -> WorkspacePublic:
    with unit_of_work() as uow:
        workspace = uow.session.get(Workspace, workspace_id)
        assert workspace is not None
        workspace.name = name
        uow.session.flush()
        return WorkspacePublic.model_validate(workspace)


@tool(SCRIBBLES, name="renameAsRead", title="Rename, declared read-only")
def rename_as_read(
    workspace_id: Annotated[int, Field(description="Workspace.")],
    name: Annotated[str, Field(description="Name.")],
) -> WorkspacePublic:
    """Test tool: renames a workspace although it is declared read-only."""
    return _rename(workspace_id, name)


@tool(SCRIBBLES, name="renameAsWrite", title="Rename, declared a write", writes=True)
def rename_as_write(
    workspace_id: Annotated[int, Field(description="Workspace.")],
    name: Annotated[str, Field(description="Name.")],
) -> WorkspacePublic:
    """Test tool: renames a workspace."""
    return _rename(workspace_id, name)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("reads"), "read_only_calls"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("batch_milliseconds", [250, 0])
def test_only_a_write_tool_keeps_what_it_changed(engine: Engine, batch_milliseconds: int) -> None:
    account = make_account(engine)
    port = free_port()
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        base_url=f"http://127.0.0.1:{port}",
        audit_batch_milliseconds=batch_milliseconds,
        quota_per_minute=0,
        quota_per_month=0,
    )
    app = create_app(settings, engine=engine, tool_specs=[*all_tool_specs(), *SCRIBBLES])
    with live_server(app, port) as base:
        for name, tool_name in (
            (f"renamed by a read {account.email}", "renameAsRead"),
            (f"renamed by a write {account.email}", "renameAsWrite"),
        ):
            answer = post(base, account.key, call(1, tool_name, workspace_id=account.workspace_id, name=name))
            result = answer.json()["result"]
            if tool_name == "renameAsRead" and engine.dialect.name == "postgresql":
                # Its statements run in autocommit, each a read-only transaction: the write fails.
                assert result.get("isError"), result
                assert "internal error" in result["content"][0]["text"], result
            else:
                assert not result.get("isError"), result
                assert result["structuredContent"]["name"] == name
            with Session(engine) as session:
                stored = session.get(Workspace, account.workspace_id)
                assert stored is not None
                kept = stored.name
            assert kept == (name if tool_name == "renameAsWrite" else f"Quota {account.email}")
    with Session(engine) as session:
        audited = session.exec(
            select(AuditEntry.tool)
            .where(AuditEntry.agent_email == account.email)
            .order_by(col(AuditEntry.id))
        ).all()
    # (a batched read's row is written after the write's, which rides in the write's transaction)
    assert sorted(audited) == ["renameAsRead", "renameAsWrite"]
