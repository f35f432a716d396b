"""The audit log of tool calls, and the per-day counts kept after its rows expire.

One ``AuditEntry`` per ``tools/call`` that reached the MCP server: who (the agent, and the
credential — an API key prefix or an OAuth grant — it came through), which tool, a summary of
the arguments with secrets and long text cut (``domain.audit.summary``), the outcome and how long
it took. Rows live for ``HELPDESK_AUDIT_RETENTION_DAYS``; before they are deleted their day's
counts move to ``AuditDailyCount`` so the month's usage chart outlives the detail.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.records import Record
from domain.types import enum_column, timestamp_column


class Outcome(enum.StrEnum):
    ok = "ok"
    error = "error"


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = {"info": {"helpdesk_data": False}}  # not seeded or reset
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=timestamp_column(index=True))
    # No foreign key: the trail must outlive the agent. The email is the one at call time.
    agent_id: int | None = None
    agent_email: str = Field(default="", max_length=254, index=True)
    credential_kind: str = Field(max_length=16, description="api_key, oauth or none (loopback).")
    credential: str = Field(max_length=64, description="hdk_<key id>, oauth_grant:<id> or loopback.")
    tool: str = Field(max_length=100, index=True)
    arguments: str = Field(default="", max_length=1000, description="JSON summary, secrets removed.")
    outcome: Outcome = Field(sa_column=enum_column(Outcome, "audit_outcome"))
    error: str | None = Field(default=None, max_length=300)
    duration_ms: int = 0


class AuditDailyCount(SQLModel, table=True):
    """Tool calls of one UTC day whose audit rows have been deleted (retention)."""

    __tablename__ = "audit_daily_count"
    __table_args__ = {"info": {"helpdesk_data": False}}  # not seeded or reset
    day: str = Field(primary_key=True, max_length=10, description="YYYY-MM-DD (UTC).")
    calls: int = 0
    errors: int = 0


class AuditEntryPublic(Record):
    id: int
    at: datetime
    agent_id: int | None
    agent_email: str
    credential_kind: str
    credential: str
    tool: str
    arguments: str
    outcome: Outcome
    error: str | None
    duration_ms: int


class AuditEntriesPublic(PageInfo):
    """Newest first. ``upto_id`` pins the pages: pass it back and new calls do not shift them."""

    upto_id: int | None
    entries: list[AuditEntryPublic]


class DayCount(Record):
    day: str
    calls: int
    errors: int
