"""Turning an authenticated agent into the ``Caller`` every service receives.

This runs on every ``/mcp`` request, so it is one Core query (the agent, if active, left-joined
to its workspaces: one row per workspace) with no ORM objects. The ``/mcp`` edge keeps the result
until the identity generation moves (``domain.freshness``): a deactivation, a role or a membership
change moves it, and applies on every worker within a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlmodel import Session

from domain.caller import Caller
from domain.people.models import Agent, AgentRole, AgentWorkspace

ALL_SCOPES = frozenset({"mcp:read", "mcp:write"})

AGENT = Agent.__table__.c  # type: ignore[attr-defined]
MEMBERSHIP = AgentWorkspace.__table__  # type: ignore[attr-defined]


def caller_select(*extra: Any) -> Select[Any]:
    """Agents with their workspace ids, one row per membership (``workspace_id`` NULL for none),
    then ``extra`` columns; the caller adds the joins and the ``where`` picking one active agent."""
    return select(AGENT.id, AGENT.email, AGENT.role, MEMBERSHIP.c.workspace_id, *extra).select_from(
        Agent.__table__.outerjoin(MEMBERSHIP, MEMBERSHIP.c.agent_id == AGENT.id)  # type: ignore[attr-defined]
    )


def caller_from_rows(rows: Sequence[Row[Any]], scopes: frozenset[str]) -> Caller | None:
    """The caller described by the rows of a ``caller_select`` for one agent, or None for none."""
    if not rows:
        return None
    agent = rows[0]
    return Caller(
        agent_id=agent.id,
        email=agent.email,
        is_admin=agent.role == AgentRole.admin,
        workspace_ids=frozenset(row.workspace_id for row in rows if row.workspace_id is not None),
        scopes=scopes,
    )


# Built once: constructing a statement costs more than running it on a hot path.
CALLER_BY_ID = caller_select().where(AGENT.id == bindparam("agent_id"), AGENT.active)


def load_caller(session: Session, *, agent_id: int, scopes: frozenset[str] = ALL_SCOPES) -> Caller | None:
    """The caller for an active agent or admin, or None if the account is gone or deactivated."""
    return caller_from_rows(session.execute(CALLER_BY_ID, {"agent_id": agent_id}).all(), scopes)
