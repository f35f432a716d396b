"""Helpers for quota tests: their own database, a clock tests move, fresh periods, JSON-RPC bodies.

Quota tests commit (tickets, usage counters), so they use a database of their own rather than
the shared one domain tests expect empty: a SQLite file, or ``<test database>_<suffix>`` on the
PostgreSQL server of HELPDESK_TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from auth.apikeys import create_api_key
from domain.db import session_scope
from domain.people.models import Agent, AgentRole
from domain.usage.models import Granularity
from domain.usage.periods import window_at
from domain.usage.service import minute_calls_in_database
from domain.workspaces.models import Workspace
from server.app import create_app
from server.quotas import QuotaGate, build_quota_gate
from server.settings import Settings, load_settings
from server.tools.registry import all_tool_specs
from tests.utils.live import free_port, live_server

ACCEPT = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}
REDIS_ENV = "HELPDESK_TEST_REDIS_URL"
READ_TOOL = "fetchWorkspaces"
WRITE_TOOL = "createTicket"

_months = itertools.count()


@dataclass(frozen=True)
class Account:
    """An admin, its API key and the workspace its tickets go to."""

    key: str
    workspace_id: int
    agent_id: int
    email: str


def make_account(engine: Engine) -> Account:
    email = f"quota-{uuid.uuid4().hex[:8]}@example.test"
    with session_scope(engine) as session:
        workspace = Workspace(name=f"Quota {email}")
        agent = Agent(email=email, first_name="Quota", role=AgentRole.admin)
        session.add_all([workspace, agent])
        session.flush()
        assert workspace.id is not None and agent.id is not None
        return Account(create_api_key(session, email=email)[1], workspace.id, agent.id, email)


def fresh_moment(*, day: int = 15, hour: int = 12, minute: int = 30, second: int = 20) -> datetime:
    """A moment in a month no other test uses (nor the month after, where a test may move its clock)."""
    n = 2 * next(_months)
    return datetime(2040 + n // 12, n % 12 + 1, day, hour, minute, second, tzinfo=UTC)


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def quota_settings(
    database_url: str, port: int, storage: str, redis_url: str | None = None, **overrides: Any
) -> Settings:
    if storage == "redis":
        redis_url = redis_url or os.environ.get(REDIS_ENV)
    return load_settings(
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        redis_url=redis_url,
        quota_storage=storage,
        **overrides,
    )


@dataclass
class QuotaServer:
    url: str
    settings: Settings
    gate: QuotaGate
    clock: SettableClock
    engine: Engine

    def minute_used(self) -> int:
        """The account's calls this minute, where the gate counts them (memory, Redis, database)."""
        now = self.clock()
        used = self.gate.used(window_at(Granularity.minute, now))
        if used is None:
            with session_scope(self.engine) as session:
                return minute_calls_in_database(session=session, now=now)
        return used


@contextmanager
def quota_server(
    engine: Engine, storage: str, clock: SettableClock, redis_url: str | None = None, **limits: int
) -> Iterator[QuotaServer]:
    """A live server with every tool, the given quotas and minute storage, on ``clock``."""
    port = free_port()
    database_url = engine.url.render_as_string(hide_password=False)
    quotas = {f"quota_{k}": v for k, v in limits.items()}
    settings = quota_settings(database_url, port, storage, redis_url, **quotas)
    # The gate create_app would build, built here to keep a handle on its minute store.
    names = {spec.name for spec in all_tool_specs()}
    gate = build_quota_gate(settings, engine=engine, clock=clock, is_tool=names.__contains__)
    app = create_app(settings, engine=engine, gate=gate, clock=clock)
    with live_server(app, port) as url:
        yield QuotaServer(url=url, settings=settings, gate=gate, clock=clock, engine=engine)


def read_call(request_id: int | str) -> dict[str, Any]:
    return call(request_id, READ_TOOL, per_page=1)


def call(request_id: int | str, name: str, /, **arguments: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def post(url: str, key: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/mcp", json=body, headers={**ACCEPT, "Authorization": f"Bearer {key}", **headers}
    )


async def burst(urls: list[str], key: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every body at once (round-robin over ``urls``) and wait for all the answers."""
    headers = {**ACCEPT, "Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post(f"{urls[i % len(urls)]}/mcp", json=body, headers=headers)
                    for i, body in enumerate(bodies)
                )
            )
        )
