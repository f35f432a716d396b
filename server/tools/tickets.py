"""Ticket tools: list, read, create, update, and add notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from domain.tickets import service
from domain.tickets.models import (
    TicketCreate,
    TicketDetail,
    TicketNotePublic,
    TicketPriority,
    TicketPublic,
    TicketSource,
    TicketsPublic,
    TicketStatus,
    TicketType,
    TicketUpdate,
)
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import (
    MAX_INT,
    Cursor,
    Page,
    PerPage,
    ShownFields,
    UpdatedSince,
    WorkspaceFilter,
    given_and_cleared,
)

TOOLS = Toolset("tickets")

TicketId = Annotated[int, Field(ge=1, le=MAX_INT, description="The ticket's id.")]
Subject = Annotated[str, Field(min_length=1, max_length=255, description="One-line summary of the issue.")]
Description = Annotated[
    str, Field(max_length=65535, description="Full description (plain text or simple HTML).")
]
AgentId = Annotated[int | None, Field(ge=1, le=MAX_INT, description="Agent to assign (see fetchAgents).")]
GroupId = Annotated[
    int | None, Field(ge=1, le=MAX_INT, description="Agent group to assign, in the ticket's workspace.")
]
DueBy = Annotated[
    datetime | None, Field(description="Due date, ISO 8601 with a zone, e.g. 2026-07-01T17:00:00Z.")
]
Tags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(max_length=20, description="Short labels, e.g. ['vpn', 'vip']."),
]
ClearableField = Literal["agent_id", "group_id", "due_by"]


@tool(TOOLS, name="fetchTickets", title="List tickets")
def fetch_tickets(
    status: Annotated[TicketStatus | None, Field(description="Only tickets in this status.")] = None,
    priority: Annotated[TicketPriority | None, Field(description="Only tickets of this priority.")] = None,
    type: Annotated[TicketType | None, Field(description="incident or service_request.")] = None,
    agent_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Only tickets assigned to this agent.")
    ] = None,
    requester_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Only tickets raised by this requester.")
    ] = None,
    group_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Only tickets assigned to this group.")
    ] = None,
    workspace_id: WorkspaceFilter = None,
    updated_since: UpdatedSince = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> TicketsPublic:
    """List and filter tickets (incidents and service requests): open, urgent, assigned to an
    agent or group, raised by a requester, in a workspace, or updated since a time. Oldest first, with
    a short description each. To read one ticket in full, use fetchTicket."""
    with unit_of_work() as uow:
        return service.list_tickets(
            session=uow.session,
            caller=uow.caller,
            status=status,
            priority=priority,
            type=type,
            agent_id=agent_id,
            requester_id=requester_id,
            group_id=group_id,
            workspace_id=workspace_id,
            updated_since=updated_since,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchTicket", title="Get a ticket")
def fetch_ticket(ticket_id: TicketId) -> TicketDetail:
    """Get one ticket by its number (ticket_id) to read it in full or see the latest on it:
    its fields, the requester and every note and reply (its history), oldest first. To find tickets
    by status, priority or person, use fetchTickets."""
    with unit_of_work() as uow:
        return service.get_ticket(session=uow.session, caller=uow.caller, ticket_id=ticket_id)


@tool(TOOLS, name="createTicket", title="Create a ticket", writes=True)
def create_ticket(
    subject: Subject,
    description: Description = "",
    email: Annotated[
        str | None,
        Field(max_length=254, description="Requester's email; an unknown address creates a new requester."),
    ] = None,
    requester_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Requester's id (instead of email).")
    ] = None,
    priority: Annotated[TicketPriority, Field(description="Priority (default low).")] = TicketPriority.low,
    status: Annotated[TicketStatus, Field(description="Initial status (default open).")] = TicketStatus.open,
    source: Annotated[
        TicketSource, Field(description="Channel it came through (default api).")
    ] = TicketSource.api,
    type: Annotated[TicketType, Field(description="Default incident.")] = TicketType.incident,
    agent_id: AgentId = None,
    group_id: GroupId = None,
    workspace_id: Annotated[
        int | None,
        Field(
            ge=1, le=MAX_INT, description="Workspace for the ticket; defaults to your (default) workspace."
        ),
    ] = None,
    due_by: DueBy = None,
    tags: Tags | None = None,
) -> TicketPublic:
    """Log or open a new ticket for something a user reported (an incident or a service
    request), given their email or requester_id; an unknown email adds them as a requester. To change
    an existing ticket, use updateTicket."""
    ticket_in = TicketCreate(
        subject=subject,
        description=description,
        email=email,
        requester_id=requester_id,
        priority=priority,
        status=status,
        source=source,
        type=type,
        agent_id=agent_id,
        group_id=group_id,
        workspace_id=workspace_id,
        due_by=due_by,
        tags=tags or [],
    )
    with unit_of_work() as uow:
        return service.create_ticket(session=uow.session, caller=uow.caller, ticket_in=ticket_in)


@tool(TOOLS, name="updateTicket", title="Update a ticket", writes=True, idempotent=True)
def update_ticket(
    ticket_id: TicketId,
    subject: Annotated[str | None, Field(min_length=1, max_length=255, description="New subject.")] = None,
    description: Annotated[str | None, Field(max_length=65535, description="New description.")] = None,
    status: Annotated[TicketStatus | None, Field(description="New status.")] = None,
    priority: Annotated[TicketPriority | None, Field(description="New priority.")] = None,
    source: Annotated[TicketSource | None, Field(description="New source.")] = None,
    type: Annotated[TicketType | None, Field(description="New type.")] = None,
    agent_id: AgentId = None,
    group_id: GroupId = None,
    due_by: DueBy = None,
    tags: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]] | None,
        Field(max_length=20, description="Replaces all tags."),
    ] = None,
    clear_fields: Annotated[
        list[ClearableField],
        Field(
            max_length=3,
            description="Fields to empty: 'agent_id' unassigns the agent, 'group_id' the "
            "group, 'due_by' removes the due date.",
        ),
    ] = [],  # noqa: B006 - pydantic copies defaults
) -> TicketPublic:
    """Change an existing ticket: its status (e.g. resolve or close it once fixed), priority,
    the agent or group it is assigned to, due date, tags, subject or description. Only the fields you
    pass change; list a field in clear_fields to unassign. To add a note, use createTicketNote."""
    changes = {
        "subject": subject,
        "description": description,
        "status": status,
        "priority": priority,
        "source": source,
        "type": type,
        "agent_id": agent_id,
        "group_id": group_id,
        "due_by": due_by,
        "tags": tags,
    }
    update = TicketUpdate(**given_and_cleared(changes, clear_fields))
    with unit_of_work() as uow:
        return service.update_ticket(
            session=uow.session, caller=uow.caller, ticket_id=ticket_id, changes=update
        )


@tool(TOOLS, name="createTicketNote", title="Add a note to a ticket", writes=True)
def create_ticket_note(
    ticket_id: TicketId,
    body: Annotated[str, Field(min_length=1, max_length=65535, description="The note's text.")],
    private: Annotated[
        bool,
        Field(
            description="Private notes are visible to agents only (default); public ones to the requester."
        ),
    ] = True,
) -> TicketNotePublic:
    """Add a note to a ticket, or a reply to the requester, written as you: private for
    agents (default) or public (private=false). Use it to record findings and steps taken; to change
    the ticket's status or assignee, use updateTicket."""
    with unit_of_work() as uow:
        return service.create_ticket_note(
            session=uow.session, caller=uow.caller, ticket_id=ticket_id, body=body, private=private
        )
