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
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from bench import dataset as datasets
from bench.processes import REPO_ROOT, cpu_seconds, pinned
from bench.run import UNREACHABLE_QUOTA

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
    url: str, key: str, deadline: float, share: float, max_id: int, results: dict[str, list]
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


def _serve(args: argparse.Namespace, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_QUOTA_PER_MINUTE": UNREACHABLE_QUOTA,
        "HELPDESK_QUOTA_PER_MONTH": UNREACHABLE_QUOTA,
    }
    if args.redis_url:
        env["HELPDESK_REDIS_URL"] = args.redis_url
    # The console script users run, from this virtualenv.
    command = [str(Path(sys.executable).parent / "helpdesk-mcp"), "serve", "--port", str(args.port)]
    command += ["--workers", str(args.workers)]
    command = ["taskset", "-c", args.server_cpu, *command] if args.server_cpu else pinned(None, command)
    with log.open("wb") as sink:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise SystemExit(f"server exited: see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server did not start: see {log}")


def _process_tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its children (``--workers`` runs the app in child processes)."""
    total = cpu_seconds(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += _process_tree_cpu(int(child))
    return total


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = args.database_url or datasets.default_database_url(args.scale)
    data = datasets.prepare(database_url, scale=args.scale)
    key = datasets.create_bench_key(database_url, data.admin_email)
    log = datasets.WORK_DIR / "logs" / "mixed-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    process = _serve(args, database_url, log)
    try:
        _wait_ready(base, process, log)
        os.sched_setaffinity(0, {args.client_cpu})
        results: dict[str, list] = {"latency": [], "failures": [], "reads": [], "writes": []}
        cpu_before, started = _process_tree_cpu(process.pid), time.monotonic()
        deadline = started + args.duration
        clients = [
            _client(f"{base}/mcp", key, deadline, args.write_share, data.max_ticket_id, results)
            for _ in range(args.clients)
        ]

        async def run_all() -> None:
            await asyncio.gather(*clients)

        asyncio.run(run_all())
        elapsed, cpu = time.monotonic() - started, _process_tree_cpu(process.pid) - cpu_before
    finally:
        process.terminate()
        process.wait(timeout=30)
    calls = len(results["latency"])
    locked_in_log = log.read_text(errors="replace").count(LOCKED)
    locked_in_answers = sum(LOCKED in failure for failure in results["failures"])
    report = {
        "server": f"helpdesk-mcp serve --workers {args.workers}",
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
