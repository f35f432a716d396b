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
from server.tools.params import Page, PerPage, ShownFields, UpdatedSince, WorkspaceFilter, given_and_cleared

TOOLS = Toolset("tickets")

TicketId = Annotated[int, Field(ge=1, description="The ticket's id.")]
Subject = Annotated[str, Field(min_length=1, max_length=255, description="One-line summary of the issue.")]
Description = Annotated[
    str, Field(max_length=65535, description="Full description (plain text or simple HTML).")
]
AgentId = Annotated[int | None, Field(ge=1, description="Agent to assign (see fetchAgents).")]
GroupId = Annotated[int | None, Field(ge=1, description="Agent group to assign, in the ticket's workspace.")]
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
    agent_id: Annotated[int | None, Field(ge=1, description="Only tickets assigned to this agent.")] = None,
    requester_id: Annotated[
        int | None, Field(ge=1, description="Only tickets raised by this requester.")
    ] = None,
    group_id: Annotated[int | None, Field(ge=1, description="Only tickets assigned to this group.")] = None,
    workspace_id: WorkspaceFilter = None,
    updated_since: UpdatedSince = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
) -> TicketsPublic:
    """List tickets (incidents and service requests) you can see, oldest first, filtered by status,
    priority, type, assignee, requester, group, workspace or last update. Use this tool to find tickets
    to work on; use fetchTicket for one ticket's notes. Descriptions are included; notes are not."""
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
        )


@tool(TOOLS, name="fetchTicket", title="Get a ticket")
def fetch_ticket(ticket_id: TicketId) -> TicketDetail:
    """Get one ticket by id with everything needed to work on it: its fields, the requester, the
    assigned agent, and all notes (private and public) oldest first."""
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
    requester_id: Annotated[int | None, Field(ge=1, description="Requester's id (instead of email).")] = None,
    priority: Annotated[TicketPriority, Field(description="Priority.")] = TicketPriority.low,
    status: Annotated[TicketStatus, Field(description="Initial status.")] = TicketStatus.open,
    source: Annotated[
        TicketSource, Field(description="Channel the request came through.")
    ] = TicketSource.api,
    type: Annotated[TicketType, Field(description="incident or service_request.")] = TicketType.incident,
    agent_id: AgentId = None,
    group_id: GroupId = None,
    workspace_id: Annotated[
        int | None, Field(ge=1, description="Workspace for the ticket; defaults to your (default) workspace.")
    ] = None,
    due_by: DueBy = None,
    tags: Tags | None = None,
) -> TicketPublic:
    """Create a ticket on behalf of a requester, given by email or requester_id (exactly one). Use this
    tool to log an incident or a request someone reported; returns the new ticket with its id."""
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
    """Change a ticket's fields: status, priority, assignee (agent_id, group_id), due date, tags, subject
    or description. Only the fields you pass change. To unassign, list the field in clear_fields."""
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
    """Add a note to a ticket, written as you. Notes are private (agents only) unless private is false.
    Use this tool to record findings, steps taken or a reply summary on a ticket."""
    with unit_of_work() as uow:
        return service.create_ticket_note(
            session=uow.session, caller=uow.caller, ticket_id=ticket_id, body=body, private=private
        )
