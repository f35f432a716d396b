"""Small tools for quota tests: a read, a write whose effect a test can look for, and a failure."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import func, select

from domain.errors import InvalidField
from domain.workspaces.models import Workspace
from server.context import unit_of_work
from server.tools.base import ToolSpec, tool

TOOLS: list[ToolSpec] = []


class MarkerCount(BaseModel):
    count: int


class Marker(BaseModel):
    id: int
    name: str


@tool(TOOLS, name="countMarkers", title="Count markers")
def count_markers(prefix: str) -> MarkerCount:
    """Use this tool to count the workspaces whose name starts with prefix."""
    with unit_of_work() as work:
        statement = select(func.count()).select_from(Workspace).where(Workspace.name.startswith(prefix))  # type: ignore[attr-defined]
        return MarkerCount(count=work.session.exec(statement).one())


@tool(TOOLS, name="createMarker", title="Create marker", writes=True)
def create_marker(name: str) -> Marker:
    """Use this tool to create a workspace called name."""
    with unit_of_work() as work:
        row = Workspace(name=name)
        work.session.add(row)
        work.session.flush()
        assert row.id is not None
        return Marker(id=row.id, name=row.name)


@tool(TOOLS, name="failMarker", title="Fail")
def fail_marker(reason: str) -> Marker:
    """Use this tool to get an error back."""
    raise InvalidField("reason", reason)
