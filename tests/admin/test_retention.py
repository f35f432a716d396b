"""The server expires its own audit log: once at start-up (before it serves) and then every
interval, on the injected clock; the waits between runs are injected too, so nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from domain.audit.models import AuditEntry, Outcome
from domain.audit.service import Actor, ToolCallRecord, record_admin_action, record_call
from domain.db import session_scope
from server.app import create_app
from server.audit import AuditRetention
from server.settings import Settings
from tests.auth.fakes import FakeClock


def _call_at(engine: Engine, clock: FakeClock, *, days_ago: float, tool: str) -> None:
    with session_scope(engine) as session:
        record_call(
            session=session,
            call=ToolCallRecord(
                at=clock.now - timedelta(days=days_ago),
                agent_id=None,
                agent_email="retention@x.test",
                credential_kind="api_key",
                credential="hdk_retention",
                tool=tool,
                arguments="",
                outcome=Outcome.ok,
                error=None,
                duration_ms=1,
            ),
        )


def _tools_left(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        rows = session.exec(select(AuditEntry.tool).where(col(AuditEntry.agent_email) == "retention@x.test"))
        return set(rows)


async def test_server_start_up_removes_entries_older_than_the_retention(
    settings: Settings, engine: Engine, clock: FakeClock
) -> None:
    assert (settings.audit_retention_days, settings.admin_audit_retention_days) == (7, 365)
    _call_at(engine, clock, days_ago=8, tool="expired")
    _call_at(engine, clock, days_ago=6.9, tool="kept")
    with session_scope(engine) as session:  # an admin's change, older than any tool call kept
        record_admin_action(
            session=session,
            actor=Actor(channel="console", agent_id=1, email="retention@x.test"),
            action="agents.deactivate",
            subject="leaver@x.test",
            at=clock.now - timedelta(days=300),
        )
    app = create_app(settings, engine=engine, clock=clock)
    async with app.router.lifespan_context(app):
        assert _tools_left(engine) == {"kept", "agents.deactivate"}
        # The server's own clean-up, run again later: time moves, the other row expires too.
        clock.advance(days=1)
        assert await app.state.audit_retention.purge_once() >= 1
        assert _tools_left(engine) == {"agents.deactivate"}
        clock.advance(days=66)  # a year after the change
        assert await app.state.audit_retention.purge_once() >= 1
        assert _tools_left(engine) == set()


async def test_retention_runs_again_after_every_interval(engine: Engine, clock: FakeClock) -> None:
    send, receive = anyio.create_memory_object_stream[None](0)
    waits: list[timedelta] = []

    async def wait(interval: timedelta) -> None:
        waits.append(interval)
        await receive.receive()

    retention = AuditRetention(
        engine=engine,
        retention_days=7,
        admin_retention_days=365,
        clock=clock,
        interval=timedelta(hours=1),
        wait=wait,
    )
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(retention.run_forever)
        _call_at(engine, clock, days_ago=6.5, tool="ages")
        await send.send(None)  # first interval over: nothing has expired yet
        await send.send(None)  # accepted only once the first run is done and it waits again
        assert _tools_left(engine) == {"ages"}
        clock.advance(hours=13)
        await send.send(None)
        await send.send(None)
        assert _tools_left(engine) == set()
        tasks.cancel_scope.cancel()
    assert waits[:3] == [timedelta(hours=1)] * 3
