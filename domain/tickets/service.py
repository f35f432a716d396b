"""Tickets and their notes: the hot paths (list, fetch) and the writes that keep them consistent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from domain.caller import Caller, ensure_visible, scope_to_caller
from domain.checks import aware_utc, bounded_text, clean_tags, coerce_enum, required_text
from domain.errors import InvalidField, NotFound
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.people.models import Agent, AgentRole, AgentWorkspace, Group, Requester
from domain.people.service import requester_for_email
from domain.tickets.models import (
    PersonRef,
    Ticket,
    TicketCreate,
    TicketDetail,
    TicketNote,
    TicketNotePublic,
    TicketPriority,
    TicketPublic,
    TicketSource,
    TicketsPublic,
    TicketStatus,
    TicketType,
    TicketUpdate,
)
from domain.types import utcnow
from domain.workspaces.service import resolve_workspace_id

SUBJECT_MAX = 255
BODY_MAX = 65535

_ENUM_FIELDS: dict[str, Any] = {
    "status": TicketStatus,
    "priority": TicketPriority,
    "source": TicketSource,
    "type": TicketType,
}


def list_tickets(
    *,
    session: Session,
    caller: Caller,
    status: TicketStatus | str | None = None,
    priority: TicketPriority | str | None = None,
    type: TicketType | str | None = None,
    agent_id: int | None = None,
    requester_id: int | None = None,
    group_id: int | None = None,
    workspace_id: int | None = None,
    updated_since: datetime | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> TicketsPublic:
    """Tickets the caller can see, by id ascending, filtered by the fields given (two queries)."""
    statement = scope_to_caller(select(Ticket), Ticket.workspace_id, caller).order_by(col(Ticket.id))
    if status is not None:
        statement = statement.where(Ticket.status == coerce_enum(TicketStatus, status, field="status"))
    if priority is not None:
        statement = statement.where(
            Ticket.priority == coerce_enum(TicketPriority, priority, field="priority")
        )
    if type is not None:
        statement = statement.where(Ticket.type == coerce_enum(TicketType, type, field="type"))
    if agent_id is not None:
        statement = statement.where(Ticket.agent_id == agent_id)
    if requester_id is not None:
        statement = statement.where(Ticket.requester_id == requester_id)
    if group_id is not None:
        statement = statement.where(Ticket.group_id == group_id)
    if workspace_id is not None:
        statement = statement.where(Ticket.workspace_id == workspace_id)
    if updated_since is not None:
        statement = statement.where(col(Ticket.updated_at) >= aware_utc(updated_since, field="updated_since"))
    rows, info = paginate(session, statement, page=page, per_page=per_page)
    return TicketsPublic(tickets=[TicketPublic.model_validate(row) for row in rows], **info.model_dump())


def get_ticket(*, session: Session, caller: Caller, ticket_id: int) -> TicketDetail:
    """One ticket with every note (callers are agents: they see private notes), in two queries."""
    statement = (
        select(Ticket, Requester, Agent)
        .join(Requester, col(Requester.id) == Ticket.requester_id)
        .outerjoin(Agent, col(Agent.id) == Ticket.agent_id)
        .where(Ticket.id == ticket_id)
    )
    row = session.exec(statement).first()
    if row is None:
        raise NotFound("ticket", "ticket_id", ticket_id)
    ticket, requester, agent = row
    ensure_visible(caller, ticket.workspace_id, "ticket", "ticket_id", ticket_id)
    notes = session.exec(
        select(TicketNote).where(TicketNote.ticket_id == ticket_id).order_by(col(TicketNote.id))
    ).all()
    return TicketDetail.model_validate(
        ticket,
        update={
            "requester": _person_ref(requester),
            "agent": _person_ref(agent) if agent is not None else None,
            "notes": [TicketNotePublic.model_validate(note) for note in notes],
        },
    )


def create_ticket(*, session: Session, caller: Caller, ticket_in: TicketCreate) -> TicketPublic:
    """Create a ticket in a workspace the caller belongs to.

    The requester is given as ``requester_id`` or ``email`` (exactly one). An email nobody has
    yet creates the requester, as helpdesks do for mail from a new sender (see
    ``requester_for_email``). Without ``workspace_id`` the ticket goes to the caller's workspace
    (see ``resolve_workspace_id``). An agent must belong to that workspace, a group must be in it.
    """
    if ticket_in.email is None and ticket_in.requester_id is None:
        raise InvalidField("requester_id", "is required: give the requester as requester_id or as email.")
    if ticket_in.email is not None and ticket_in.requester_id is not None:
        raise InvalidField("email", "give the requester as requester_id or as email, not both.")
    workspace_id = resolve_workspace_id(session=session, caller=caller, workspace_id=ticket_in.workspace_id)
    if ticket_in.agent_id is not None:
        _check_assignable_agent(session, ticket_in.agent_id, workspace_id)
    if ticket_in.group_id is not None:
        _check_group(session, ticket_in.group_id, workspace_id)
    fields = {
        "subject": required_text(ticket_in.subject, field="subject", max_length=SUBJECT_MAX),
        "description": bounded_text(ticket_in.description, field="description", max_length=BODY_MAX),
        **{
            name: coerce_enum(cls, getattr(ticket_in, name), field=name) for name, cls in _ENUM_FIELDS.items()
        },
        "due_by": aware_utc(ticket_in.due_by, field="due_by") if ticket_in.due_by is not None else None,
        "tags": clean_tags(ticket_in.tags),
    }
    if ticket_in.requester_id is not None:
        if session.get(Requester, ticket_in.requester_id) is None:
            raise InvalidField("requester_id", f"there is no requester {ticket_in.requester_id}.")
        requester_id = ticket_in.requester_id
    else:
        requester_id = _id(requester_for_email(session=session, email=ticket_in.email or "").id)
    now = utcnow()
    ticket = Ticket(
        **fields,
        requester_id=requester_id,
        agent_id=ticket_in.agent_id,
        group_id=ticket_in.group_id,
        workspace_id=workspace_id,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    return TicketPublic.model_validate(ticket)


def update_ticket(*, session: Session, caller: Caller, ticket_id: int, changes: TicketUpdate) -> TicketPublic:
    """Change only the fields given in ``changes``; ``agent_id``/``group_id``/``due_by`` may be null.

    Moving to another ``workspace_id`` requires belonging to it, and the ticket's agent and group
    (new or kept) must fit the new workspace.
    """
    ticket = _visible_ticket(session, caller, ticket_id)
    given = changes.model_dump(exclude_unset=True)
    if not given:
        return TicketPublic.model_validate(ticket)
    for name in ("subject", "description", "tags", "workspace_id", *_ENUM_FIELDS):
        if name in given and given[name] is None:
            allowed = [member.value for member in _ENUM_FIELDS[name]] if name in _ENUM_FIELDS else None
            raise InvalidField(name, "cannot be null.", allowed)
    if "workspace_id" in given:
        given["workspace_id"] = resolve_workspace_id(
            session=session, caller=caller, workspace_id=given["workspace_id"]
        )
    workspace_id = given.get("workspace_id", ticket.workspace_id)
    moved = workspace_id != ticket.workspace_id
    agent_id = given.get("agent_id", ticket.agent_id)
    if agent_id is not None and ("agent_id" in given or moved):
        _check_assignable_agent(session, agent_id, workspace_id)
    group_id = given.get("group_id", ticket.group_id)
    if group_id is not None and ("group_id" in given or moved):
        _check_group(session, group_id, workspace_id)
    if "subject" in given:
        given["subject"] = required_text(given["subject"], field="subject", max_length=SUBJECT_MAX)
    if "description" in given:
        given["description"] = bounded_text(given["description"], field="description", max_length=BODY_MAX)
    for name, cls in _ENUM_FIELDS.items():
        if name in given:
            given[name] = coerce_enum(cls, given[name], field=name)
    if given.get("due_by") is not None:
        given["due_by"] = aware_utc(given["due_by"], field="due_by")
    if "tags" in given:
        given["tags"] = clean_tags(given["tags"])
    for name, value in given.items():
        setattr(ticket, name, value)
    ticket.updated_at = utcnow()
    session.add(ticket)
    session.flush()
    return TicketPublic.model_validate(ticket)


def create_ticket_note(
    *, session: Session, caller: Caller, ticket_id: int, body: str, private: bool = True
) -> TicketNotePublic:
    """Add a note by the calling agent (private unless said otherwise); the ticket counts as updated."""
    ticket = _visible_ticket(session, caller, ticket_id)
    note = TicketNote(
        ticket_id=ticket_id,
        body=required_text(body, field="body", max_length=BODY_MAX),
        private=private,
        agent_id=caller.agent_id,
    )
    ticket.updated_at = note.created_at
    session.add_all([note, ticket])
    session.flush()
    return TicketNotePublic.model_validate(note)


def _visible_ticket(session: Session, caller: Caller, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket", "ticket_id", ticket_id)
    ensure_visible(caller, ticket.workspace_id, "ticket", "ticket_id", ticket_id)
    return ticket


def _check_assignable_agent(session: Session, agent_id: int, workspace_id: int) -> None:
    """An assignee must be an active agent who can see the ticket: an admin or a member."""
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise InvalidField("agent_id", f"there is no active agent {agent_id}.")
    if agent.role != AgentRole.admin and session.get(AgentWorkspace, (agent_id, workspace_id)) is None:
        raise InvalidField(
            "agent_id", f"agent {agent_id} does not belong to workspace {workspace_id}, the ticket's."
        )


def _check_group(session: Session, group_id: int, workspace_id: int) -> None:
    group = session.get(Group, group_id)
    if group is None or group.workspace_id != workspace_id:
        raise InvalidField("group_id", f"there is no group {group_id} in workspace {workspace_id}.")


def _person_ref(person: Agent | Requester) -> PersonRef:
    name = f"{person.first_name} {person.last_name}".strip()
    return PersonRef(id=_id(person.id), email=person.email, name=name)


def _id(value: int | None) -> int:
    if value is None:
        raise RuntimeError("a stored row has no id")  # flushed rows always have one
    return value
