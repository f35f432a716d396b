"""Instructions per tool call, counted by valgrind: the figure a busy machine does not move.

    python -m bench.instructions [--tools fetchTicket,fetchTickets] [--protocols 2025-11-25]
    python -m bench.instructions --tree ../other-checkout    # the same calls on another checkout
    python -m bench.instructions --workers 1,2                # and as one worker of serve --workers 2

CPU time per call (``bench.run``) moves by 20 to 40% between runs on a shared 2-core machine, which
hides a 5% change. This counts what the calls execute instead: the app (``create_app`` with
``serve``'s settings, the request log included; quotas lifted) and the baseline
(``bench.baseline``) are driven in-process through ASGI, one call after another, under
``valgrind --tool=callgrind``, once with ``--few`` calls and once with ``--calls`` more; the
difference over the extra calls is the instructions one call costs, start-up excluded. Every
answer is checked (HTTP 200, no ``isError``). Repeat runs agree within ~5%: the server's
background work runs by the clock, and the audit table grows with every run.

The server's clock-driven work (the audit rows written in a batch every 250 ms, the quota counts
flushed every 0.5 s, the revocation check every 0.5 s) costs a call what one round of it costs
over the calls between two rounds. Under callgrind a call takes ~50 times as long as it does
natively, so each round would be shared by ~50 times fewer calls than under load, and counted
that much too often per call (2026-12-04, SQLite ``fetchTicket``: 2,530k instructions per call on
the real clock, 2,305k with the clock slowed 50 times). So the harness's monotonic clock, which
asyncio's timers and the revocation check read, runs ``--clock-slowdown`` times slower (default
50; 1 is the real clock): a round then comes about as often per call as it does natively.

What it leaves out: uvicorn's HTTP parsing and socket I/O (the same for both targets), and what
concurrency costs (the GIL handed between threads). What it keeps: the ASGI stack, the thread
hop, authentication, quota, audit, the tool, rendering, and the database driver's own work
(SQLite runs in-process). Each run takes ~1.5 minutes (Python is ~50x slower under callgrind); the
two runs of a scenario go in parallel.

``--harness`` is the in-process driver itself (what valgrind runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("fetchTicket", "fetchTickets")
PROTOCOLS = ("2025-11-25", "2026-07-28")
HOST = "127.0.0.1:8601"
_COLLECTED = re.compile(r"Collected : (\d+)")
# How many times longer a call takes under callgrind than natively (see the module docstring).
CLOCK_SLOWDOWN = 50.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20, help="seed scale of bench.run's SQLite dataset")
    parser.add_argument("--database-url", help="default: bench.run's SQLite file at --scale")
    parser.add_argument(
        "--redis-url",
        help="the server's HELPDESK_REDIS_URL (quota counters in Redis, as bench.run --compare)",
    )
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--protocols", default=PROTOCOLS[0], help="comma-separated protocol revisions")
    parser.add_argument("--targets", default="baseline,server", help="comma-separated: baseline, server")
    parser.add_argument("--few", type=int, default=10, help="calls in the first run (start-up reference)")
    parser.add_argument("--calls", type=int, default=200, help="calls the second run makes beyond --few")
    parser.add_argument(
        "--tree",
        type=Path,
        action="append",
        help="checkout whose code to count (its .venv's python if it has one); repeatable; default: this one",
    )
    parser.add_argument(
        "--path", default="/mcp", help="the server's URL path the calls go to, e.g. /mcp/x/tickets"
    )
    parser.add_argument(
        "--workers",
        default="1",
        help="comma-separated: count the server as one of N workers (serve --workers N sets "
        "HELPDESK_WORKERS and a PROMETHEUS_MULTIPROC_DIR), e.g. 1,2",
    )
    parser.add_argument(
        "--clock-slowdown",
        type=float,
        default=CLOCK_SLOWDOWN,
        help="the harness's monotonic clock runs this many times slower, as the calls do under "
        f"callgrind, so that the server's clock-driven work is counted per call as under load (default "
        f"{CLOCK_SLOWDOWN:g}; 1: the real clock)",
    )
    parser.add_argument(
        "--harness",
        nargs=10,
        metavar=("APP", "URL", "KEY", "TOOL", "PROTOCOL", "N", "MAX_ID", "PAGES", "PATH", "SLOWDOWN"),
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.harness:
        app, url, key, tool, protocol, count, max_id, pages, path, slowdown = args.harness
        _slow_monotonic_clock(float(slowdown))  # before the app's modules take time.monotonic
        draw = _Draw(random.Random(7), max_id=int(max_id), pages=int(pages))
        asyncio.run(_drive(app, url, key, tool, protocol, int(count), draw, path))
        return 0
    problem = _refusal(args)
    if problem:
        raise SystemExit(f"python -m bench.instructions: {problem}")
    from bench import dataset as datasets

    url = args.database_url or datasets.default_database_url(args.scale)
    data = datasets.prepare(url, scale=args.scale)
    key = datasets.create_bench_key(url, data.admin_email)
    # Ids and pages that exist (as bench.run draws them): pages of 30 open tickets, at most 50.
    dataset = (str(data.max_ticket_id), str(max(1, min(50, data.open_tickets // 30))))
    trees = [tree.resolve() for tree in args.tree] if args.tree else [REPO_ROOT]
    scenarios = _scenarios(args)
    print(
        f"valgrind --tool=callgrind, {args.few} then {args.few + args.calls} calls per scenario, the "
        f"clock {args.clock_slowdown:g} times slower; {url}"
    )
    header = f"{'tree':<24} {'target':<9} {'call @ protocol':<40} {'instructions/call':>18} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for tree in trees:
        baseline: dict[str, int] = {}
        for target, tool, protocol, workers in scenarios:
            per_call = _count(
                tree,
                target,
                (url, key, tool, protocol, *dataset),
                few=args.few,
                calls=args.calls,
                redis_url=args.redis_url,
                path=args.path if target == "server" else "/mcp",
                workers=workers,
                slowdown=args.clock_slowdown,
            )
            if target == "baseline":
                baseline[tool] = per_call
            ratio = f"{baseline[tool] / per_call:.2f}" if target == "server" and tool in baseline else ""
            label = f"{tool} @{protocol}" if target == "server" else tool
            if workers > 1:
                label += f" (worker of {workers})"
            print(f"{tree.name:<24} {target:<9} {label:<40} {per_call:>18,} {ratio:>6}", flush=True)
    return 0


def _refusal(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line or the machine, in one line; None when it can run."""
    if shutil.which("valgrind") is None:
        return "valgrind is not installed (apt-get install valgrind)"
    if args.few < 1 or args.calls < 1:
        return "--few and --calls must be 1 or more"
    if not args.clock_slowdown >= 1:  # also refuses nan
        return f"--clock-slowdown {args.clock_slowdown:g}: must be 1 (the real clock) or more"
    for option, given, known in (
        ("--targets", args.targets, ("baseline", "server")),
        ("--tools", args.tools, TOOLS),
        ("--protocols", args.protocols, PROTOCOLS),
    ):
        unknown = [name for name in _csv(given) if name not in known]
        if unknown or not _csv(given):
            return f"{option} {given!r}: choose from {', '.join(known)}"
    workers = _csv(args.workers)
    if not workers or not all(part.isdecimal() and 1 <= int(part) <= 64 for part in workers):
        return f"--workers {args.workers!r}: comma-separated numbers from 1 to 64"
    for tree in args.tree or []:
        if not (tree / "server" / "app.py").is_file():
            return f"--tree {tree}: not a checkout of this repository (no server/app.py)"
    return None


def _scenarios(args: argparse.Namespace) -> list[tuple[str, str, str, int]]:
    """(target, tool, protocol, workers) to count, in order: the baseline speaks one protocol and
    runs as one process; the server each protocol and worker count asked for."""
    return [
        (target, tool, protocol, workers)
        for target in _csv(args.targets)
        for tool in _csv(args.tools)
        for protocol in (_csv(args.protocols) if target == "server" else [PROTOCOLS[0]])
        for workers in (_workers(args.workers) if target == "server" else [1])
    ]


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _workers(value: str) -> list[int]:
    return [int(part) for part in _csv(value)]


def _count(
    tree: Path,
    target: str,
    harness: tuple[str, ...],
    *,
    few: int,
    calls: int,
    redis_url: str | None = None,
    path: str = "/mcp",
    workers: int = 1,
    slowdown: float = CLOCK_SLOWDOWN,
) -> int:
    """Instructions per call: two callgrind runs (``few`` and ``few + calls`` calls), in parallel.
    ``harness``: the database URL, key, tool, protocol, highest ticket id and pages to draw from.
    ``workers`` > 1: the app is one worker of that many, as ``serve --workers`` starts it (its
    ``HELPDESK_WORKERS``, metrics counted into files under a ``PROMETHEUS_MULTIPROC_DIR``)."""
    url, key, tool, protocol, max_id, pages = harness
    python = tree / ".venv" / "bin" / "python"
    interpreter = str(python) if python.exists() else sys.executable
    app = "bench.baseline:create" if target == "baseline" else "server.app:create_app"
    env = {name: value for name, value in os.environ.items() if not name.startswith("HELPDESK_")}
    env["PYTHONPATH"] = str(tree)
    env["PYTHONHASHSEED"] = "0"  # the same set and dict orders in every run
    if redis_url:
        env["HELPDESK_REDIS_URL"] = redis_url

    def run(count: int) -> int:
        with tempfile.TemporaryDirectory() as work:
            if workers > 1:
                env_run = {**env, "HELPDESK_WORKERS": str(workers), "PROMETHEUS_MULTIPROC_DIR": work}
            else:
                env_run = env
            command = [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={work}/callgrind.out",
                interpreter,
                __file__,  # this file, run as a script: the tree measured may not have it
                "--harness",
                *(app, url, key, tool, protocol, str(count), max_id, pages, path, str(slowdown)),
            ]
            done = subprocess.run(command, cwd=tree, env=env_run, capture_output=True, text=True, check=False)
        found = _COLLECTED.search(done.stderr)
        if done.returncode != 0 or found is None:
            raise SystemExit(f"{target} {tool} @{protocol} in {tree} failed:\n{done.stderr[-2000:]}")
        return int(found.group(1))

    with ThreadPoolExecutor(max_workers=2) as pool:
        small, large = pool.map(run, (few, few + calls))
    return (large - small) // calls


def _slow_monotonic_clock(slowdown: float) -> None:
    """``time.monotonic`` running ``slowdown`` times slower in this process: asyncio's timers (the
    audit and quota flushes' sleeps) and whatever reads the clock after this (the revocation check's
    interval) see time pass as a call does under callgrind."""
    if slowdown == 1:
        return
    real = time.monotonic
    started = real()
    time.monotonic = lambda: started + (real() - started) / slowdown


def _app(factory: str, url: str) -> Any:
    os.environ["HELPDESK_DATABASE_URL"] = url
    os.environ["HELPDESK_BASE_URL"] = f"http://{HOST}"
    os.environ["HELPDESK_QUOTA_PER_MINUTE"] = os.environ["HELPDESK_QUOTA_PER_MONTH"] = str(10**9)
    if factory == "bench.baseline:create":
        from bench.baseline import create

        return create()
    from server.app import create_app
    from server.logs import configure
    from server.settings import load_settings

    settings = load_settings()
    configure(settings.log_format, settings.log_level)  # serve's request log, to stderr
    return create_app(settings)


@dataclass(frozen=True, slots=True)
class _Draw:
    """The same pseudo-random calls in every run: ticket ids from 1..max_id, pages from 1..pages."""

    rng: random.Random
    max_id: int
    pages: int


def _body(number: int, tool: str, protocol: str, draw: _Draw) -> bytes:
    if tool == "fetchTicket":
        arguments = f'{{"ticket_id":{draw.rng.randint(1, draw.max_id)}}}'
    else:
        arguments = f'{{"status":"open","page":{draw.rng.randint(1, draw.pages)},"per_page":30}}'
    meta = ""
    if protocol >= "2026-07-28":
        meta = (
            f',"_meta":{{"io.modelcontextprotocol/protocolVersion":"{protocol}",'
            '"io.modelcontextprotocol/clientCapabilities":{},'
            '"io.modelcontextprotocol/clientInfo":{"name":"helpdesk-bench","version":"1"}}'
        )
    params = f'{{"name":"{tool}","arguments":{arguments}{meta}}}'
    return f'{{"jsonrpc":"2.0","id":{number},"method":"tools/call","params":{params}}}'.encode()


async def _drive(
    factory: str, url: str, key: str, tool: str, protocol: str, count: int, draw: _Draw, path: str = "/mcp"
) -> None:
    app = _app(factory, url)
    headers = [
        (b"host", HOST.encode()),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json, text/event-stream"),
        (b"mcp-protocol-version", protocol.encode()),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    if protocol >= "2026-07-28":
        headers += [(b"mcp-method", b"tools/call"), (b"mcp-name", tool.encode())]
    async with app.router.lifespan_context(app):
        for number in range(count):
            await _call(app, headers, _body(number, tool, protocol, draw), path)


async def _call(app: Any, headers: list[tuple[bytes, bytes]], body: bytes, path: str = "/mcp") -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8601),
    }
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    payload = b"".join(message.get("body", b"") for message in sent[1:])
    if sent[0].get("status") != 200 or b'"isError":true' in payload:
        raise SystemExit(f"bad answer: {sent[0].get('status')} {payload[:300]!r}")


if __name__ == "__main__":
    raise SystemExit(main())
