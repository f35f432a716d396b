"""Tools an admin has switched off for the whole account.

A row means "disabled": enabling a tool deletes its row, so the table stays as small as the set
of disabled tools and reading it on every MCP request is one tiny query.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.freshness import IDENTITY
from domain.records import Record
from domain.types import timestamp_column


class ToolSwitch(SQLModel, table=True):
    __tablename__ = "tool_switch"
    # Not seeded or reset; writes move the identity generation (domain.freshness).
    __table_args__ = {"info": {"helpdesk_data": False, **IDENTITY}}
    tool: str = Field(primary_key=True, max_length=100)
    disabled_at: datetime = Field(sa_column=timestamp_column())
    # Who switched it off; no foreign key, so removing that admin keeps the switch.
    disabled_by: str = Field(default="", max_length=254)


class ToolState(Record):
    """One tool as the console and the CLI list it."""

    name: str
    title: str
    description: str
    writes: bool
    enabled: bool
    disabled_at: datetime | None = None
    disabled_by: str | None = None
