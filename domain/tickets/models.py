"""Tickets (incidents and service requests) and their notes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.records import Record
from domain.types import enum_column, json_column, timestamp_column, utcnow


class TicketStatus(enum.StrEnum):
    open = "open"
    pending = "pending"
    resolved = "resolved"
    closed = "closed"


class TicketPriority(enum.StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class TicketSource(enum.StrEnum):
    email = "email"
    portal = "portal"
    phone = "phone"
    chat = "chat"
    walkup = "walkup"
    slack = "slack"
    api = "api"


class TicketType(enum.StrEnum):
    incident = "incident"
    service_request = "service_request"


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_workspace_id_id", "workspace_id", "id"),
        Index("ix_ticket_status_id", "status", "id"),
        # Filters lists combine (an agent's workspaces and a status, a status and a priority):
        # with these, a page and its bounded count read only index entries at any table size.
        Index("ix_ticket_status_priority_id", "status", "priority", "id"),
        Index("ix_ticket_workspace_id_status_id", "workspace_id", "status", "id"),
        Index("ix_ticket_updated_at_id", "updated_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=255)
    description: str = Field(default="", max_length=65535)
    status: TicketStatus = Field(sa_column=enum_column(TicketStatus, "ticket_status"))
    priority: TicketPriority = Field(sa_column=enum_column(TicketPriority, "ticket_priority", index=True))
    source: TicketSource = Field(sa_column=enum_column(TicketSource, "ticket_source"))
    type: TicketType = Field(sa_column=enum_column(TicketType, "ticket_type", index=True))
    requester_id: int = Field(foreign_key="requester.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="agent_group.id", index=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    due_by: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    catalog_item_id: int | None = Field(default=None, foreign_key="catalog_item.id", index=True)
    catalog_fields: dict[str, Any] | None = Field(default=None, sa_column=json_column(nullable=True))
    offboarding_request_id: int | None = Field(default=None, foreign_key="offboarding_request.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class TicketNote(SQLModel, table=True):
    __tablename__ = "ticket_note"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    body: str = Field(max_length=65535)
    private: bool = True
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    requester_id: int | None = Field(default=None, foreign_key="requester.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class TicketNotePublic(Record):
    id: int
    ticket_id: int
    body: str
    private: bool
    agent_id: int | None
    requester_id: int | None
    created_at: datetime


class PersonRef(Record):
    id: int
    email: str
    name: str


class TicketPublic(Record):
    id: int
    subject: str
    description: str
    status: TicketStatus
    priority: TicketPriority
    source: TicketSource
    type: TicketType
    requester_id: int
    agent_id: int | None
    group_id: int | None
    workspace_id: int
    due_by: datetime | None
    tags: list[str]
    catalog_item_id: int | None
    offboarding_request_id: int | None
    created_at: datetime
    updated_at: datetime


class TicketDetail(TicketPublic):
    """One ticket with what a person reading it needs: notes, requester and agent."""

    catalog_fields: dict[str, Any] | None
    requester: PersonRef
    agent: PersonRef | None
    notes: list[TicketNotePublic]


class TicketsPublic(PageInfo):
    tickets: list[TicketPublic]


class TicketCreate(SQLModel):
    subject: str
    description: str = ""
    email: str | None = None
    requester_id: int | None = None
    priority: TicketPriority = TicketPriority.low
    status: TicketStatus = TicketStatus.open
    source: TicketSource = TicketSource.api
    type: TicketType = TicketType.incident
    agent_id: int | None = None
    group_id: int | None = None
    workspace_id: int | None = None
    due_by: datetime | None = None
    tags: list[str] = []


class TicketUpdate(SQLModel):
    """Every field optional: only the fields given are changed."""

    subject: str | None = None
    description: str | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    source: TicketSource | None = None
    type: TicketType | None = None
    agent_id: int | None = None
    group_id: int | None = None
    workspace_id: int | None = None
    due_by: datetime | None = None
    tags: list[str] | None = None


class TicketFilter(SQLModel):
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    type: TicketType | None = None
    agent_id: int | None = None
    requester_id: int | None = None
    group_id: int | None = None
    workspace_id: int | None = None
    updated_since: datetime | None = None
