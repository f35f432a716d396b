"""What a SIGKILL costs the monthly quota count: `python -m bench.quota_kill`.

For each quota storage mode: starts a real ``helpdesk-mcp serve`` on a database of its own,
sends tool calls from 8 concurrent clients for ``--seconds``, kills the server with SIGKILL
while they are still sending, starts it again on the same database (and Redis) and reads the
month's count from the ``RateLimit`` header of one more call. It prints the calls answered 200
before the kill, the count after the restart, and the difference: calls answered but no longer
counted (the batch gathered since the last flush; what a later process may admit too many).
Calls in flight at the kill may have been counted without an answer, so a difference can be
negative. With Redis the month also lives in Redis, which a server's kill does not touch; the
database's row is printed too (what a Redis flush would fall back to).

    python -m bench.quota_kill [--modes memory,database,redis] [--seconds 3] [--port 8620]
        [--redis-url redis://127.0.0.1:6379/3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from auth.apikeys import create_api_key
from domain import migrate
from domain.db import make_engine, session_scope
from domain.people.models import Agent, AgentRole
from domain.usage.models import Granularity, UsageScope
from domain.usage.service import counter
from domain.workspaces.models import Workspace

LIMIT = 10**9
CLIENTS = 8
BODY = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "fetchWorkspaces", "arguments": {"per_page": 1}},
}


def _account(database_url: str) -> str:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        session.add_all(
            [
                Workspace(name="Kill bench"),
                Agent(email="kill@example.test", first_name="Kill", role=AgentRole.admin),
            ]
        )
        session.flush()
        key = create_api_key(session, email="kill@example.test")[1]
    engine.dispose()
    return key


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    installed = Path(sys.executable).parent / "helpdesk-mcp"  # what users run
    serve = [str(installed)] if installed.exists() else [sys.executable, "-m", "server.cli"]
    command = [*serve, "serve", "--port", str(port)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError(f"serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"serve did not start:\n{log.read_text()}")


async def _load(url: str, key: str, seconds: float) -> tuple[int, float]:
    """Calls answered 200 by the time the server dies (or ``seconds`` plus a margin), and the rate."""
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"}
    answered = 0
    stop = time.monotonic() + seconds + 30  # bounded even if the kill never comes

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal answered
        while time.monotonic() < stop:
            try:
                response = await http.post(f"{url}/mcp", json=BODY, headers=headers)
            except httpx.TransportError:
                return  # the server is gone
            if response.status_code == 200:
                answered += 1

    started = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    return answered, answered / max(1e-9, time.monotonic() - started)


def _month_used(url: str, key: str) -> int:
    """The month's count as the restarted server sees it, from one more call's ``RateLimit``."""
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"}
    response = httpx.post(f"{url}/mcp", json=BODY, headers=headers, timeout=10)
    remaining = re.search(r'"month";r=(\d+)', response.headers.get("RateLimit", ""))
    assert response.status_code == 200 and remaining, response.text
    return LIMIT - int(remaining.group(1)) - 1  # without the call that read it


def _database_row(database_url: str) -> int:
    engine = make_engine(database_url)
    period = time.strftime("%Y-%m", time.gmtime())
    with session_scope(engine) as session:
        value = counter(session=session, key=(Granularity.month, period, UsageScope.account, ""))
    engine.dispose()
    return value


def _round(mode: str, args: argparse.Namespace, folder: Path) -> str:
    database_url = f"sqlite:///{folder / f'kill-{mode}.db'}"
    key = _account(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env |= {
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_QUOTA_STORAGE": mode,
        "HELPDESK_QUOTA_PER_MINUTE": "0",
        "HELPDESK_QUOTA_PER_MONTH": str(LIMIT),
        "HELPDESK_LOG_LEVEL": "warning",
        "HELPDESK_AUDIT_BATCH_MILLISECONDS": "250",
    }
    if mode == "redis":
        env["HELPDESK_REDIS_URL"] = args.redis_url
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    url = f"http://127.0.0.1:{args.port}"
    log = folder / f"serve-{mode}.log"
    server = _serve(env, args.port, log)

    def kill_later() -> None:
        os.kill(server.pid, signal.SIGKILL)

    loop = asyncio.new_event_loop()
    loop.call_later(args.seconds, kill_later)
    answered, rate = loop.run_until_complete(_load(url, key, args.seconds))
    loop.close()
    server.wait()
    restarted = _serve(env, args.port, log)
    try:
        counted = _month_used(url, key)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)
    row = _database_row(database_url)
    lost = answered - counted
    return (
        f"{mode:>9}: answered {answered:6d}  counted after restart {counted:6d}  lost {lost:5d} "
        f"({lost / rate * 1000:6.0f} ms of calls at {rate:5.0f}/s)  database row {row - 1:6d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--modes", default="memory,database")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8620)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for mode in args.modes.split(","):
                if mode == "redis" and not args.redis_url:
                    print(f"{mode:>9}: skipped (no --redis-url)")
                    continue
                (Path(folder) / f"kill-{mode}.db").unlink(missing_ok=True)
                print(f"round {round_ + 1} {_round(mode, args, Path(folder))}", flush=True)


if __name__ == "__main__":
    main()
