"""Onboarding and offboarding tools."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field

from domain.onboarding import service
from domain.onboarding.models import (
    OffboardingRequestCreate,
    OffboardingRequestCreated,
    OffboardingRequestsPublic,
    OffboardingTicketsPublic,
    OnboardingForm,
    OnboardingRequestCreate,
    OnboardingRequestPublic,
    RequestStatus,
)
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import MAX_INT, Cursor, Page, PerPage, ShownFields, WorkspaceFilter

TOOLS = Toolset("onboarding")

RequestId = Annotated[int, Field(ge=1, le=MAX_INT, description="The request's id.")]
RequesterEmail = Annotated[
    str | None, Field(max_length=254, description="The person's email (instead of requester_id).")
]
TargetWorkspace = Annotated[
    int | None,
    Field(ge=1, le=MAX_INT, description="Workspace for the request; defaults to your (default) workspace."),
]


@tool(TOOLS, name="fetchOnboardingRequest", title="Get an onboarding request")
def fetch_onboarding_request(request_id: RequestId) -> OnboardingRequestPublic:
    """Get one onboarding request by request_id: its status and the values it was
    submitted with. To start a new one, use createOnboardingRequest."""
    with unit_of_work() as uow:
        return service.get_onboarding_request(session=uow.session, caller=uow.caller, request_id=request_id)


@tool(TOOLS, name="fetchOnboardingRequestForm", title="Get the onboarding form")
def fetch_onboarding_request_form() -> OnboardingForm:
    """Get the onboarding form: which fields to fill in for a new hire or new
    starter, which are required, and the allowed choices. Use it before createOnboardingRequest."""
    with unit_of_work() as uow:
        return service.get_onboarding_form(session=uow.session, caller=uow.caller)


@tool(TOOLS, name="createOnboardingRequest", title="Create an onboarding request", writes=True)
def create_onboarding_request(
    fields: Annotated[
        dict[str, Any],
        Field(
            description="Form values keyed by field name, e.g. {'first_name': 'Ada', "
            "'start_date': '2026-09-01'}; see fetchOnboardingRequestForm for names, types and choices."
        ),
    ],
    requester_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="The requester filing it (their manager).")
    ] = None,
    email: RequesterEmail = None,
    workspace_id: TargetWorkspace = None,
) -> OnboardingRequestPublic:
    """Start onboarding a new employee: submits their details, named as
    fetchOnboardingRequestForm lists them, on behalf of a requester (usually the hiring manager) given
    by requester_id or email."""
    request_in = OnboardingRequestCreate(
        fields=fields, requester_id=requester_id, email=email, workspace_id=workspace_id
    )
    with unit_of_work() as uow:
        return service.create_onboarding_request(
            session=uow.session, caller=uow.caller, request_in=request_in
        )


@tool(TOOLS, name="fetchOffboardingRequests", title="List offboarding requests")
def fetch_offboarding_requests(
    status: Annotated[RequestStatus | None, Field(description="Only requests in this status.")] = None,
    workspace_id: WorkspaceFilter = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> OffboardingRequestsPublic:
    """List offboarding requests (employees leaving, leavers), oldest first,
    optionally by status. For the tickets one request opened, use fetchOffboardingRequestTickets."""
    with unit_of_work() as uow:
        return service.list_offboarding_requests(
            session=uow.session,
            caller=uow.caller,
            status=status,
            workspace_id=workspace_id,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="createOffboardingRequest", title="Create an offboarding request", writes=True)
def create_offboarding_request(
    last_working_day: Annotated[date, Field(description="The employee's last working day, YYYY-MM-DD.")],
    requester_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="The employee who is leaving.")
    ] = None,
    email: RequesterEmail = None,
    reason: Annotated[str, Field(max_length=2000, description="Why they are leaving (optional).")] = "",
    workspace_id: TargetWorkspace = None,
) -> OffboardingRequestCreated:
    """Start offboarding an employee who is leaving (a requester, by requester_id
    or email) with their last working day. Opens tickets for the teams that must act (revoke access,
    collect equipment, final pay); track them with fetchOffboardingRequestTickets."""
    request_in = OffboardingRequestCreate(
        requester_id=requester_id,
        email=email,
        last_working_day=last_working_day,
        reason=reason,
        workspace_id=workspace_id,
    )
    with unit_of_work() as uow:
        return service.create_offboarding_request(
            session=uow.session, caller=uow.caller, request_in=request_in
        )


@tool(TOOLS, name="fetchOffboardingRequestTickets", title="List an offboarding request's tickets")
def fetch_offboarding_request_tickets(
    request_id: RequestId,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> OffboardingTicketsPublic:
    """List the tickets (tasks) an offboarding request opened, to see which
    teams have finished their part. For the requests themselves, use fetchOffboardingRequests."""
    with unit_of_work() as uow:
        return service.list_offboarding_tickets(
            session=uow.session,
            caller=uow.caller,
            request_id=request_id,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
