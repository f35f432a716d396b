"""Workspaces partition an account: agents belong to some, most records live in exactly one."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.types import timestamp_column, utcnow


class WorkspaceBase(SQLModel):
    name: str = Field(max_length=120, sa_column_kwargs={"unique": True})
    description: str = Field(default="", max_length=2000)
    is_default: bool = False


class Workspace(WorkspaceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class WorkspacePublic(WorkspaceBase):
    id: int
    created_at: datetime


class WorkspacesPublic(PageInfo):
    workspaces: list[WorkspacePublic]


class WorkspaceRef(BaseModel):
    id: int
    name: str
