"""CPU cost of the quota gate per admitted tool call: `python -m bench.quota_gate`.

Builds the gate ``create_app`` builds (``server.quotas.build_quota_gate``) on a database of its
own and calls ``QuotaGate.admit`` N times in one thread, for each storage mode, printing the
CPU time (process time, so a busy machine does not inflate it) per admission. The first calls
are discarded (they load the month, the per-user overrides and SQLAlchemy's caches).

To compare with another version of the gate in the same run, point ``PYTHONPATH`` at its tree:
``PYTHONPATH=/path/to/old/tree python -m bench.quota_gate`` (only the public surface is used:
``build_quota_gate(settings, engine=, clock=, is_tool=)`` and ``admit(request, calls)``).

    python -m bench.quota_gate [--calls 5000] [--modes memory,database,redis]
        [--database-url URL] [--redis-url redis://127.0.0.1:6379/3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from domain import migrate
from domain.caller import Caller
from domain.db import make_engine
from server.context import Credential, McpRequest
from server.mcp_messages import ToolCall
from server.quotas import build_quota_gate
from server.settings import load_settings

WARM_UP = 200
LIMIT = 10**9  # never reached: every admission succeeds and writes what a real one writes


def _per_call_us(mode: str, database_url: str, redis_url: str | None, calls: int) -> float:
    engine = make_engine(database_url)
    settings = load_settings(
        database_url=database_url,
        redis_url=redis_url if mode == "redis" else None,
        quota_minute_storage=mode,  # the former name: older trees know only it, newer ones still read it
        quota_per_minute=LIMIT,
        quota_per_month=LIMIT,
    )
    now = datetime(2031, 5, 17, 12, 30, 10, tzinfo=UTC)
    gate = build_quota_gate(settings, engine=engine, clock=lambda: now)
    request = McpRequest(
        engine=engine,
        caller=Caller(agent_id=1, email="bench@example.test", is_admin=True),
        credential=Credential(kind="api_key", reference="bench"),
    )
    batch = [ToolCall(id=1, name="fetchTicket")]
    for _ in range(WARM_UP):
        gate.admit(request, batch)
    started = time.process_time()
    for _ in range(calls):
        gate.admit(request, batch)
    spent = time.process_time() - started
    flush = getattr(gate, "flush", None)
    if flush is not None:
        flush()
    engine.dispose()
    return spent / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--modes", default="memory,database")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file of its own")
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{Path(folder) / 'quota-bench.db'}"
        migrate.upgrade(make_engine(database_url))
        for mode in args.modes.split(","):
            if mode == "redis" and not args.redis_url:
                print(f"{mode:>9}: skipped (no --redis-url)")
                continue
            figure = _per_call_us(mode, database_url, args.redis_url, args.calls)
            print(f"{mode:>9}: {figure:8.1f} µs CPU per admitted call ({args.calls} calls)")


if __name__ == "__main__":
    main()
