"""Concurrent clients mixing reads and writes against ``helpdesk-mcp serve`` as users run it.

    python -m bench.mixed [--clients 32] [--duration 60] [--write-share 0.2] [--database-url URL]

Starts ``helpdesk-mcp serve`` with its defaults (log level info, one worker unless ``--workers``;
only the quotas are lifted, so the quota check runs but never refuses) pinned to CPU 0, and
runs ``--clients`` concurrent clients on CPU 1, each sending one call after another for
``--duration`` seconds: ``fetchTicket`` on a random ticket, or (``--write-share`` of the calls)
``createTicketNote`` on one. Every answer is checked. It prints the calls per second, latency
percentiles, the server's CPU per call, failed answers, and how often "database is locked"
appeared in answers or in the server's log. The exit status is 1 if any answer failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections.abc import Sequence
from typing import Any

import httpx

from bench import dataset as datasets
from bench.processes import Target, serve, tree_cpu_seconds
from bench.run import server_env

LOCKED = "database is locked"
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "Mcp-Protocol-Version": "2025-11-25",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--write-share", type=float, default=0.2, help="share of calls that write")
    parser.add_argument("--scale", type=float, default=20, help="seed scale of the default database")
    parser.add_argument("--database-url", help="default: SQLite file bench/.work/bench-s<scale>.db")
    parser.add_argument("--redis-url", help="HELPDESK_REDIS_URL for the server")
    parser.add_argument("--workers", type=int, default=1, help="helpdesk-mcp serve --workers")
    parser.add_argument("--port", type=int, default=8602)
    parser.add_argument("--server-cpu", default="0", help="CPU list the server is pinned to")
    parser.add_argument("--client-cpu", type=int, default=1, help="CPU the clients run on")
    return parser.parse_args(argv)


def _body(number: int, write: bool, max_id: int) -> dict[str, object]:
    ticket = random.randint(1, max_id)
    if write:
        name, arguments = "createTicketNote", {"ticket_id": ticket, "body": f"bench note {number}"}
    else:
        name, arguments = "fetchTicket", {"ticket_id": ticket}
    return {
        "jsonrpc": "2.0",
        "id": number,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def _failure(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    text = response.text
    if '"isError":true' in text or '"error":' in text[:200]:
        return text[:300]
    return None


async def _client(
    url: str, key: str, deadline: float, share: float, max_id: int, results: dict[str, list[Any]]
) -> None:
    headers = {**HEADERS, "Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=60) as http:
        number = 0
        while time.monotonic() < deadline:
            number += 1
            write = random.random() < share
            started = time.perf_counter()
            try:
                response = await http.post(url, json=_body(number, write, max_id), headers=headers)
                failure = _failure(response)
            except httpx.HTTPError as exc:
                failure = repr(exc)
            results["latency"].append(time.perf_counter() - started)
            results["writes" if write else "reads"].append(1)
            if failure:
                results["failures"].append(failure)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = args.database_url or datasets.default_database_url(args.scale)
    data = datasets.prepare(database_url, scale=args.scale)
    key = datasets.create_bench_key(database_url, data.admin_email)
    target = Target(
        name="mixed-server",
        role="server",
        port=args.port,
        database_url=database_url,
        workers=args.workers,
        redis_url=args.redis_url,
        cpus=args.server_cpu or None,
    )
    log_dir = datasets.WORK_DIR / "logs"
    results: dict[str, list[Any]] = {"latency": [], "failures": [], "reads": [], "writes": []}
    with serve(target, env=server_env(target), loop="auto", http="auto", log_dir=log_dir) as running:
        os.sched_setaffinity(0, {args.client_cpu})
        cpu_before, started = tree_cpu_seconds(running.pid), time.monotonic()
        deadline = started + args.duration
        clients = [
            _client(f"{target.base_url}/mcp", key, deadline, args.write_share, data.max_ticket_id, results)
            for _ in range(args.clients)
        ]

        async def run_all() -> None:
            await asyncio.gather(*clients)

        asyncio.run(run_all())
        elapsed, cpu = time.monotonic() - started, tree_cpu_seconds(running.pid) - cpu_before
    log = running.log
    calls = len(results["latency"])
    locked_in_log = log.read_text(errors="replace").count(LOCKED)
    locked_in_answers = sum(LOCKED in failure for failure in results["failures"])
    report = {
        "server": target.runs,
        "server_cpus": target.cpus or "any",
        "load_average": " ".join(f"{value:.1f}" for value in os.getloadavg()),
        "database": database_url.split("://", 1)[0],
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "calls": calls,
        "reads": len(results["reads"]),
        "writes": len(results["writes"]),
        "calls_per_s": round(calls / elapsed, 1),
        "p50_ms": round(_percentile(results["latency"], 0.50), 1),
        "p99_ms": round(_percentile(results["latency"], 0.99), 1),
        "max_ms": round(max(results["latency"], default=0) * 1000, 1),
        "server_cpu_ms_per_call": round(cpu / calls * 1000, 2) if calls else None,
        "errors": len(results["failures"]),
        "database_is_locked": locked_in_answers + locked_in_log,
    }
    print(json.dumps(report, indent=2))
    if results["failures"]:
        print("first failure:", results["failures"][0])
    return 1 if results["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
