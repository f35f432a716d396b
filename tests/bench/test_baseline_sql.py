"""The bench's baseline runs the ticket service's SQL: its ratio compares the same database work.

``python -m bench.run`` warns when the two differ; these tests keep that check honest both ways
(no false alarm today, an alarm when the service's statements change).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

import schema  # noqa: F401 - every table, so the ORM can resolve the ticket's foreign keys
from bench.baseline import sql_drift
from domain import pagination
from domain.tickets.models import Ticket
from tests.utils.factories import make_requester, make_ticket, make_workspace


def _open_tickets(session: Session, count: int) -> list[Ticket]:
    workspace = make_workspace(session)
    requester = make_requester(session)
    return [make_ticket(session, workspace=workspace, requester=requester) for _ in range(count)]


def test_the_baseline_sends_the_statements_and_values_the_service_sends(session: Session) -> None:
    tickets = _open_tickets(session, 7)
    assert sql_drift(session, ticket_id=tickets[0].id or 0, pages=(1, 2), per_page=3) == []


def test_a_changed_count_in_the_service_is_reported(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = _open_tickets(session, 7)
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 5)  # the service now counts up to 6
    drift = sql_drift(session, ticket_id=tickets[0].id or 0, pages=(1, 2), per_page=3)
    assert drift
    assert all("'6'" in line and "'1001'" in line for line in drift)
