"""The bench's baseline app keeps to its pool as the server does: a call never opens a connection.

With anyio's 40 threads against a pool of 8 (+8 overflow), the baseline opened and closed database
connections all the time under ``wrk -c16`` (745 PostgreSQL sessions in one cell), which made the
ceiling it stands for lower than it is. Served through ASGI with httpx, many calls at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.baseline import create_baseline_app
from domain.db import make_engine


async def test_calls_at_once_hold_no_more_connections_than_the_baseline_has_threads(
    engine: Engine, database_url: str
) -> None:
    del engine  # the test database, migrated; the baseline gets an engine of its own
    pool = make_engine(database_url, pool_size=2)
    lock = threading.Lock()
    seen = {"connects": 0, "in_use": 0, "most_in_use": 0}

    def connected(*_: Any) -> None:
        with lock:
            seen["connects"] += 1

    def checked_out(*_: Any) -> None:
        with lock:
            seen["in_use"] += 1
            seen["most_in_use"] = max(seen["most_in_use"], seen["in_use"])
        time.sleep(0.005)  # a database a little slower than a local file: calls overlap

    def checked_in(*_: Any) -> None:
        with lock:
            seen["in_use"] -= 1

    event.listen(pool, "connect", connected)
    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
    app = create_baseline_app(pool, threads=2)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "fetchTicket"}}
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            calls = [
                client.post(
                    "/mcp", json={**body, "params": {**body["params"], "arguments": {"ticket_id": 10**9 + n}}}
                )
                for n in range(24)
            ]
            answers = await asyncio.gather(*calls)
    finally:
        pool.dispose()
    assert [answer.status_code for answer in answers] == [200] * 24
    assert all(
        "No ticket with ticket_id" in answer.json()["result"]["content"][0]["text"] for answer in answers
    )
    assert seen["most_in_use"] <= 2
    assert seen["connects"] <= 2
