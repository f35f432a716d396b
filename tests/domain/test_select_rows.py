"""``domain.db.select_rows``: a reused SELECT run on the DB-API cursor gives what SQLAlchemy gives.

On the test database (SQLite, or PostgreSQL with HELPDESK_TEST_DATABASE_URL): every value read is
converted as SQLAlchemy's execution converts it (timestamps, enums, JSON, booleans), every value
bound too (a timestamp, an enum, an expanding IN list), and errors are SQLAlchemy's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, func, select
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlmodel import Session

from bench.statements import recorded
from domain.db import select_rows
from domain.people.models import AgentRole
from domain.tickets import service
from domain.tickets.models import Ticket, TicketNote, TicketPriority, TicketStatus
from tests.utils.factories import make_agent, make_note, make_requester, make_ticket, make_workspace

TICKET: Table = Ticket.__table__  # type: ignore[attr-defined]
NOTE: Table = TicketNote.__table__  # type: ignore[attr-defined]
SINCE = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
# The same instant as given by a caller two hours east: bound, it must be converted to UTC.
SINCE_EAST = SINCE.astimezone(timezone(timedelta(hours=2)))


def _both(session: Session, statement: Any, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    connection = session.connection()
    expected = [tuple(row) for row in connection.execute(statement, params).all()]
    return select_rows(connection, statement, params), expected


@pytest.fixture
def tickets(session: Session) -> list[Ticket]:
    home, away = make_workspace(session, is_default=True), make_workspace(session)
    agent = make_agent(session, workspaces=[home], role=AgentRole.agent)
    requester = make_requester(session)
    made = []
    for number in range(6):
        ticket = make_ticket(
            session,
            workspace=home if number % 2 else away,
            requester=requester,
            agent=agent if number % 3 else None,
            status=TicketStatus.pending if number % 2 else TicketStatus.open,
            priority=TicketPriority.urgent if number == 4 else TicketPriority.low,
            tags=["vpn", f"t{number}"],
            catalog_fields={"seats": number} if number == 5 else None,
            due_by=SINCE + timedelta(days=number) if number % 2 else None,
            updated_at=SINCE + timedelta(hours=number - 3),
        )
        make_note(session, ticket=ticket, agent=agent, private=bool(number % 2))
        made.append(ticket)
    return made


def test_rows_and_their_values_are_what_sqlalchemy_gives(session: Session, tickets: list[Ticket]) -> None:
    for ticket in tickets:
        got, expected = _both(session, service._TICKET_BY_ID, {"ticket_id": ticket.id})
        assert got == expected and len(got) == 1
        got, expected = _both(session, service._NOTES_OF_TICKET, {"ticket_id": ticket.id})
        assert got == expected and len(got) == 1
    row = select_rows(session.connection(), service._TICKET_BY_ID, {"ticket_id": tickets[5].id})[0]
    values = dict(zip(TICKET.c.keys(), row, strict=False))
    assert values["status"] == TicketStatus.pending
    assert values["tags"] == ["vpn", "t5"] and values["catalog_fields"] == {"seats": 5}
    assert isinstance(values["updated_at"], datetime) and isinstance(values["due_by"], datetime)


def test_bound_values_are_converted_by_their_types(session: Session, tickets: list[Ticket]) -> None:
    statement = (
        select(TICKET.c.id, TICKET.c.updated_at, TICKET.c.priority)
        .where(TICKET.c.updated_at >= bindparam("since", type_=TICKET.c.updated_at.type))
        .where(TICKET.c.priority == bindparam("priority", type_=TICKET.c.priority.type))
        .where(TICKET.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(TICKET.c.id)
        .limit(10)
    )
    ids = [ticket.id for ticket in tickets]
    for priority in (TicketPriority.low, TicketPriority.urgent):
        for chosen in (ids, ids[:1], ids[3:]):
            params = {"since": SINCE_EAST, "priority": priority, "ids": chosen}
            got, expected = _both(session, statement, params)
            assert got == expected
    got, _ = _both(session, statement, {"since": SINCE_EAST, "priority": TicketPriority.low, "ids": ids})
    assert [row[0] for row in got] == [ids[3], ids[5]]  # at or after SINCE, low priority


def test_a_count_and_an_empty_result(session: Session, tickets: list[Ticket]) -> None:
    in_ids = TICKET.c.id.in_(bindparam("ids", expanding=True))
    counting = select(func.count()).select_from(TICKET).where(in_ids)
    ids = [ticket.id for ticket in tickets]
    assert select_rows(session.connection(), counting, {"ids": ids}) == [(6,)]
    assert select_rows(session.connection(), service._TICKET_BY_ID, {"ticket_id": 10**9}) == []


def test_a_missing_value_is_refused_before_anything_is_sent(session: Session) -> None:
    with pytest.raises(InvalidRequestError, match="ticket_id"):
        select_rows(session.connection(), service._NOTES_OF_TICKET, {})


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(session: Session, tickets: list[Ticket]) -> None:
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    statement = select(missing.c.id).where(missing.c.id == bindparam("id"))
    by_id = {"ticket_id": tickets[1].id}
    before = select_rows(session.connection(), service._TICKET_BY_ID, by_id)
    with pytest.raises(DBAPIError, match="no_such_table"), session.begin_nested():
        select_rows(session.connection(), statement, {"id": 1})
    # The connection's cursor, kept between reads, was the one that failed: the next read opens another.
    assert select_rows(session.connection(), service._TICKET_BY_ID, by_id) == before


def test_reads_are_recorded_at_the_connection_with_the_cursor_kept_between_them(
    session: Session, tickets: list[Ticket]
) -> None:
    # Query counts (tests.utils.queries) and the bench's drift check see select_rows' statements
    # through a recording DB-API connection: a cursor kept from before the recording must not hide them.
    by_id = {"ticket_id": tickets[2].id}
    first = select_rows(session.connection(), service._NOTES_OF_TICKET, by_id)
    with recorded(session) as sent:
        assert select_rows(session.connection(), service._NOTES_OF_TICKET, by_id) == first
        assert select_rows(session.connection(), service._TICKET_BY_ID, by_id)
    assert len(sent) == 2
    assert "ticket_note" in sent[0][0]
    assert select_rows(session.connection(), service._NOTES_OF_TICKET, by_id) == first
    assert len(sent) == 2  # past the block, the recording connection's cursor is not used


def test_a_write_is_refused(session: Session, tickets: list[Ticket]) -> None:
    # A write run past SQLAlchemy would not move the identity generation (domain.freshness).
    closing = TICKET.update().where(TICKET.c.id == bindparam("ticket_id")).values(status="closed")
    with pytest.raises(TypeError, match="SELECTs only"):
        select_rows(session.connection(), closing, {"ticket_id": tickets[0].id})  # type: ignore[arg-type]
    assert session.get(Ticket, tickets[0].id).status != TicketStatus.closed  # type: ignore[union-attr]
