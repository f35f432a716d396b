"""What the capability tests share: both protocol eras, error checks, and rows read independently."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.tickets.models import Ticket

# The session era (initialize handshake, 2025-11-25) and the stateless 2026-07-28 era.
ERAS = pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])


async def invalid_params(call: Awaitable[Any]) -> str:
    """Await a request that must fail with JSON-RPC -32602; return its message."""
    with pytest.raises(MCPError) as failure:
        await call
    assert failure.value.code == INVALID_PARAMS, (failure.value.code, failure.value.message)
    assert "Traceback" not in failure.value.message
    return failure.value.message


def assert_no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


def ticket_ids(engine: Engine, *, workspace_id: int | None = None, inside: bool = True) -> list[int]:
    with Session(engine) as session:
        statement = select(col(Ticket.id)).order_by(col(Ticket.id))
        if workspace_id is not None:
            column = col(Ticket.workspace_id)
            statement = statement.where(column == workspace_id if inside else column != workspace_id)
        return [int(value) for value in session.exec(statement).all()]
