"""The usage counters behind tool-call quotas, and the report built from them.

One table holds every counter: a row is one ``granularity`` (minute or month), one ``period``
of it (``2026-11-24T10:14`` or ``2026-11``), one ``scope`` (the whole account, one user, one
tool) and one ``subject`` within the scope (empty for the account, the agent id, the tool
name). Quotas apply to the account rows; the user and tool rows are for reporting.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from domain.types import enum_type


class Granularity(enum.StrEnum):
    minute = "minute"
    month = "month"


class UsageScope(enum.StrEnum):
    account = "account"
    user = "user"
    tool = "tool"


class UsageCounter(SQLModel, table=True):
    __tablename__ = "usage_counter"
    __table_args__ = {"info": {"helpdesk_data": False}}  # not seeded or reset: quotas outlive a reseed
    granularity: Granularity = Field(
        sa_column=Column(enum_type(Granularity, "usage_granularity"), primary_key=True)
    )
    period: str = Field(primary_key=True, max_length=16)
    scope: UsageScope = Field(sa_column=Column(enum_type(UsageScope, "usage_scope"), primary_key=True))
    subject: str = Field(default="", primary_key=True, max_length=200)
    count: int = Field(default=0)


class QuotaWindowUsage(BaseModel):
    """Calls in the current window against its limit; ``used`` is None when no process can tell."""

    granularity: Granularity
    period: str
    used: int | None
    limit: int | None
    remaining: int | None
    resets_at: datetime


class UserUsage(BaseModel):
    agent_id: int
    email: str | None
    calls: int


class ToolUsage(BaseModel):
    tool: str
    calls: int


class UsageReport(BaseModel):
    """Tool calls of the account this minute and this month, and the month's calls per user and tool."""

    as_of: datetime
    minute: QuotaWindowUsage
    month: QuotaWindowUsage
    by_user: list[UserUsage]
    by_tool: list[ToolUsage]
