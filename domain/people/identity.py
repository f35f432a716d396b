"""Turning an authenticated agent into the ``Caller`` every service receives."""

from __future__ import annotations

from sqlmodel import Session, select

from domain.caller import Caller
from domain.people.models import Agent, AgentRole, AgentWorkspace

ALL_SCOPES = frozenset({"mcp:read", "mcp:write"})


def load_caller(session: Session, *, agent_id: int, scopes: frozenset[str] = ALL_SCOPES) -> Caller | None:
    """The caller for an active agent or admin, or None if the account is gone or deactivated."""
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active or agent.id is None:
        return None
    workspace_ids = frozenset(
        session.exec(select(AgentWorkspace.workspace_id).where(AgentWorkspace.agent_id == agent.id)).all()
    )
    return Caller(
        agent_id=agent.id,
        email=agent.email,
        is_admin=agent.role == AgentRole.admin,
        workspace_ids=workspace_ids,
        scopes=scopes,
    )
