"""What onboarding, offboarding and catalog requests share: whom a request is for, which
workspace it lands in, and the service-request tickets it opens.

Tickets are written here directly, with the few fields a request decides, rather than through
the ticket service, so that the two can be built independently; they follow the same rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.caller import Caller, scope_to_caller
from domain.errors import InvalidField, NotFound
from domain.people.models import Requester
from domain.tickets.models import Ticket, TicketPriority, TicketSource, TicketStatus, TicketType
from domain.workspaces.models import Workspace


def find_requester(
    session: Session,
    *,
    requester_id: int | None,
    email: str | None,
    id_field: str = "requester_id",
    email_field: str = "email",
) -> Requester:
    """The requester given by id or by email (either, or both if they agree)."""
    by_id = by_email = None
    if requester_id is not None:
        by_id = session.get(Requester, requester_id)
        if by_id is None:
            raise NotFound("requester", id_field, requester_id)
    if email is not None and email.strip():
        address = email.strip().lower()
        by_email = session.exec(select(Requester).where(func.lower(Requester.email) == address)).first()
        if by_email is None:
            raise NotFound("requester", email_field, address)
    if by_id is not None and by_email is not None and by_id.id != by_email.id:
        raise InvalidField(email_field, f"belongs to requester {by_email.id}, not {id_field} {by_id.id}.")
    requester = by_id or by_email
    if requester is None:
        raise InvalidField(
            email_field, f"give the requester as {email_field} (an email address) or {id_field}."
        )
    return requester


def choose_workspace(session: Session, caller: Caller, workspace_id: int | None) -> int:
    """The workspace a new request goes to: the one given, else the caller's only one, else the
    default workspace if the caller belongs to it; otherwise the caller must choose."""
    usable: list[int] = [
        ws_id
        for ws_id in session.exec(
            scope_to_caller(select(Workspace.id), Workspace.id, caller).order_by(col(Workspace.id))
        ).all()
        if ws_id is not None
    ]
    if workspace_id is not None:
        if workspace_id not in usable:
            raise InvalidField("workspace_id", f"there is no workspace {workspace_id} you belong to.", usable)
        return workspace_id
    if len(usable) == 1:
        return usable[0]
    default_id = session.exec(select(Workspace.id).where(col(Workspace.is_default))).first()
    if default_id is not None and default_id in usable:
        return default_id
    if not usable:
        raise InvalidField("workspace_id", "you belong to no workspace; ask an admin to add you to one.")
    raise InvalidField("workspace_id", "is required because you can use several workspaces.", usable)


def open_ticket(
    session: Session,
    *,
    subject: str,
    description: str,
    requester_id: int,
    workspace_id: int,
    group_id: int | None = None,
    due_by: datetime | None = None,
    catalog_item_id: int | None = None,
    catalog_fields: dict[str, Any] | None = None,
    offboarding_request_id: int | None = None,
) -> Ticket:
    """A new open service-request ticket, flushed so that it has its id."""
    ticket = Ticket(
        subject=subject[:255],
        description=description,
        status=TicketStatus.open,
        priority=TicketPriority.medium,
        source=TicketSource.api,
        type=TicketType.service_request,
        requester_id=requester_id,
        workspace_id=workspace_id,
        group_id=group_id,
        due_by=due_by,
        catalog_item_id=catalog_item_id,
        catalog_fields=catalog_fields,
        offboarding_request_id=offboarding_request_id,
    )
    session.add(ticket)
    session.flush()
    return ticket
