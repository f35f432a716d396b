"""Workspace tools."""

from __future__ import annotations

from domain.workspaces import service
from domain.workspaces.models import WorkspacesPublic
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import Cursor, Page, PerPage

TOOLS = Toolset("workspaces")


@tool(TOOLS, name="fetchWorkspaces", title="List workspaces")
def fetch_workspaces(page: Page = 1, per_page: PerPage = 30, cursor: Cursor = None) -> WorkspacesPublic:
    """List the workspaces you can see (an agent: the ones it belongs to; an admin: all). Use this tool
    to find a workspace_id for filtering tickets, assets or knowledge-base content, or for creating
    records in a specific workspace."""
    with unit_of_work() as uow:
        return service.list_workspaces(
            session=uow.session, caller=uow.caller, page=page, per_page=per_page, cursor=cursor
        )
