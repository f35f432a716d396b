"""Agents (admins and agents, who may connect) and requesters (end users, who may not)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, func, literal_column
from sqlmodel import Field, SQLModel

from domain.freshness import IDENTITY
from domain.pagination import PageInfo
from domain.people.roles import AgentRole as AgentRole  # re-exported: most code imports it from here
from domain.types import enum_column, timestamp_column, utcnow


class Group(SQLModel, table=True):
    __tablename__ = "agent_group"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class AgentBase(SQLModel):
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    first_name: str = Field(max_length=120)
    last_name: str = Field(default="", max_length=120)
    job_title: str = Field(default="", max_length=200)
    active: bool = True


class Agent(AgentBase, table=True):
    __table_args__ = {"info": IDENTITY}  # writes move the identity generation (domain.freshness)
    id: int | None = Field(default=None, primary_key=True)
    role: AgentRole = Field(sa_column=enum_column(AgentRole, "agent_role"))
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class AgentWorkspace(SQLModel, table=True):
    __tablename__ = "agent_workspace"
    __table_args__ = {"info": IDENTITY}  # writes move the identity generation (domain.freshness)
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspace.id", primary_key=True, index=True, ondelete="CASCADE")


class AgentGroup(SQLModel, table=True):
    __tablename__ = "agent_group_member"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="agent_group.id", primary_key=True, index=True, ondelete="CASCADE")


class AgentPublic(AgentBase):
    id: int
    role: AgentRole
    workspace_ids: list[int]
    group_ids: list[int]
    created_at: datetime
    updated_at: datetime


class AgentsPublic(PageInfo):
    agents: list[AgentPublic]


class RequesterBase(SQLModel):
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    first_name: str = Field(max_length=120)
    last_name: str = Field(default="", max_length=120)
    job_title: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200, index=True)
    phone: str = Field(default="", max_length=50)
    location: str = Field(default="", max_length=200)
    active: bool = True


class Requester(RequesterBase, table=True):
    # Emails are matched ignoring case (people type them as they like); this index serves that.
    __table_args__ = (Index("ix_requester_email_lower", func.lower(literal_column("email"))),)
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class RequesterPublic(RequesterBase):
    id: int
    created_at: datetime
    updated_at: datetime


class RequestersPublic(PageInfo):
    requesters: list[RequesterPublic]
