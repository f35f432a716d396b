"""Factories for domain rows: each adds one row (plus its links), flushes, and returns it.

Names and emails are numbered so rows never collide; tests roll back, so numbers need not be
unique across runs. Pass any column as a keyword to override the default.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.assets.models import Asset, AssetState, AssetType
from domain.caller import Caller
from domain.people.identity import load_caller
from domain.people.models import Agent, AgentGroup, AgentRole, AgentWorkspace, Group, Requester
from domain.tickets.models import Ticket, TicketNote, TicketPriority, TicketSource, TicketStatus, TicketType
from domain.workspaces.models import Workspace

_numbers = count(1)


def _number() -> int:
    return next(_numbers)


def _saved(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def make_workspace(session: Session, **fields: Any) -> Workspace:
    fields.setdefault("name", f"Workspace {_number()}")
    return _saved(session, Workspace(**fields))


def make_group(session: Session, *, workspace: Workspace, **fields: Any) -> Group:
    fields.setdefault("name", f"Group {_number()}")
    return _saved(session, Group(workspace_id=workspace.id, **fields))


def make_agent(
    session: Session,
    *,
    role: AgentRole | str = AgentRole.agent,
    workspaces: Iterable[Workspace] = (),
    groups: Iterable[Group] = (),
    **fields: Any,
) -> Agent:
    number = _number()
    fields.setdefault("email", f"agent{number}@example.com")
    fields.setdefault("first_name", "Agent")
    fields.setdefault("last_name", str(number))
    agent = _saved(session, Agent(role=AgentRole(role), **fields))
    for workspace in workspaces:
        session.add(AgentWorkspace(agent_id=agent.id, workspace_id=workspace.id))
    for group in groups:
        session.add(AgentGroup(agent_id=agent.id, group_id=group.id))
    session.flush()
    return agent


def make_requester(session: Session, **fields: Any) -> Requester:
    number = _number()
    fields.setdefault("email", f"requester{number}@example.com")
    fields.setdefault("first_name", "Requester")
    fields.setdefault("last_name", str(number))
    return _saved(session, Requester(**fields))


def make_ticket(
    session: Session,
    *,
    workspace: Workspace,
    requester: Requester | None = None,
    agent: Agent | None = None,
    group: Group | None = None,
    **fields: Any,
) -> Ticket:
    requester = requester or make_requester(session)
    fields.setdefault("subject", f"Ticket {_number()}")
    fields.setdefault("status", TicketStatus.open)
    fields.setdefault("priority", TicketPriority.low)
    fields.setdefault("source", TicketSource.email)
    fields.setdefault("type", TicketType.incident)
    ticket = Ticket(
        workspace_id=workspace.id,
        requester_id=requester.id,
        agent_id=agent.id if agent else None,
        group_id=group.id if group else None,
        **fields,
    )
    return _saved(session, ticket)


def make_note(session: Session, *, ticket: Ticket, agent: Agent | None = None, **fields: Any) -> TicketNote:
    fields.setdefault("body", f"Note {_number()}")
    return _saved(session, TicketNote(ticket_id=ticket.id, agent_id=agent.id if agent else None, **fields))


def make_asset(session: Session, *, workspace: Workspace, **fields: Any) -> Asset:
    if "display_id" not in fields:
        highest = session.exec(select(func.max(col(Asset.display_id)))).one()
        fields["display_id"] = (highest or 0) + 1
    fields.setdefault("name", f"Asset {_number()}")
    fields.setdefault("asset_type", AssetType.laptop)
    fields.setdefault("state", AssetState.in_stock)
    return _saved(session, Asset(workspace_id=workspace.id, **fields))


def caller_for(session: Session, agent: Agent) -> Caller:
    """The caller a credential of ``agent`` resolves to."""
    assert agent.id is not None
    caller = load_caller(session, agent_id=agent.id)
    assert caller is not None, "inactive agents have no caller"
    return caller
