"""Agent and requester tools."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.people import service
from domain.people.models import AgentPublic, AgentRole, AgentsPublic, RequesterPublic, RequestersPublic
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import MAX_INT, Cursor, Page, PerPage, ShownFields, WorkspaceFilter

TOOLS = Toolset("people")

AgentId = Annotated[int, Field(ge=1, le=MAX_INT, description="The agent's id.")]
RequesterId = Annotated[int, Field(ge=1, le=MAX_INT, description="The requester's id.")]
Email = Annotated[str | None, Field(max_length=254, description="Exact email address (case-insensitive).")]
NameSearch = Annotated[
    str | None, Field(max_length=200, description="Part of a first name, last name or email.")
]


@tool(TOOLS, name="fetchAgents", title="List agents")
def fetch_agents(
    role: Annotated[AgentRole | None, Field(description="Only admins or only agents.")] = None,
    active: Annotated[
        bool | None, Field(description="Only active (true) or deactivated (false) agents.")
    ] = None,
    workspace_id: WorkspaceFilter = None,
    group_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Only members of this agent group.")
    ] = None,
    email: Email = None,
    search_term: NameSearch = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> AgentsPublic:
    """List the service desk team: agents and admins with their groups and workspaces,
    filtered by role, group, active or a name or email search. Use it to find whom to assign a ticket
    to; for requesters, use fetchRequesters."""
    with unit_of_work() as uow:
        return service.list_agents(
            session=uow.session,
            caller=uow.caller,
            role=role,
            active=active,
            workspace_id=workspace_id,
            group_id=group_id,
            email=email,
            search_term=search_term,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchAgent", title="Get an agent")
def fetch_agent(agent_id: AgentId) -> AgentPublic:
    """Get one agent or admin by agent_id: name, email, role, groups and workspaces. To search
    agents, use fetchAgents."""
    with unit_of_work() as uow:
        return service.get_agent(session=uow.session, caller=uow.caller, agent_id=agent_id)


@tool(TOOLS, name="fetchRequesters", title="List requesters")
def fetch_requesters(
    email: Email = None,
    department: Annotated[str | None, Field(max_length=200, description="Exact department name.")] = None,
    active: Annotated[bool | None, Field(description="Only active (true) or deactivated (false).")] = None,
    search_term: NameSearch = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> RequestersPublic:
    """Find requesters: the employees and end users who raise tickets and hold assets,
    searched by name or email, or by department or active. Use it to look up a requester_id; for
    support staff, use fetchAgents."""
    with unit_of_work() as uow:
        return service.list_requesters(
            session=uow.session,
            caller=uow.caller,
            email=email,
            department=department,
            active=active,
            search_term=search_term,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchRequester", title="Get a requester")
def fetch_requester(requester_id: RequesterId) -> RequesterPublic:
    """Get one requester's profile by requester_id: name, email, job title, department,
    phone and location. For a search, use fetchRequesters."""
    with unit_of_work() as uow:
        return service.get_requester(session=uow.session, caller=uow.caller, requester_id=requester_id)
