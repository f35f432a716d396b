"""What onboarding, offboarding and catalog requests share: whom a request is for and the
service-request tickets it opens (the workspace comes from ``workspaces.service.resolve_workspace_id``).

Tickets are written here directly, with the few fields a request decides, rather than through
the ticket service, so that the two can be built independently; they follow the same rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from domain.errors import InvalidField, NotFound
from domain.people.models import Requester
from domain.tickets.models import Ticket, TicketPriority, TicketSource, TicketStatus, TicketType


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
