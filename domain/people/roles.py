"""Agent roles, apart from the table models so that the command line can offer them as choices
without importing SQLModel (``helpdesk-mcp --help`` must start fast)."""

from __future__ import annotations

import enum


class AgentRole(enum.StrEnum):
    admin = "admin"
    agent = "agent"
