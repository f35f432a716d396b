"""The usage counters behind tool-call quotas, and the report built from them.

One table holds every counter: a row is one ``granularity`` (minute or month), one ``period``
of it (``2026-11-24T10:14`` or ``2026-11``), one ``scope`` (the whole account, one user, one
tool) and one ``subject`` within the scope (empty for the account, the agent id, the tool
name). Quotas apply to the account rows and, when per-user quotas are on, to the user rows; the
tool rows are for reporting. ``UserQuota`` holds an admin's limit for one user, in place of the
per-user default of the settings.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from domain.freshness import IDENTITY
from domain.types import enum_type, timestamp_column


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


class UserQuota(SQLModel, table=True):
    """An admin's per-user limits for one agent; None keeps the setting's default (0 = no limit)."""

    __tablename__ = "user_quota"
    # An operator's setting: not seeded or reset. Servers keep the overrides in memory; a write
    # moves the identity generation, which tells them to read them again (domain.freshness).
    __table_args__ = {"info": {"helpdesk_data": False, **IDENTITY}}
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, ondelete="CASCADE")
    per_minute: int | None = None
    per_month: int | None = None
    updated_at: datetime = Field(sa_column=timestamp_column())


class QuotaWindowUsage(BaseModel):
    """Calls in the current window against its limit; ``used`` is None when no process can tell."""

    granularity: Granularity
    period: str
    used: int | None
    limit: int | None
    remaining: int | None
    resets_at: datetime


class UserUsage(BaseModel):
    """One user's calls this month (and this minute, when per-user minutes are counted) against the
    user's limits (None: no limit)."""

    agent_id: int
    email: str | None
    calls: int
    month_limit: int | None = None
    minute_calls: int | None = None
    minute_limit: int | None = None
    overridden: bool = False


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
