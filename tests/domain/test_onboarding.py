"""Onboarding requests against the form, and offboarding requests with their child tickets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from domain.errors import Conflict, InvalidField, NotFound
from domain.onboarding.models import (
    FormFieldType,
    OffboardingRequest,
    OffboardingRequestCreate,
    OnboardingRequestCreate,
    RequestStatus,
)
from domain.onboarding.service import (
    create_offboarding_request,
    create_onboarding_request,
    get_offboarding_request,
    get_onboarding_form,
    get_onboarding_request,
    list_offboarding_requests,
    list_offboarding_tickets,
)
from domain.people.models import Group
from domain.tickets.models import TicketType
from tests.utils.kb_factories import kb_caller, kb_form_field, kb_requester, kb_workspace

LAST_DAY = date(2025, 6, 27)


@pytest.fixture
def form(session: Session) -> None:
    kb_form_field(session, "full_name", required=True, position=1)
    kb_form_field(session, "start_date", FormFieldType.date, required=True, position=2)
    kb_form_field(
        session,
        "department",
        FormFieldType.dropdown,
        required=True,
        choices=["Engineering", "Sales"],
        position=3,
    )
    kb_form_field(session, "personal_email", FormFieldType.email, position=4)
    kb_form_field(session, "needs_laptop", FormFieldType.checkbox, position=5)


def test_the_form_lists_fields_in_form_order(session: Session, form: None) -> None:
    caller = kb_caller(session, kb_workspace(session))
    fields = get_onboarding_form(session=session, caller=caller).fields
    assert [f.name for f in fields] == [
        "full_name",
        "start_date",
        "department",
        "personal_email",
        "needs_laptop",
    ]
    assert fields[2].choices == ["Engineering", "Sales"] and fields[2].required


def test_an_onboarding_request_is_stored_with_checked_fields(session: Session, form: None) -> None:
    workspace = kb_workspace(session)
    caller = kb_caller(session, workspace)
    manager = kb_requester(session, email="manager@example.test")
    created = create_onboarding_request(
        session=session,
        caller=caller,
        request_in=OnboardingRequestCreate(
            email="Manager@Example.test",
            fields={
                "full_name": "Dana Diaz",
                "start_date": "2025-03-03",
                "department": "sales",
                "needs_laptop": True,
            },
        ),
    )
    assert created.requester_id == manager.id
    assert created.workspace_id == workspace.id
    assert created.status == RequestStatus.open
    assert created.fields == {
        "full_name": "Dana Diaz",
        "start_date": "2025-03-03",
        "department": "Sales",
        "needs_laptop": True,
    }
    assert get_onboarding_request(session=session, caller=caller, request_id=created.id) == created


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"full_name": "Dana", "department": "Sales"}, "fields.start_date", "required"),
        (
            {"full_name": "Dana", "start_date": "2025-03-03", "department": "HR"},
            "fields.department",
            "Engineering, Sales",
        ),
        (
            {"full_name": "Dana", "start_date": "tomorrow", "department": "Sales"},
            "fields.start_date",
            "YYYY-MM-DD",
        ),
        (
            {
                "full_name": "Dana",
                "start_date": "2025-03-03",
                "department": "Sales",
                "personal_email": "dana",
            },
            "fields.personal_email",
            "email address",
        ),
        (
            {"full_name": "Dana", "start_date": "2025-03-03", "department": "Sales", "needs_laptop": "yes"},
            "fields.needs_laptop",
            "true or false",
        ),
        (
            {"full_name": "Dana", "start_date": "2025-03-03", "department": "Sales", "shoe_size": 9},
            "fields.shoe_size",
            "full_name, start_date, department, personal_email, needs_laptop",
        ),
    ],
)
def test_an_invalid_onboarding_request_names_the_field(
    session: Session, form: None, fields: dict[str, object], field: str, fragment: str
) -> None:
    caller = kb_caller(session, kb_workspace(session))
    manager = kb_requester(session)
    with pytest.raises(InvalidField) as error:
        create_onboarding_request(
            session=session,
            caller=caller,
            request_in=OnboardingRequestCreate(requester_id=manager.id, fields=fields),
        )
    assert error.value.field == field
    assert fragment in str(error.value)


def test_onboarding_needs_a_known_requester(session: Session, form: None) -> None:
    caller = kb_caller(session, kb_workspace(session))
    fields = {"full_name": "Dana", "start_date": "2025-03-03", "department": "Sales"}
    with pytest.raises(NotFound):
        create_onboarding_request(
            session=session,
            caller=caller,
            request_in=OnboardingRequestCreate(email="nobody@x.test", fields=fields),
        )
    with pytest.raises(InvalidField) as error:
        create_onboarding_request(
            session=session, caller=caller, request_in=OnboardingRequestCreate(fields=fields)
        )
    assert error.value.field == "email"


def test_an_agent_in_several_workspaces_must_choose_one_it_belongs_to(session: Session, form: None) -> None:
    first, second, foreign = kb_workspace(session), kb_workspace(session), kb_workspace(session)
    caller = kb_caller(session, first, second)
    request_in = OnboardingRequestCreate(
        requester_id=kb_requester(session).id,
        fields={"full_name": "Dana", "start_date": "2025-03-03", "department": "Sales"},
    )
    with pytest.raises(InvalidField) as error:
        create_onboarding_request(session=session, caller=caller, request_in=request_in)
    assert error.value.field == "workspace_id" and f"{first.id}, {second.id}" in str(error.value)
    with pytest.raises(InvalidField):
        request_in.workspace_id = foreign.id
        create_onboarding_request(session=session, caller=caller, request_in=request_in)
    request_in.workspace_id = second.id
    assert (
        create_onboarding_request(session=session, caller=caller, request_in=request_in).workspace_id
        == second.id
    )


def test_an_onboarding_request_in_a_foreign_workspace_is_not_found(session: Session, form: None) -> None:
    mine, theirs = kb_workspace(session), kb_workspace(session)
    created = create_onboarding_request(
        session=session,
        caller=kb_caller(session, theirs),
        request_in=OnboardingRequestCreate(
            requester_id=kb_requester(session).id,
            fields={"full_name": "Dana", "start_date": "2025-03-03", "department": "Sales"},
        ),
    )
    with pytest.raises(NotFound):
        get_onboarding_request(session=session, caller=kb_caller(session, mine), request_id=created.id)
    admin = kb_caller(session, admin=True)
    assert get_onboarding_request(session=session, caller=admin, request_id=created.id).id == created.id


def test_offboarding_opens_one_ticket_per_team(session: Session) -> None:
    workspace = kb_workspace(session)
    caller = kb_caller(session, workspace)
    employee = kb_requester(session, first_name="Sam", last_name="Lee")
    created = create_offboarding_request(
        session=session,
        caller=caller,
        request_in=OffboardingRequestCreate(
            requester_id=employee.id, last_working_day=LAST_DAY, reason="Moving abroad."
        ),
    )
    assert (created.employee_id, created.requester_id, created.status) == (employee.id, employee.id, "open")
    assert [t.subject for t in created.tickets] == [
        "Revoke system access for Sam Lee",
        "Collect equipment from Sam Lee",
        "Final payroll for Sam Lee",
    ]
    for ticket in created.tickets:
        assert ticket.type == TicketType.service_request
        assert ticket.offboarding_request_id == created.id
        assert ticket.workspace_id == workspace.id
        assert ticket.requester_id == employee.id
        assert ticket.due_by == datetime(2025, 6, 27, 17, 0, tzinfo=UTC)
        assert "Moving abroad." in ticket.description

    listed = list_offboarding_tickets(session=session, caller=caller, request_id=created.id)
    assert [t.id for t in listed.tickets] == [t.id for t in created.tickets]
    assert listed.total == 3 and listed.next_page is None
    page_two = list_offboarding_tickets(
        session=session, caller=caller, request_id=created.id, page=2, per_page=2
    )
    assert [t.id for t in page_two.tickets] == [created.tickets[2].id]


def test_offboarding_tickets_go_to_the_teams_workspaces_and_groups(session: Session) -> None:
    home, it, hr = kb_workspace(session), kb_workspace(session, "IT"), kb_workspace(session, "HR")
    assert hr.id is not None
    payroll = Group(name="HR", workspace_id=hr.id)
    session.add(payroll)
    session.flush()
    agent = kb_caller(session, home, it)
    employee = kb_requester(session, email="sam.lee@example.test")
    created = create_offboarding_request(
        session=session,
        caller=agent,
        request_in=OffboardingRequestCreate(
            email="sam.lee@example.test", last_working_day=LAST_DAY, workspace_id=home.id
        ),
    )
    assert created.employee_id == employee.id and created.workspace_id == home.id
    # No Facilities workspace: equipment goes to IT. The HR ticket is out of this agent's sight.
    assert [(t.subject.split(" ")[0], t.workspace_id) for t in created.tickets] == [
        ("Revoke", it.id),
        ("Collect", it.id),
    ]
    admin = kb_caller(session, admin=True)
    everything = list_offboarding_tickets(session=session, caller=admin, request_id=created.id).tickets
    assert [(t.workspace_id, t.group_id) for t in everything] == [
        (it.id, None),
        (it.id, None),
        (hr.id, payroll.id),
    ]
    assert list_offboarding_tickets(session=session, caller=agent, request_id=created.id).total == 2


def test_an_employee_cannot_be_offboarded_twice_at_once(session: Session) -> None:
    caller = kb_caller(session, kb_workspace(session))
    employee = kb_requester(session)
    request_in = OffboardingRequestCreate(requester_id=employee.id, last_working_day=LAST_DAY)
    first = create_offboarding_request(session=session, caller=caller, request_in=request_in)
    with pytest.raises(Conflict):
        create_offboarding_request(session=session, caller=caller, request_in=request_in)
    row = session.get(OffboardingRequest, first.id)
    assert row is not None
    row.status = RequestStatus.completed
    session.flush()
    assert create_offboarding_request(session=session, caller=caller, request_in=request_in).id != first.id


def test_offboarding_requests_are_listed_by_id_and_filtered(session: Session) -> None:
    mine, theirs = kb_workspace(session), kb_workspace(session)
    caller = kb_caller(session, mine)
    ids = []
    for _ in range(3):
        request_in = OffboardingRequestCreate(
            requester_id=kb_requester(session).id, last_working_day=LAST_DAY
        )
        ids.append(create_offboarding_request(session=session, caller=caller, request_in=request_in).id)
    foreign = create_offboarding_request(
        session=session,
        caller=kb_caller(session, theirs),
        request_in=OffboardingRequestCreate(requester_id=kb_requester(session).id, last_working_day=LAST_DAY),
    )
    row = session.get(OffboardingRequest, ids[1])
    assert row is not None
    row.status = RequestStatus.in_progress
    session.flush()

    listed = list_offboarding_requests(session=session, caller=caller, per_page=2)
    assert [r.id for r in listed.requests] == ids[:2] and listed.total == 3 and listed.next_page == 2
    in_progress = list_offboarding_requests(session=session, caller=caller, status="in_progress")
    assert [r.id for r in in_progress.requests] == [ids[1]]
    with pytest.raises(InvalidField) as error:
        list_offboarding_requests(session=session, caller=caller, status="done")
    assert "open, in_progress, completed, cancelled" in str(error.value)
    with pytest.raises(NotFound):
        get_offboarding_request(session=session, caller=caller, request_id=foreign.id)
    with pytest.raises(NotFound):
        list_offboarding_tickets(session=session, caller=caller, request_id=foreign.id)
