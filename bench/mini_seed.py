"""A small stand-in for ``seed.seed_database`` while the real seed is not on this branch.

It fills only what the two benchmarked tools read (workspaces, agents, requesters, tickets and
their notes) with bulk inserts, deterministically, in the proportions of the real seed:
scale 1 = 5,000 tickets. The admin is ``admin@helpdesk.test``, as in the real seed.
Delete this module once ``seed`` has landed on main and ``bench.dataset`` no longer needs it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, Engine

from domain.people.models import Agent, AgentWorkspace, Requester
from domain.tickets.models import Ticket, TicketNote
from domain.workspaces.models import Workspace

ADMIN_EMAIL = "admin@helpdesk.test"
TICKETS_PER_SCALE = 5000
BATCH = 5000
# Status mix of a helpdesk half a year in: most tickets done, a third still open.
STATUSES = {"open": 0.30, "pending": 0.15, "resolved": 0.30, "closed": 0.25}
WORDS = (
    *("printer", "vpn", "laptop", "password", "reset", "email", "outlook", "access", "badge"),
    *("monitor", "license", "install", "network", "wifi", "slow", "crash", "error", "update"),
    *("request", "new", "hire", "offboarding", "account", "locked", "phone", "dock", "keyboard"),
    *("share", "drive", "permission", "calendar", "meeting", "room", "projector", "software"),
)
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def is_seeded(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(select(func.count()).select_from(_table(Ticket))).scalar_one())


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seed_minimal(engine: Engine, *, scale: float) -> dict[str, int]:
    """Insert the rows the benchmark reads; return the row count per table."""
    rng = random.Random(f"bench-mini-seed/{scale}")
    tickets = max(1, round(TICKETS_PER_SCALE * scale))
    requesters = max(10, tickets // 50)
    agents = max(5, round(5 * scale**0.5))
    with engine.begin() as connection:
        _people(connection, requesters=requesters, agents=agents)
        statuses, weights = zip(*STATUSES.items(), strict=True)
        for batch in _batches(_ticket_rows(rng, tickets, requesters, agents, statuses, weights)):
            connection.execute(insert(_table(Ticket)), batch)
        for batch in _batches(_note_rows(rng, tickets, agents, requesters)):
            connection.execute(insert(_table(TicketNote)), batch)
        notes = connection.execute(select(func.count()).select_from(_table(TicketNote))).scalar_one()
    return {"workspace": 3, "agent": agents, "requester": requesters, "ticket": tickets, "ticket_note": notes}


def _people(connection: Connection, *, requesters: int, agents: int) -> None:
    connection.execute(
        insert(_table(Workspace)),
        [
            {"id": 1, "name": "IT", "description": "", "is_default": True, "created_at": START},
            {"id": 2, "name": "HR", "description": "", "is_default": False, "created_at": START},
            {"id": 3, "name": "Facilities", "description": "", "is_default": False, "created_at": START},
        ],
    )
    agent_rows = [
        {
            "id": number,
            "email": ADMIN_EMAIL if number == 1 else f"agent{number}@helpdesk.test",
            "first_name": "Admin" if number == 1 else f"Agent{number}",
            "last_name": "Bench",
            "job_title": "",
            "active": True,
            "role": "admin" if number == 1 else "agent",
            "created_at": START,
            "updated_at": START,
        }
        for number in range(1, agents + 1)
    ]
    connection.execute(insert(_table(Agent)), agent_rows)
    connection.execute(
        insert(_table(AgentWorkspace)),
        [{"agent_id": number, "workspace_id": 1 + number % 3} for number in range(2, agents + 1)],
    )
    connection.execute(
        insert(_table(Requester)),
        [
            {
                "id": number,
                "email": f"requester{number}@example.test",
                "first_name": f"Requester{number}",
                "last_name": "Bench",
                "job_title": "",
                "department": ("IT", "HR", "Sales", "Finance")[number % 4],
                "phone": "",
                "location": "",
                "active": True,
                "created_at": START,
                "updated_at": START,
            }
            for number in range(1, requesters + 1)
        ],
    )


def _ticket_rows(
    rng: random.Random,
    tickets: int,
    requesters: int,
    agents: int,
    statuses: tuple[str, ...],
    weights: tuple[float, ...],
) -> Iterator[dict[str, Any]]:
    for number in range(1, tickets + 1):
        created = START + timedelta(minutes=number * 2)
        yield {
            "id": number,
            "subject": _text(rng, 6),
            "description": _text(rng, 40),
            "status": rng.choices(statuses, weights)[0],
            "priority": rng.choice(("low", "medium", "high", "urgent")),
            "source": rng.choice(("email", "portal", "phone", "chat")),
            "type": rng.choice(("incident", "service_request")),
            "requester_id": rng.randint(1, requesters),
            "agent_id": rng.randint(1, agents) if rng.random() < 0.8 else None,
            "group_id": None,
            "workspace_id": rng.randint(1, 3),
            "due_by": None,
            "tags": rng.sample(WORDS, rng.randint(0, 3)),
            "catalog_item_id": None,
            "catalog_fields": None,
            "offboarding_request_id": None,
            "created_at": created,
            "updated_at": created + timedelta(hours=rng.randint(0, 72)),
        }


def _note_rows(rng: random.Random, tickets: int, agents: int, requesters: int) -> Iterator[dict[str, Any]]:
    for ticket in range(1, tickets + 1):
        for position in range(rng.randint(0, 6)):
            by_agent = rng.random() < 0.7
            yield {
                "ticket_id": ticket,
                "body": _text(rng, 30),
                "private": by_agent and rng.random() < 0.5,
                "agent_id": rng.randint(1, agents) if by_agent else None,
                "requester_id": None if by_agent else rng.randint(1, requesters),
                "created_at": START + timedelta(minutes=ticket * 2, hours=position + 1),
            }
