"""The baseline answers what the server answers: the same structured content for the same calls.

Its ratio means something only while it does the server's work minus the server's layers; a
baseline that answered less (a field missing, notes not read) would be a ceiling too high. Served
through ASGI with its lifespan, on a seeded database of its own, compared with the ticket
service's results dumped as the tools dump them (``server.render.answer``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.baseline import Queries, create_baseline_app, reads_in_autocommit
from domain import migrate
from domain.caller import Caller
from domain.db import make_engine
from domain.tickets import service
from domain.tickets.models import Ticket, TicketNote
from seed import seed_database

PER_PAGE = 2  # the seed at this scale has a few open tickets: two pages at least


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from tests.utils.databases import own_database_url

    engine = make_engine(own_database_url(Path(tmp_path_factory.mktemp("baseline")), "baseline"))
    migrate.upgrade(engine)
    seed_database(engine, scale=0.02)
    yield engine
    engine.dispose()


async def _structured(engine: Engine, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    app = create_baseline_app(engine, threads=2)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        answers = []
        for number, (name, arguments) in enumerate(call.popitem() for call in calls):
            body = {
                "jsonrpc": "2.0",
                "id": number,
                "method": "tools/call",
                "params": {"name": name, "arguments": arguments},
            }
            answer = (await client.post("/mcp", json=body)).json()["result"]
            assert answer["isError"] is False, answer
            answers.append(answer["structuredContent"])
    return answers


async def test_the_baseline_answers_the_structured_content_the_service_gives(seeded: Engine) -> None:
    caller = Caller(agent_id=0, email="bench@example.test", is_admin=True)
    with Session(seeded) as session:
        most_notes = func.count().desc()
        with_notes = session.scalar(
            select(TicketNote.ticket_id).group_by(TicketNote.ticket_id).order_by(most_notes).limit(1)
        )
        unassigned = session.scalar(select(func.min(Ticket.id)).where(Ticket.agent_id.is_(None)))  # type: ignore[union-attr]
        first = session.scalar(select(func.min(Ticket.id)))
        ticket_ids = [ticket_id for ticket_id in (first, with_notes, unassigned) if ticket_id is not None]
        assert len(set(ticket_ids)) >= 2  # the seed has notes and unassigned tickets
        expected = [
            service.get_ticket(session=session, caller=caller, ticket_id=ticket_id).model_dump(
                mode="json", by_alias=True
            )
            for ticket_id in ticket_ids
        ] + [
            service.list_tickets(
                session=session, caller=caller, status="open", page=page, per_page=PER_PAGE
            ).model_dump(mode="json", by_alias=True)
            for page in (1, 2)
        ]
    calls: list[dict[str, Any]] = [{"fetchTicket": {"ticket_id": ticket_id}} for ticket_id in ticket_ids]
    calls += [{"fetchTickets": {"status": "open", "page": page, "per_page": PER_PAGE}} for page in (1, 2)]
    answers = await _structured(seeded, calls)
    assert max(len(answer.get("notes", [])) for answer in answers[: len(ticket_ids)]) >= 2
    assert answers == expected


def test_the_baseline_keeps_its_prepared_statements_on_postgresql(seeded: Engine) -> None:
    """psycopg prepares a statement on its fifth run and forgets every one on a ROLLBACK: in a
    transaction the pool's rollback on each return made the baseline plan its SQL on every call."""
    if seeded.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    engine = make_engine(seeded.url.render_as_string(hide_password=False), pool_size=1)
    try:
        with engine.connect() as connection:  # a connection pooled before the baseline's set-up
            first = connection.execute(select(func.min(Ticket.id))).scalar_one()
        queries = Queries(reads_in_autocommit(engine))
        for _ in range(6):
            queries.fetch_ticket({"ticket_id": first})
        with engine.connect() as connection:
            prepared = (
                connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
            )
    finally:
        engine.dispose()
    assert any("FROM ticket_note" in statement for statement in prepared)
    assert any("FROM ticket JOIN requester" in statement for statement in prepared)
