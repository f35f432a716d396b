"""Helpers for quota tests: a clock tests move, fresh periods, JSON-RPC bodies and bursts of calls."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.usage.service import minute_calls_in_database
from server.app import create_app
from server.quotas import QuotaGate, build_quota_gate
from server.quotas.windows import KEY_PREFIX
from server.settings import Settings, load_settings
from tests.utils.live import free_port, live_server
from tests.utils.quota_tools import TOOLS

ACCEPT = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}
REDIS_ENV = "HELPDESK_TEST_REDIS_URL"

_months = itertools.count()


def fresh_moment(*, day: int = 15, hour: int = 12, minute: int = 30, second: int = 20) -> datetime:
    """A moment in a month no other test uses (nor the month after, where a test may move its clock)."""
    n = 2 * next(_months)
    return datetime(2040 + n // 12, n % 12 + 1, day, hour, minute, second, tzinfo=UTC)


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def quota_settings(database_url: str, port: int, storage: str, **overrides: Any) -> Settings:
    redis_url = os.environ.get(REDIS_ENV) if storage == "redis" else None
    return load_settings(
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        redis_url=redis_url,
        quota_minute_storage=storage,
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
        now = self.clock()
        store = self.gate.minute_store
        if store is None:
            with session_scope(self.engine) as session:
                return minute_calls_in_database(session=session, now=now)
        from domain.usage.models import Granularity
        from domain.usage.periods import window_at

        return int(store.storage.get(KEY_PREFIX + window_at(Granularity.minute, now).period))


@contextmanager
def quota_server(
    engine: Engine, database_url: str, storage: str, clock: SettableClock, **limits: int
) -> Iterator[QuotaServer]:
    """A live server with the test tools, the given quotas and minute storage, on ``clock``."""
    port = free_port()
    settings = quota_settings(database_url, port, storage, **{f"quota_{k}": v for k, v in limits.items()})
    names = {spec.name for spec in TOOLS}
    gate = build_quota_gate(settings, engine=engine, clock=clock, is_tool=names.__contains__)
    app = create_app(settings, engine=engine, tool_specs=TOOLS, gate=gate, clock=clock)
    with live_server(app, port) as url:
        yield QuotaServer(url=url, settings=settings, gate=gate, clock=clock, engine=engine)


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
