from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from domain.caller import Caller
from domain.errors import InvalidField, NotFound
from domain.pagination import paginate
from domain.people.models import Agent, AgentRole, Requester
from domain.tickets import service
from domain.tickets.models import (
    Ticket,
    TicketCreate,
    TicketNotePublic,
    TicketPriority,
    TicketStatus,
    TicketType,
    TicketUpdate,
)
from domain.workspaces.models import Workspace
from tests.utils.factories import (
    caller_for,
    make_agent,
    make_group,
    make_note,
    make_requester,
    make_ticket,
    make_workspace,
)
from tests.utils.queries import count_queries

PAST = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class World:
    home: Workspace
    away: Workspace
    agent: Agent
    admin: Agent
    as_agent: Caller
    as_admin: Caller
    requester: Requester


@pytest.fixture
def world(session: Session) -> World:
    home = make_workspace(session, is_default=True)
    away = make_workspace(session)
    agent = make_agent(session, workspaces=[home])
    admin = make_agent(session, role=AgentRole.admin)
    return World(
        home=home,
        away=away,
        agent=agent,
        admin=admin,
        as_agent=caller_for(session, agent),
        as_admin=caller_for(session, admin),
        requester=make_requester(session),
    )


def test_agent_cannot_read_a_ticket_of_a_foreign_workspace(session: Session, world: World) -> None:
    foreign = make_ticket(session, workspace=world.away)

    with pytest.raises(NotFound, match="ticket_id"):
        service.get_ticket(session=session, caller=world.as_agent, ticket_id=foreign.id)


def test_agent_does_not_see_foreign_tickets_in_lists(session: Session, world: World) -> None:
    mine = make_ticket(session, workspace=world.home)
    make_ticket(session, workspace=world.away)

    listed = service.list_tickets(session=session, caller=world.as_agent)

    assert [ticket.id for ticket in listed.tickets] == [mine.id]
    assert listed.total == 1
    # Asking for the foreign workspace explicitly reveals nothing either.
    foreign = service.list_tickets(session=session, caller=world.as_agent, workspace_id=world.away.id)
    assert foreign.total == 0


def test_agent_cannot_change_or_annotate_a_foreign_ticket(session: Session, world: World) -> None:
    foreign = make_ticket(session, workspace=world.away)

    with pytest.raises(NotFound):
        service.update_ticket(
            session=session, caller=world.as_agent, ticket_id=foreign.id, changes=TicketUpdate(subject="x")
        )
    with pytest.raises(NotFound):
        service.create_ticket_note(session=session, caller=world.as_agent, ticket_id=foreign.id, body="x")


def test_admin_sees_every_workspace(session: Session, world: World) -> None:
    tickets = [make_ticket(session, workspace=world.home), make_ticket(session, workspace=world.away)]

    listed = service.list_tickets(session=session, caller=world.as_admin)

    assert [ticket.id for ticket in listed.tickets] == [ticket.id for ticket in tickets]
    detail = service.get_ticket(session=session, caller=world.as_admin, ticket_id=tickets[1].id)
    assert detail.workspace_id == world.away.id


def test_unknown_ticket_is_not_found(session: Session, world: World) -> None:
    with pytest.raises(NotFound, match="ticket_id"):
        service.get_ticket(session=session, caller=world.as_admin, ticket_id=987654)
    with pytest.raises(NotFound, match="ticket_id"):
        service.update_ticket(
            session=session, caller=world.as_admin, ticket_id=987654, changes=TicketUpdate(subject="x")
        )


def test_pagination_walks_every_ticket_once(session: Session, world: World) -> None:
    created = [make_ticket(session, workspace=world.home).id for _ in range(7)]

    seen: list[int] = []
    page: int | None = 1
    while page is not None:
        result = service.list_tickets(session=session, caller=world.as_agent, page=page, per_page=3)
        seen += [ticket.id for ticket in result.tickets]
        page = result.next_page
        if page is not None:
            # A ticket created mid-walk lands at the end and does not shift the pages being read.
            created.append(make_ticket(session, workspace=world.home).id)

    # Every ticket, including those created while walking, was seen exactly once and in order.
    assert seen == created


def test_page_past_the_end_names_page(session: Session, world: World) -> None:
    make_ticket(session, workspace=world.home)

    with pytest.raises(InvalidField, match="'page'") as raised:
        service.list_tickets(session=session, caller=world.as_agent, page=2)
    assert raised.value.field == "page"
    empty = service.list_tickets(session=session, caller=world.as_agent, status="closed")
    assert (empty.total, empty.next_page, empty.tickets) == (0, None, [])


def test_filters_narrow_the_list(session: Session, world: World) -> None:
    group = make_group(session, workspace=world.home)
    requester = make_requester(session)
    urgent = make_ticket(session, workspace=world.home, priority=TicketPriority.urgent)
    pending = make_ticket(session, workspace=world.home, status=TicketStatus.pending)
    request = make_ticket(session, workspace=world.home, type=TicketType.service_request)
    assigned = make_ticket(session, workspace=world.home, agent=world.agent, group=group)
    theirs = make_ticket(session, workspace=world.home, requester=requester)
    old = make_ticket(session, workspace=world.home, updated_at=PAST)

    def ids(**filters: object) -> list[int]:
        result = service.list_tickets(session=session, caller=world.as_agent, **filters)  # type: ignore[arg-type]
        return [ticket.id for ticket in result.tickets]

    assert ids(priority="urgent") == [urgent.id]
    assert ids(status=TicketStatus.pending) == [pending.id]
    assert ids(type="service_request") == [request.id]
    assert ids(agent_id=world.agent.id) == [assigned.id]
    assert ids(group_id=group.id) == [assigned.id]
    assert ids(requester_id=requester.id) == [theirs.id]
    assert old.id not in ids(updated_since=PAST + timedelta(days=1))
    assert ids(updated_since=PAST) == ids()
    assert ids(workspace_id=world.home.id) == ids()


def test_the_same_filters_with_other_values_give_their_own_tickets(session: Session, world: World) -> None:
    # A list's statement is built once per combination of filters and reused with the values
    # bound: a later call with other values, on any page, must not see an earlier call's.
    urgent = [make_ticket(session, workspace=world.home, priority=TicketPriority.urgent) for _ in range(3)]
    low = [make_ticket(session, workspace=world.home, priority=TicketPriority.low) for _ in range(3)]

    def walk(priority: str, caller: Caller) -> list[int]:
        seen: list[int] = []
        cursor = None
        while True:
            page = service.list_tickets(
                session=session, caller=caller, priority=priority, per_page=2, cursor=cursor
            )
            seen += [ticket.id for ticket in page.tickets]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    for caller in (world.as_agent, world.as_admin):
        assert walk("urgent", caller) == [t.id for t in urgent]
        assert walk("low", caller) == [t.id for t in low]
        second = service.list_tickets(session=session, caller=caller, priority="low", page=2, per_page=2)
        assert [t.id for t in second.tickets] == [low[2].id]
        assert (second.total, second.total_is_exact) == (3, True)


def test_invalid_filter_values_name_the_field(session: Session, world: World) -> None:
    with pytest.raises(InvalidField, match=r"'status'.*open, pending, resolved, closed"):
        service.list_tickets(session=session, caller=world.as_agent, status="bogus")
    with pytest.raises(InvalidField, match=r"'priority'.*urgent"):
        service.list_tickets(session=session, caller=world.as_agent, priority="critical")
    with pytest.raises(InvalidField, match="'updated_since'"):
        service.list_tickets(session=session, caller=world.as_agent, updated_since=datetime(2024, 1, 1))
    with pytest.raises(InvalidField, match="'per_page'"):
        service.list_tickets(session=session, caller=world.as_agent, per_page=101)


def test_fetch_ticket_has_notes_requester_and_agent(session: Session, world: World) -> None:
    ticket = make_ticket(session, workspace=world.home, requester=world.requester, agent=world.agent)
    private = make_note(session, ticket=ticket, agent=world.agent)
    public = make_note(session, ticket=ticket, agent=world.agent, private=False)

    detail = service.get_ticket(session=session, caller=world.as_agent, ticket_id=ticket.id)

    assert [note.id for note in detail.notes] == [private.id, public.id]
    assert [note.private for note in detail.notes] == [True, False]
    assert detail.requester.email == world.requester.email
    assert detail.requester.name == f"{world.requester.first_name} {world.requester.last_name}"
    assert detail.agent is not None and detail.agent.id == world.agent.id


def test_fetch_ticket_without_agent(session: Session, world: World) -> None:
    ticket = make_ticket(session, workspace=world.home)

    detail = service.get_ticket(session=session, caller=world.as_agent, ticket_id=ticket.id)

    assert detail.agent is None
    assert detail.notes == []


def test_hot_paths_use_few_queries(session: Session, world: World) -> None:
    ticket = make_ticket(session, workspace=world.home, agent=world.agent)
    for _ in range(3):
        make_note(session, ticket=ticket, agent=world.agent)
        make_ticket(session, workspace=world.home, agent=world.agent)

    with count_queries(session) as fetch:
        service.get_ticket(session=session, caller=world.as_agent, ticket_id=ticket.id)
    with count_queries(session) as listing:
        service.list_tickets(session=session, caller=world.as_agent, per_page=2)

    # PostgreSQL brings the notes with the ticket (a JSON column); SQLite asks for them apart.
    assert len(fetch) == (1 if session.get_bind().dialect.name == "postgresql" else 2)
    assert len(listing) == 2


def test_offset_pages_are_the_slices_of_the_whole_list(session: Session, world: World) -> None:
    """A page by number holds the rows the whole list holds at its place, whichever way it is
    read (PostgreSQL: a deferred join over the keys), for a filtered list seen by a scoped agent,
    ascending through the reused-statement path and descending through the ORM one."""
    for number in range(13):
        make_ticket(
            session,
            workspace=world.away if number % 5 == 0 else world.home,
            status=TicketStatus.closed if number % 3 == 0 else TicketStatus.open,
        )
    deferred = session.get_bind().dialect.name == "postgresql"

    for caller, status in ((world.as_agent, "open"), (world.as_admin, None)):
        whole = [
            t.id
            for t in service.list_tickets(session=session, caller=caller, status=status, per_page=100).tickets
        ]
        assert len(whole) >= 6
        for per_page in (1, 2, 5):
            pages = -(-len(whole) // per_page)
            for page in range(1, pages + 1):
                with count_queries(session) as sent:
                    listed = service.list_tickets(
                        session=session, caller=caller, status=status, page=page, per_page=per_page
                    )
                assert [t.id for t in listed.tickets] == whole[(page - 1) * per_page : page * per_page]
                assert listed.next_page == (page + 1 if page < pages else None)
                if page > 1:
                    assert (" IN (SELECT" in sent[0]) == deferred, sent[0]

    newest_first = col(Ticket.id).desc()
    everything = select(Ticket).where(Ticket.workspace_id == world.home.id)
    whole, _ = paginate(session, everything, key=newest_first, per_page=100)
    for page in range(1, len(whole) // 3 + 2):
        rows, _ = paginate(session, everything, key=newest_first, page=page, per_page=3)
        assert [t.id for t in rows] == [t.id for t in whole[(page - 1) * 3 : page * 3]]


def test_fetch_ticket_notes_read_as_stored(session: Session, world: World) -> None:
    """Every value of a note comes back as the table holds it, whichever way the notes are read
    (on PostgreSQL through JSON: text escapes, booleans, NULLs, microseconds, zones), by id."""
    ticket = make_ticket(session, workspace=world.home, agent=world.agent)
    odd = 'quotes " and \\ backslash\nnew line, tab\t, ünïcødé ✓, <b>html</b>, {"json": [1]}'
    written = [
        make_note(
            session,
            ticket=ticket,
            agent=world.agent,
            body=odd,
            created_at=PAST + timedelta(microseconds=123456),
        ),
        make_note(session, ticket=ticket, requester_id=world.requester.id, private=False, created_at=PAST),
        make_note(session, ticket=ticket, agent=world.agent, body="", created_at=PAST - timedelta(days=400)),
    ]
    make_note(session, ticket=make_ticket(session, workspace=world.home), body="another ticket's")

    detail = service.get_ticket(session=session, caller=world.as_agent, ticket_id=ticket.id)

    expected = [TicketNotePublic.model_validate(note, from_attributes=True) for note in written]
    assert detail.notes == expected
    assert detail.notes[0].body == odd
    assert detail.notes[0].created_at == PAST + timedelta(microseconds=123456)
    assert all(note.created_at.tzinfo is UTC for note in detail.notes)
    assert [note.agent_id for note in detail.notes] == [world.agent.id, None, world.agent.id]
    assert [note.private for note in detail.notes] == [True, False, True]


def test_create_ticket_with_defaults(session: Session, world: World) -> None:
    created = service.create_ticket(
        session=session,
        caller=world.as_agent,
        ticket_in=TicketCreate(
            subject="  VPN drops every hour  ",
            requester_id=world.requester.id,
            tags=[" vpn", "VPN", "network", ""],
        ),
    )

    assert created.subject == "VPN drops every hour"
    assert created.workspace_id == world.home.id
    assert (created.status, created.priority, created.type) == ("open", "low", "incident")
    assert created.tags == ["vpn", "network"]
    assert created.created_at.tzinfo is not None
    listed = service.list_tickets(session=session, caller=world.as_agent)
    assert [ticket.id for ticket in listed.tickets] == [created.id]


def test_create_ticket_with_email_of_unknown_requester_creates_them(session: Session, world: World) -> None:
    created = service.create_ticket(
        session=session,
        caller=world.as_agent,
        ticket_in=TicketCreate(subject="Printer jam", email="  Jane.Doe@Example.com "),
    )

    requester = session.get(Requester, created.requester_id)
    assert requester is not None
    assert (requester.email, requester.first_name, requester.last_name) == (
        "jane.doe@example.com",
        "Jane",
        "Doe",
    )
    again = service.create_ticket(
        session=session,
        caller=world.as_agent,
        ticket_in=TicketCreate(subject="Printer jam again", email="JANE.DOE@example.com"),
    )
    assert again.requester_id == created.requester_id


def test_create_ticket_with_email_of_known_requester_reuses_them(session: Session, world: World) -> None:
    created = service.create_ticket(
        session=session,
        caller=world.as_agent,
        ticket_in=TicketCreate(subject="Laptop slow", email=world.requester.email.upper()),
    )

    assert created.requester_id == world.requester.id


@pytest.mark.parametrize(
    ("requester", "field"),
    [
        ({}, "requester_id"),
        ({"email": "a@example.com", "requester_id": 1}, "email"),
        ({"requester_id": 987654}, "requester_id"),
        ({"email": "not an email"}, "email"),
    ],
)
def test_create_ticket_needs_exactly_one_valid_requester(
    session: Session, world: World, requester: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidField) as raised:
        service.create_ticket(
            session=session, caller=world.as_agent, ticket_in=TicketCreate(subject="x", **requester)
        )
    assert raised.value.field == field


def test_agent_cannot_create_a_ticket_in_a_foreign_workspace(session: Session, world: World) -> None:
    with pytest.raises(InvalidField) as raised:
        service.create_ticket(
            session=session,
            caller=world.as_agent,
            ticket_in=TicketCreate(subject="x", requester_id=world.requester.id, workspace_id=world.away.id),
        )
    assert raised.value.field == "workspace_id"
    assert str(world.home.id) in str(raised.value)


def test_workspace_defaults_to_the_default_one_for_agents_of_several(session: Session, world: World) -> None:
    several = make_agent(session, workspaces=[world.home, world.away])
    ticket_in = TicketCreate(subject="x", requester_id=world.requester.id)

    created = service.create_ticket(session=session, caller=caller_for(session, several), ticket_in=ticket_in)

    assert created.workspace_id == world.home.id


def test_workspace_is_required_when_there_is_no_default_to_use(session: Session, world: World) -> None:
    third = make_workspace(session)
    several = make_agent(session, workspaces=[world.away, third])

    with pytest.raises(InvalidField, match="several workspaces") as raised:
        service.create_ticket(
            session=session,
            caller=caller_for(session, several),
            ticket_in=TicketCreate(subject="x", requester_id=world.requester.id),
        )
    assert raised.value.field == "workspace_id"


def test_create_ticket_checks_agent_and_group(session: Session, world: World) -> None:
    foreign_group = make_group(session, workspace=world.away)
    outsider = make_agent(session, workspaces=[world.away])
    base = {"subject": "x", "requester_id": world.requester.id}

    for extra, field in [
        ({"agent_id": 987654}, "agent_id"),
        ({"agent_id": outsider.id}, "agent_id"),
        ({"group_id": 987654}, "group_id"),
        ({"group_id": foreign_group.id}, "group_id"),
    ]:
        with pytest.raises(InvalidField) as raised:
            service.create_ticket(
                session=session, caller=world.as_agent, ticket_in=TicketCreate(**base, **extra)
            )
        assert raised.value.field == field

    group = make_group(session, workspace=world.home)
    created = service.create_ticket(
        session=session,
        caller=world.as_agent,
        ticket_in=TicketCreate(**base, agent_id=world.admin.id, group_id=group.id),
    )
    assert (created.agent_id, created.group_id) == (world.admin.id, group.id)


def test_create_ticket_checks_due_by_and_tags(session: Session, world: World) -> None:
    base = {"subject": "x", "requester_id": world.requester.id}

    with pytest.raises(InvalidField, match="'due_by'"):
        service.create_ticket(
            session=session,
            caller=world.as_agent,
            ticket_in=TicketCreate(**base, due_by=datetime(2030, 1, 1)),
        )
    with pytest.raises(InvalidField, match="'tags'"):
        service.create_ticket(
            session=session, caller=world.as_agent, ticket_in=TicketCreate(**base, tags=["x" * 51])
        )
    with pytest.raises(InvalidField, match="'tags'"):
        service.create_ticket(
            session=session,
            caller=world.as_agent,
            ticket_in=TicketCreate(**base, tags=[f"tag{n}" for n in range(21)]),
        )
    with pytest.raises(InvalidField, match="'subject'"):
        service.create_ticket(
            session=session, caller=world.as_agent, ticket_in=TicketCreate(**base | {"subject": " "})
        )

    due = datetime(2030, 1, 1, 18, tzinfo=UTC)
    created = service.create_ticket(
        session=session, caller=world.as_agent, ticket_in=TicketCreate(**base, due_by=due)
    )
    assert created.due_by == due


def test_ticket_create_refuses_an_unknown_enum_value() -> None:
    with pytest.raises(ValidationError, match="status"):
        TicketCreate(subject="x", requester_id=1, status="bogus")  # type: ignore[arg-type]


def test_update_changes_only_the_fields_given(session: Session, world: World) -> None:
    group = make_group(session, workspace=world.home)
    ticket = make_ticket(
        session,
        workspace=world.home,
        agent=world.agent,
        group=group,
        description="Original",
        tags=["keep"],
        updated_at=PAST,
    )

    updated = service.update_ticket(
        session=session,
        caller=world.as_agent,
        ticket_id=ticket.id,
        changes=TicketUpdate(status=TicketStatus.pending, priority=TicketPriority.high),
    )

    assert (updated.status, updated.priority) == ("pending", "high")
    assert (updated.description, updated.tags, updated.agent_id, updated.group_id) == (
        "Original",
        ["keep"],
        world.agent.id,
        group.id,
    )
    assert updated.updated_at > PAST


def test_update_can_unassign_agent_and_group(session: Session, world: World) -> None:
    group = make_group(session, workspace=world.home)
    ticket = make_ticket(session, workspace=world.home, agent=world.agent, group=group)

    updated = service.update_ticket(
        session=session,
        caller=world.as_agent,
        ticket_id=ticket.id,
        changes=TicketUpdate(agent_id=None, group_id=None),
    )

    assert (updated.agent_id, updated.group_id) == (None, None)


def test_update_refuses_null_for_required_fields(session: Session, world: World) -> None:
    ticket = make_ticket(session, workspace=world.home)

    with pytest.raises(InvalidField, match=r"'status'.*open, pending"):
        service.update_ticket(
            session=session, caller=world.as_agent, ticket_id=ticket.id, changes=TicketUpdate(status=None)
        )
    with pytest.raises(InvalidField, match="'subject'"):
        service.update_ticket(
            session=session, caller=world.as_agent, ticket_id=ticket.id, changes=TicketUpdate(subject=None)
        )


def test_moving_a_ticket_needs_membership_and_a_fitting_group(session: Session, world: World) -> None:
    group = make_group(session, workspace=world.home)
    ticket = make_ticket(session, workspace=world.home, group=group)

    with pytest.raises(InvalidField) as raised:
        service.update_ticket(
            session=session,
            caller=world.as_agent,
            ticket_id=ticket.id,
            changes=TicketUpdate(workspace_id=world.away.id),
        )
    assert raised.value.field == "workspace_id"
    with pytest.raises(InvalidField) as raised:
        service.update_ticket(
            session=session,
            caller=world.as_admin,
            ticket_id=ticket.id,
            changes=TicketUpdate(workspace_id=world.away.id),
        )
    assert raised.value.field == "group_id"

    moved = service.update_ticket(
        session=session,
        caller=world.as_admin,
        ticket_id=ticket.id,
        changes=TicketUpdate(workspace_id=world.away.id, group_id=None),
    )
    assert (moved.workspace_id, moved.group_id) == (world.away.id, None)
    with pytest.raises(NotFound):
        service.get_ticket(session=session, caller=world.as_agent, ticket_id=ticket.id)


def test_note_is_private_by_default_authored_by_the_caller(session: Session, world: World) -> None:
    ticket = make_ticket(session, workspace=world.home, updated_at=PAST)

    note = service.create_ticket_note(
        session=session, caller=world.as_agent, ticket_id=ticket.id, body="  Called the user.  "
    )
    public = service.create_ticket_note(
        session=session, caller=world.as_agent, ticket_id=ticket.id, body="Fixed.", private=False
    )

    assert (note.private, note.agent_id, note.body) == (True, world.agent.id, "Called the user.")
    assert public.private is False
    detail = service.get_ticket(session=session, caller=world.as_agent, ticket_id=ticket.id)
    assert [n.id for n in detail.notes] == [note.id, public.id]
    assert detail.updated_at > PAST


def test_note_needs_a_body(session: Session, world: World) -> None:
    ticket = make_ticket(session, workspace=world.home)

    with pytest.raises(InvalidField, match="'body'"):
        service.create_ticket_note(session=session, caller=world.as_agent, ticket_id=ticket.id, body="  ")


def test_created_requester_is_a_single_row(session: Session, world: World) -> None:
    service.create_ticket(
        session=session,
        caller=world.as_agent,
        ticket_in=TicketCreate(subject="x", email="new.person+it@example.com"),
    )

    rows = session.exec(select(Requester).where(Requester.email == "new.person+it@example.com")).all()
    assert [(row.first_name, row.last_name) for row in rows] == [("New", "Person")]
