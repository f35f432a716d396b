"""Does a call cost the same at a million tickets as at ten thousand? Both, in the same run.

``python -m bench.scale`` seeds (once; kept in a cache directory outside the repository) a small
and a large dataset, starts the server on each, and sends the same calls to both, alternating in
rounds so that the machine's load falls on both alike. It prints the p50 latency and the server's
CPU per call of each case at both sizes with their ratios, and the query plans of the cases whose
p50 grows, captured by running the same service calls in-process. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.dataset import Dataset, create_bench_key, prepare
from bench.processes import Running, Target, clean_environment, cpu_seconds, serve
from domain.caller import Caller
from domain.db import make_engine, session_scope
from domain.pagination import cursor_after
from domain.tickets.models import Ticket
from seed.demo import ADMIN_EMAIL, AGENT_EMAIL, DEMO_AGENT_ID, IT_WORKSPACE_ID

PROTOCOL = "2025-11-25"
UNREACHABLE_QUOTA = str(10**9)
RSS_GOAL_MIB = 120  # one worker under load at a million tickets (issue 14)
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "helpdesk-mcp" / "bench"
ADMIN = Caller(agent_id=1, email=ADMIN_EMAIL, is_admin=True)
AGENT = Caller(
    agent_id=DEMO_AGENT_ID, email=AGENT_EMAIL, is_admin=False, workspace_ids=frozenset({IT_WORKSPACE_ID})
)


@dataclass(frozen=True, slots=True)
class Case:
    """One call, the same at both sizes; ``arguments`` may depend on the dataset (a deep cursor)."""

    name: str
    tool: str
    arguments: Callable[[Dataset], dict[str, Any]]
    as_agent: bool = False
    target: bool = True  # counted against the 1.5x goal (page numbers are shown for comparison)


def _deep_cursor(data: Dataset) -> dict[str, Any]:
    after = data.min_ticket_id + (data.max_ticket_id - data.min_ticket_id) * 9 // 10
    return {"per_page": 30, "cursor": cursor_after(Ticket.id, after, page=2)}


def _deep_page(data: Dataset) -> dict[str, Any]:
    return {"per_page": 30, "page": max(1, data.tickets * 9 // 10 // 30)}


CASES = [
    Case("fetchTickets first page", "fetchTickets", lambda d: {"per_page": 30}),
    Case("fetchTickets deep page (cursor, 90%)", "fetchTickets", _deep_cursor),
    Case("fetchTickets status=open", "fetchTickets", lambda d: {"status": "open", "per_page": 30}),
    Case("fetchTickets priority=urgent", "fetchTickets", lambda d: {"priority": "urgent", "per_page": 30}),
    Case("fetchTickets status+priority", "fetchTickets", lambda d: {"status": "pending", "priority": "high"}),
    Case("fetchTickets as agent, open", "fetchTickets", lambda d: {"status": "open"}, as_agent=True),
    Case("fetchAssets first page", "fetchAssets", lambda d: {"per_page": 30}),
    Case(
        "fetchSolutionArticleSearch",
        "fetchSolutionArticleSearch",
        lambda d: {"search_term": "reset password"},
    ),
    Case(
        "fetchServiceCatalogItemSearch", "fetchServiceCatalogItemSearch", lambda d: {"search_term": "laptop"}
    ),
    Case("fetchTicket (ids across the table)", "fetchTicket", lambda d: {"ticket_id": d.max_ticket_id // 2}),
    Case("fetchTickets deep page (page number)", "fetchTickets", _deep_page, target=False),
]


@dataclass
class Side:
    """One dataset and the server running on it."""

    label: str
    data: Dataset
    keys: dict[bool, str]
    running: Running | None = None
    latencies: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--small", type=float, default=2, help="scale of the small dataset (2 = 10k tickets)")
    parser.add_argument(
        "--large", type=float, default=200, help="scale of the large dataset (200 = 1M tickets)"
    )
    parser.add_argument("--calls", type=int, default=200, help="measured calls per case and size")
    parser.add_argument("--rounds", type=int, default=5, help="alternations between the sizes per case")
    parser.add_argument(
        "--cache-dir", type=Path, default=CACHE_DIR, help=f"where datasets are kept ({CACHE_DIR})"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL URL whose database name is a prefix: <name>_s<scale> is created and seeded",
    )
    parser.add_argument("--port", type=int, default=8450, help="first of the two ports the servers use")
    parser.add_argument(
        "--explain-over", type=float, default=1.2, help="print plans of cases whose p50 ratio exceeds this"
    )
    parser.add_argument(
        "--load-seconds", type=float, default=20, help="concurrent load before reading RSS (0: skip)"
    )
    parser.add_argument("--load-connections", type=int, default=16, help="concurrent clients of that load")
    parser.add_argument("--cases", default="", help="comma-separated case names to run (default: all)")
    return parser.parse_args(argv)


def database_url(args: argparse.Namespace, scale: float) -> str:
    if args.postgres:
        url = make_url(args.postgres)
        return url.set(database=f"{url.database}_s{scale:g}").render_as_string(hide_password=False)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{args.cache_dir / f'scale-s{scale:g}.db'}"


def server_env(url: str, port: int) -> dict[str, str]:
    return {
        "HELPDESK_DATABASE_URL": url,
        "HELPDESK_BASE_URL": f"http://127.0.0.1:{port}",
        "HELPDESK_LOG_LEVEL": "warning",
        "HELPDESK_QUOTA_PER_MINUTE": UNREACHABLE_QUOTA,
        "HELPDESK_QUOTA_PER_MONTH": UNREACHABLE_QUOTA,
    }


def call(client: httpx.Client, url: str, key: str, tool: str, arguments: dict[str, Any]) -> float:
    """One tools/call; its latency in ms. A failed call stops the bench: its figures would lie."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": PROTOCOL,
        "Authorization": f"Bearer {key}",
    }
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }
    started = time.perf_counter()
    response = client.post(url, json=body, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or '"isError":true' in response.text or '"result"' not in response.text:
        raise RuntimeError(f"{tool} {arguments} failed: HTTP {response.status_code} {response.text[:300]}")
    return elapsed


def measure(sides: list[Side], cases: list[Case], args: argparse.Namespace) -> None:
    per_round = max(1, args.calls // args.rounds)
    with httpx.Client(timeout=60) as client:
        for case in cases:
            for side in sides:
                side.latencies[case.name], side.cpu[case.name] = [], 0.0
                assert side.running is not None
                for _ in range(10):  # warm the server's and the database's caches for this call
                    call(client, _url(side), side.keys[case.as_agent], case.tool, case.arguments(side.data))
            for _ in range(args.rounds):
                for side in sides:
                    assert side.running is not None
                    arguments = case.arguments(side.data)
                    before = cpu_seconds(side.running.pid)
                    side.latencies[case.name] += [
                        call(
                            client,
                            _url(side),
                            side.keys[case.as_agent],
                            case.tool,
                            _varied(case, arguments, side.data, n),
                        )
                        for n in range(per_round)
                    ]
                    side.cpu[case.name] += cpu_seconds(side.running.pid) - before
            print(f"  measured {case.name}", file=sys.stderr, flush=True)


def load_and_rss(sides: list[Side], cases: list[Case], args: argparse.Namespace) -> None:
    """``--load-connections`` clients mixing every case for ``--load-seconds`` against each server
    in turn; then each server's resident memory (now, and its peak)."""
    if args.load_seconds <= 0:
        return
    for side in sides:
        deadline = time.monotonic() + args.load_seconds

        def client_loop(worker: int, side: Side = side, deadline: float = deadline) -> int:
            calls = 0
            with httpx.Client(timeout=60) as client:
                while time.monotonic() < deadline:
                    case = cases[(worker + calls) % len(cases)]
                    arguments = _varied(case, case.arguments(side.data), side.data, worker * 1000 + calls)
                    call(client, _url(side), side.keys[case.as_agent], case.tool, arguments)
                    calls += 1
            return calls

        with ThreadPoolExecutor(max_workers=args.load_connections) as pool:
            total = sum(pool.map(client_loop, range(args.load_connections)))
        assert side.running is not None
        side.memory = _memory(side.running.pid)
        print(f"  loaded {side.label}: {total} calls in {args.load_seconds:g} s", file=sys.stderr, flush=True)
    print(
        f"\nresident memory of the server after {args.load_seconds:g} s of "
        f"{args.load_connections} clients mixing the cases:"
    )
    for side in sides:
        rss, peak = (side.memory.get(name, 0) / 1024 for name in ("VmRSS", "VmHWM"))
        print(f"  {side.label:>10}: VmRSS {rss:6.1f} MiB, peak (VmHWM) {peak:6.1f} MiB")
    print(f"  goal at a million tickets: <= {RSS_GOAL_MIB} MiB")


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of ``pid`` in KiB, from /proc."""
    memory: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            memory[name] = int(value.split()[0])
    return memory


def _varied(case: Case, arguments: dict[str, Any], data: Dataset, n: int) -> dict[str, Any]:
    """fetchTicket reads ids spread over the whole table, not one cached row."""
    if case.tool != "fetchTicket":
        return arguments
    span = data.max_ticket_id - data.min_ticket_id + 1
    return {"ticket_id": data.min_ticket_id + (n * 7919 * 104729) % span}


def _url(side: Side) -> str:
    assert side.running is not None
    return f"{side.running.target.base_url}/mcp"


def report(sides: list[Side], cases: list[Case], args: argparse.Namespace) -> list[Case]:
    small, large = sides
    heading = (
        f"{'case':40} {'p50 ' + small.label:>11} {'p50 ' + large.label:>11} {'ratio':>6}"
        f" {'cpu ' + small.label:>11} {'cpu ' + large.label:>11} {'ratio':>6}"
    )
    print(f"\n{heading}\n{'-' * len(heading)}")
    grown: list[Case] = []
    for case in cases:
        p50s = [statistics.median(side.latencies[case.name]) for side in sides]
        cpus = [1000 * side.cpu[case.name] / len(side.latencies[case.name]) for side in sides]
        ratio, cpu_ratio = p50s[1] / p50s[0], cpus[1] / cpus[0] if cpus[0] else float("nan")
        flag = "" if case.target else "  (for comparison)"
        print(
            f"{case.name:40} {p50s[0]:9.2f}ms {p50s[1]:9.2f}ms {ratio:6.2f}"
            f" {cpus[0]:9.2f}ms {cpus[1]:9.2f}ms {cpu_ratio:6.2f}{flag}"
        )
        if ratio > args.explain_over:
            grown.append(case)
    print(
        f"\np50: median latency of {args.calls} sequential calls per size, the sizes alternating in "
        f"{args.rounds} rounds; cpu: the server process's CPU time per call. Goal: ratio <= 1.5."
    )
    return grown


def explain(sides: list[Side], cases: list[Case]) -> None:
    """The plan of every statement a grown case runs, at both sizes (the service called in-process)."""
    from domain.assets.service import list_assets
    from domain.catalog.service import search_catalog_items
    from domain.solutions.service import search_solution_articles
    from domain.tickets.service import get_ticket, list_tickets

    services: dict[str, Callable[..., Any]] = {
        "fetchTickets": list_tickets,
        "fetchTicket": get_ticket,
        "fetchAssets": list_assets,
        "fetchSolutionArticleSearch": search_solution_articles,
        "fetchServiceCatalogItemSearch": search_catalog_items,
    }
    for case in cases:
        for side in sides:
            print(f"\n== {case.name} at {side.label}")
            engine = make_engine(side.data.database_url)
            try:
                with _captured(engine) as statements, session_scope(engine) as session:
                    services[case.tool](
                        session=session, caller=AGENT if case.as_agent else ADMIN, **case.arguments(side.data)
                    )
                with engine.connect() as connection:
                    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
                    for sql, parameters in statements:
                        print(f"-- {' '.join(sql.split())[:300]}")
                        for row in connection.exec_driver_sql(prefix + sql, parameters):
                            print("   ", " | ".join(str(value) for value in row))
            finally:
                engine.dispose()


@contextmanager
def _captured(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, executemany: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = {name.strip() for name in args.cases.split(",") if name.strip()}
    cases = [case for case in CASES if not wanted or case.name in wanted]
    unknown = wanted - {case.name for case in CASES}
    if unknown:
        names = "; ".join(case.name for case in CASES)
        raise SystemExit(f"unknown case(s) {sorted(unknown)}: the cases are {names}")
    sides: list[Side] = []
    for scale in (args.small, args.large):
        url = database_url(args, scale)
        data = prepare(url, scale=scale)
        keys = {False: create_bench_key(url, ADMIN_EMAIL), True: create_bench_key(url, AGENT_EMAIL)}
        sides.append(Side(label=f"{data.tickets // 1000:,}k", data=data, keys=keys))
    print(f"datasets: {', '.join(f'{side.data.tickets:,} tickets' for side in sides)}", file=sys.stderr)
    with ExitStack() as stack:
        for offset, side in enumerate(sides):
            target = Target(
                name=f"scale-{side.label}",
                role="server",
                port=args.port + offset,
                database_url=side.data.database_url,  # app None: `helpdesk-mcp serve`, as users run it
            )
            side.running = stack.enter_context(
                serve(
                    target,
                    env=clean_environment(server_env(side.data.database_url, target.port)),
                    loop="auto",
                    http="auto",
                    log_dir=args.cache_dir / "logs",
                )
            )
        measure(sides, cases, args)
        load_and_rss(sides, cases, args)
    grown = report(sides, cases, args)
    explain(sides, grown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
