"""Workspace tools."""

from __future__ import annotations

from domain.workspaces import service
from domain.workspaces.models import WorkspacesPublic
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import Cursor, Page, PerPage, ShownFields

TOOLS = Toolset("workspaces")


@tool(TOOLS, name="fetchWorkspaces", title="List workspaces")
def fetch_workspaces(
    fields: ShownFields = None, page: Page = 1, per_page: PerPage = 30, cursor: Cursor = None
) -> WorkspacesPublic:
    """List the workspaces you can see (e.g. IT, HR, Facilities). Use it to find a
    workspace_id to filter lists by or to create records in."""
    with unit_of_work() as uow:
        return service.list_workspaces(
            session=uow.session, caller=uow.caller, page=page, per_page=per_page, cursor=cursor
        )
