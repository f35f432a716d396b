"""Onboarding requests (checked against the onboarding form) and offboarding requests (which open
one child ticket per team that has work to do when someone leaves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.caller import Caller, ensure_visible, scope_to_caller
from domain.errors import Conflict, InvalidField, NotFound
from domain.forms import FormField, validate_form
from domain.fulfilment import find_requester, open_ticket
from domain.onboarding.models import (
    OffboardingRequest,
    OffboardingRequestCreate,
    OffboardingRequestCreated,
    OffboardingRequestPublic,
    OffboardingRequestsPublic,
    OffboardingTicketsPublic,
    OnboardingForm,
    OnboardingFormField,
    OnboardingFormFieldPublic,
    OnboardingRequest,
    OnboardingRequestCreate,
    OnboardingRequestPublic,
    RequestStatus,
)
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.people.models import Group, Requester
from domain.tickets.models import Ticket, TicketPublic
from domain.workspaces.models import Workspace
from domain.workspaces.service import resolve_workspace_id

MAX_REASON_LENGTH = 2000
# Child tickets fall due at the end of the last working day (UTC): access must be gone by then.
DUE_TIME = time(17, 0)


@dataclass(frozen=True, slots=True)
class OffboardingTask:
    """One child ticket. It goes to the first workspace named in ``teams`` that exists (else the
    request's own), and to the group of that name in it, if there is one."""

    subject: str
    description: str
    teams: tuple[str, ...]


OFFBOARDING_TASKS = (
    OffboardingTask(
        "Revoke system access for {name}",
        "Disable {name}'s accounts, VPN and badge access, and transfer their mailbox and files, "
        "by the end of {day}.",
        ("IT", "IT Services", "IT Support"),
    ),
    OffboardingTask(
        "Collect equipment from {name}",
        "Collect {name}'s laptop, phone, badge and any other company equipment on or before {day}.",
        ("Facilities", "IT", "IT Services", "IT Support"),
    ),
    OffboardingTask(
        "Final payroll for {name}",
        "Prepare {name}'s final pay, unused leave and benefits end date for a last working day of {day}.",
        ("HR", "Human Resources", "People"),
    ),
)


def get_onboarding_form(*, session: Session, caller: Caller) -> OnboardingForm:
    """The fields an onboarding request is checked against, in form order."""
    rows = session.exec(
        select(OnboardingFormField).order_by(col(OnboardingFormField.position), col(OnboardingFormField.id))
    ).all()
    return OnboardingForm(fields=[OnboardingFormFieldPublic.model_validate(row) for row in rows])


def get_onboarding_request(*, session: Session, caller: Caller, request_id: int) -> OnboardingRequestPublic:
    request = session.get(OnboardingRequest, request_id)
    if request is None:
        raise NotFound("onboarding request", "request_id", request_id)
    ensure_visible(caller, request.workspace_id, "onboarding request", "request_id", request_id)
    return OnboardingRequestPublic.model_validate(request)


def create_onboarding_request(
    *, session: Session, caller: Caller, request_in: OnboardingRequestCreate
) -> OnboardingRequestPublic:
    """A new open onboarding request whose ``fields`` satisfy the onboarding form."""
    form = session.exec(
        select(OnboardingFormField).order_by(col(OnboardingFormField.position), col(OnboardingFormField.id))
    ).all()
    fields = validate_form([FormField.from_row(row) for row in form], request_in.fields, field="fields")
    requester = find_requester(session, requester_id=request_in.requester_id, email=request_in.email)
    request = OnboardingRequest(
        requester_id=_id(requester),
        status=RequestStatus.open,
        fields=fields,
        workspace_id=resolve_workspace_id(
            session=session, caller=caller, workspace_id=request_in.workspace_id
        ),
    )
    session.add(request)
    session.flush()
    return OnboardingRequestPublic.model_validate(request)


def list_offboarding_requests(
    *,
    session: Session,
    caller: Caller,
    status: RequestStatus | str | None = None,
    workspace_id: int | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> OffboardingRequestsPublic:
    statement = scope_to_caller(select(OffboardingRequest), OffboardingRequest.workspace_id, caller)
    if status is not None:
        statement = statement.where(OffboardingRequest.status == _status(status))
    if workspace_id is not None:
        statement = statement.where(OffboardingRequest.workspace_id == workspace_id)
    rows, info = paginate(
        session, statement, key=col(OffboardingRequest.id), page=page, per_page=per_page, cursor=cursor
    )
    return OffboardingRequestsPublic(
        requests=[OffboardingRequestPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def get_offboarding_request(*, session: Session, caller: Caller, request_id: int) -> OffboardingRequestPublic:
    return OffboardingRequestPublic.model_validate(_visible_offboarding(session, caller, request_id))


def create_offboarding_request(
    *, session: Session, caller: Caller, request_in: OffboardingRequestCreate
) -> OffboardingRequestCreated:
    """A new open offboarding request for an employee, and the child tickets it opens.

    The employee is the requester leaving; the request is filed in their name. Child tickets may
    land in other teams' workspaces; the caller is shown only those in workspaces it can see.
    """
    employee = find_requester(session, requester_id=request_in.requester_id, email=request_in.email)
    reason = request_in.reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidField(
            "reason", f"is {len(reason)} characters long; at most {MAX_REASON_LENGTH} are allowed."
        )
    workspace_id = resolve_workspace_id(session=session, caller=caller, workspace_id=request_in.workspace_id)
    pending = session.exec(
        select(OffboardingRequest).where(
            OffboardingRequest.employee_id == employee.id,
            col(OffboardingRequest.status).in_([RequestStatus.open, RequestStatus.in_progress]),
        )
    ).first()
    if pending is not None:
        # Name the other request only if the caller may see it.
        which = f" (request_id {pending.id})" if caller.can_see_workspace(pending.workspace_id) else ""
        raise Conflict(f"Requester {employee.id} already has an offboarding request in progress{which}.")
    request = OffboardingRequest(
        requester_id=_id(employee),
        employee_id=_id(employee),
        last_working_day=request_in.last_working_day,
        reason=reason,
        status=RequestStatus.open,
        workspace_id=workspace_id,
    )
    session.add(request)
    session.flush()
    tickets = [_open_task_ticket(session, task, request, employee) for task in OFFBOARDING_TASKS]
    return OffboardingRequestCreated(
        **OffboardingRequestPublic.model_validate(request).model_dump(),
        tickets=[
            TicketPublic.model_validate(ticket)
            for ticket in tickets
            if caller.can_see_workspace(ticket.workspace_id)
        ],
    )


def list_offboarding_tickets(
    *,
    session: Session,
    caller: Caller,
    request_id: int,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> OffboardingTicketsPublic:
    """The child tickets of an offboarding request that the caller can see, by id."""
    _visible_offboarding(session, caller, request_id)
    statement = scope_to_caller(
        select(Ticket).where(Ticket.offboarding_request_id == request_id), Ticket.workspace_id, caller
    )
    rows, info = paginate(session, statement, key=col(Ticket.id), page=page, per_page=per_page, cursor=cursor)
    return OffboardingTicketsPublic(
        tickets=[TicketPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def _open_task_ticket(
    session: Session, task: OffboardingTask, request: OffboardingRequest, employee: Requester
) -> Ticket:
    workspace_id, group_id = _route(session, task.teams, request.workspace_id)
    name = f"{employee.first_name} {employee.last_name}".strip() or employee.email
    day = request.last_working_day.isoformat()
    return open_ticket(
        session,
        subject=task.subject.format(name=name),
        description=task.description.format(name=name, day=day)
        + (f"\n\nReason for leaving: {request.reason}" if request.reason else ""),
        requester_id=request.requester_id,
        workspace_id=workspace_id,
        group_id=group_id,
        due_by=datetime.combine(request.last_working_day, DUE_TIME, tzinfo=UTC),
        offboarding_request_id=request.id,
    )


def _route(session: Session, teams: tuple[str, ...], fallback_workspace_id: int) -> tuple[int, int | None]:
    """The workspace (and group in it) of the first team that exists, else the fallback workspace."""
    for team in teams:
        workspace_id = session.exec(
            select(Workspace.id).where(func.lower(Workspace.name) == team.lower()).order_by(col(Workspace.id))
        ).first()
        if workspace_id is not None:
            return workspace_id, _group(session, teams, workspace_id)
    return fallback_workspace_id, _group(session, teams, fallback_workspace_id)


def _group(session: Session, teams: tuple[str, ...], workspace_id: int) -> int | None:
    for team in teams:
        group_id = session.exec(
            select(Group.id)
            .where(Group.workspace_id == workspace_id, func.lower(Group.name) == team.lower())
            .order_by(col(Group.id))
        ).first()
        if group_id is not None:
            return group_id
    return None


def _visible_offboarding(session: Session, caller: Caller, request_id: int) -> OffboardingRequest:
    request = session.get(OffboardingRequest, request_id)
    if request is None:
        raise NotFound("offboarding request", "request_id", request_id)
    ensure_visible(caller, request.workspace_id, "offboarding request", "request_id", request_id)
    return request


def _status(value: RequestStatus | str) -> RequestStatus:
    try:
        return RequestStatus(value)
    except ValueError:
        raise InvalidField(
            "status", f"{value!r} is not a request status.", [s.value for s in RequestStatus]
        ) from None


def _id(row: Requester) -> int:
    assert row.id is not None  # rows read from the database always have their id
    return row.id
