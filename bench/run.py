"""Load test: this server against a raw-Starlette baseline doing the same SQL, measured in one run.

    python -m bench.run [--scale 20] [--duration 10] [--connections 16] [--database-url URL]

Each target runs alone under uvicorn pinned to CPU 0 while wrk, pinned to CPU 1, sends
``tools/call`` requests (``bench/mcp.lua``). Every answer is checked; a run with failed answers
is flagged, because a benchmark of errors is worthless. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import dataset as datasets
from bench.baseline import sql_drift
from bench.load import (
    Measurement,
    Scenario,
    Workload,
    measurement,
    request_parts,
    run_wrk,
    verify,
    wrk_command,
)
from bench.machine import machine_facts
from bench.processes import Running, Target, cpu_seconds, serve
from bench.profiling import profiled
from bench.report import median_of, print_table, table
from domain.db import make_engine

SERVER_APP = "server.asgi:create"
BASELINE_APP = "bench.baseline:create"
TOOLS = ("fetchTicket", "fetchTickets")
PROTOCOLS = ("2025-11-25", "2026-07-28")
# Quotas high enough never to refuse, so the quota check still runs its normal path.
UNREACHABLE_QUOTA = str(10**9)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20, help="seed scale (1 = 5,000 tickets); default 20")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (one wrk thread)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each run")
    parser.add_argument("--rounds", type=int, default=1, help="restart each target this many times; medians")
    parser.add_argument("--database-url", help="default: SQLite file bench/.work/bench-s<scale>.db")
    parser.add_argument("--reseed", action="store_true", help="wipe the database and seed it again")
    parser.add_argument("--targets", default="baseline,server", help="comma-separated: baseline, server")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools to call")
    parser.add_argument(
        "--protocols", default=",".join(PROTOCOLS), help="protocol revisions the client speaks"
    )
    parser.add_argument("--max-pages", type=int, default=50, help="fetchTickets pages drawn from 1..this")
    parser.add_argument("--port", type=int, default=8600, help="baseline port; the server uses port+1")
    parser.add_argument("--server-cpu", type=int, default=0, help="CPU the servers are pinned to")
    parser.add_argument("--load-cpu", type=int, default=1, help="CPU wrk is pinned to")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument(
        "--loop", default="auto", help="uvicorn --loop for both targets (auto, asyncio, uvloop)"
    )
    parser.add_argument(
        "--http", default="auto", help="uvicorn --http for both targets (auto, h11, httptools)"
    )
    parser.add_argument(
        "--baseline-sql",
        choices=("thread", "inline"),
        default="thread",
        help="baseline runs its SQL in a worker thread like the SDK's sync tools (default) or inline",
    )
    parser.add_argument(
        "--server-app",
        default=SERVER_APP,
        help=f"uvicorn factory of the server (default {SERVER_APP}); to measure an experimental variant",
    )
    parser.add_argument(
        "--redis-url", help="HELPDESK_REDIS_URL for the server (quota windows, caches' invalidation)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--dry-run", action="store_true", help="start, verify and stop; print wrk commands")
    parser.add_argument(
        "--profile",
        choices=("off", "wall", "gil"),
        default="off",
        help="py-spy the server during its runs (figures marked): every thread (wall) or the GIL holder",
    )
    return parser.parse_args(argv)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True, slots=True)
class Plan:
    targets: list[Target]
    scenarios: dict[str, list[Scenario]]
    workload: Workload
    args: argparse.Namespace


def server_env(
    target: Target, database_url: str, *, baseline_sql: str, redis_url: str | None = None
) -> dict[str, str]:
    return {
        **({"HELPDESK_REDIS_URL": redis_url} if redis_url else {}),
        "BENCH_BASELINE_SQL": baseline_sql,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_BASE_URL": target.base_url,
        "HELPDESK_LOG_LEVEL": "warning",
        "HELPDESK_QUOTA_PER_MINUTE": UNREACHABLE_QUOTA,
        "HELPDESK_QUOTA_PER_MONTH": UNREACHABLE_QUOTA,
    }


def listed_tools(url: str, workload: Workload) -> set[str] | str:
    """The tools the server lists, or why they could not be listed."""
    headers, _ = request_parts(Scenario("fetchTicket", PROTOCOLS[0]), workload, ticket_id=1, page=1)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        return f"tools/list failed: {exc!r}"
    try:
        return {tool["name"] for tool in response.json()["result"]["tools"]}
    except (ValueError, KeyError, TypeError):
        return f"tools/list failed: HTTP {response.status_code} {response.text[:200]}"


def measure_target(running: Running, plan: Plan, round_number: int, work: Path) -> list[Measurement]:
    args, target = plan.args, running.target
    url = f"{target.base_url}/mcp"
    available = listed_tools(url, plan.workload) if target.name == "server" else set(TOOLS)
    results = []
    for scenario in plan.scenarios[target.name]:
        result = Measurement(
            target=target.name, scenario=scenario.name, tool=scenario.tool, protocol=scenario.protocol
        )
        results.append(result)
        if isinstance(available, str) or scenario.tool not in available:
            result.skipped = available if isinstance(available, str) else f"{scenario.tool} is not listed"
            print(f"  {target.name} {scenario.name}: skipped ({result.skipped})")
            continue
        passed, head = verify(url, scenario, plan.workload)
        print(f"  {target.name} {scenario.name}: check {head[:240]}")
        if not passed:
            result.skipped = f"verification failed: {head[:200]}"
            continue
        command = wrk_command(
            url, connections=args.connections, duration=args.duration, cpu=_cpu(args, "load")
        )
        if args.dry_run:
            print(f"    would run: {' '.join(command)}")
            result.skipped = "dry run"
            continue
        log = work / "logs" / f"wrk-{target.name}.log"
        if args.warmup:
            run_wrk(
                url,
                scenario,
                plan.workload,
                connections=args.connections,
                duration=args.warmup,
                cpu=_cpu(args, "load"),
            )
        label = f"{target.name}-{scenario.tool}-{scenario.protocol}-r{round_number}"
        profile = args.profile != "off" and target.name == "server"
        cpu_before = cpu_seconds(running.pid)
        with profiled(
            running.pid if profile else None, label, args.duration, work, gil=args.profile == "gil"
        ):
            counters, first = run_wrk(
                url,
                scenario,
                plan.workload,
                connections=args.connections,
                duration=args.duration,
                cpu=_cpu(args, "load"),
                log=log,
            )
        measured = measurement(
            target.name, scenario, counters, first, cpu_s=cpu_seconds(running.pid) - cpu_before
        )
        measured.skipped = f"profiled ({args.profile})" if profile else None
        results[-1] = measured
        flag = f"  FAILED {measured.failed}: {first}" if measured.failed else ""
        figures = (
            f"p50 {measured.p50_ms:.1f} ms  p99 {measured.p99_ms:.1f} ms  "
            f"server CPU {measured.server_cpu_percent:.0f}%  {measured.requests_per_cpu_s:.0f} req/CPU-s  "
            f"wrk CPU {measured.wrk_cpu_percent:.0f}%  "
            f"load {measured.load_average:.1f}"
        )
        print(f"    {measured.requests_per_s:8.0f} req/s  {figures}{flag}")
    return results


def _cpu(args: argparse.Namespace, role: str) -> int | None:
    if args.no_pin:
        return None
    return int(args.server_cpu if role == "server" else args.load_cpu)


def build_plan(args: argparse.Namespace, data: datasets.Dataset, key: str) -> Plan:
    tools, protocols = _csv(args.tools), _csv(args.protocols)
    pages = max(1, min(args.max_pages, -(-data.open_tickets // 30)))
    workload = Workload(
        key=key, min_ticket_id=data.min_ticket_id, max_ticket_id=data.max_ticket_id, pages=pages
    )
    targets = []
    scenarios: dict[str, list[Scenario]] = {}
    for name in _csv(args.targets):
        if name == "baseline":
            targets.append(Target("baseline", BASELINE_APP, args.port))
            # The baseline ignores the protocol revision: it is measured once per tool.
            scenarios[name] = [Scenario(tool, PROTOCOLS[0]) for tool in tools]
        elif name == "server":
            targets.append(Target("server", args.server_app, args.port + 1))
            scenarios[name] = [Scenario(tool, protocol) for tool in tools for protocol in protocols]
        else:
            raise SystemExit(f"unknown target {name!r}: use baseline, server")
    return Plan(targets=targets, scenarios=scenarios, workload=workload, args=args)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = args.database_url or datasets.default_database_url(args.scale)
    data = datasets.prepare(database_url, scale=args.scale, reseed=args.reseed)
    if not data.ids_are_contiguous:
        print(
            f"warning: ticket ids {data.min_ticket_id}..{data.max_ticket_id} have gaps; some calls will miss"
        )
    drift = _sql_drift(database_url, data)
    if drift:
        print("warning: the baseline no longer runs the service's SQL; ratios are not comparable:")
        print("\n".join(drift))
    key = datasets.create_bench_key(database_url, data.admin_email)
    plan = build_plan(args, data, key)
    machine = machine_facts(loop=args.loop, http=args.http)
    print_facts(machine, data, plan)
    work = datasets.WORK_DIR
    measured: dict[tuple[str, str], list[Measurement]] = {}
    for round_number in range(1, args.rounds + 1):
        for target in plan.targets:
            print(f"round {round_number}: {target.name} on {target.base_url}")
            env = server_env(target, database_url, baseline_sql=args.baseline_sql, redis_url=args.redis_url)
            with serve(
                target,
                env=env,
                cpu=_cpu(args, "server"),
                loop=args.loop,
                http=args.http,
                log_dir=work / "logs",
            ) as running:
                for result in measure_target(running, plan, round_number, work):
                    measured.setdefault((result.target, result.scenario), []).append(result)
    rows = table([median_of(cells) for cells in measured.values()])
    print()
    print_table(rows)
    failed = sum(row["failed"] for row in rows)
    if failed:
        print(f"\nWARNING: {failed} failed answers: the figures above are not valid.")
    if args.json:
        report = {
            "machine": machine,
            "dataset": _dataset_facts(data, plan),
            "args": _args_facts(args),
            "results": rows,
        }
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    return 1 if failed else 0


def _sql_drift(database_url: str, data: datasets.Dataset) -> list[str]:
    engine = make_engine(database_url)
    try:
        return sql_drift(engine, ticket_id=data.max_ticket_id)
    finally:
        engine.dispose()


def _dataset_facts(data: datasets.Dataset, plan: Plan) -> dict[str, Any]:
    return {
        "database": data.database_url.split("://", 1)[0],
        "scale": data.scale,
        "tickets": data.tickets,
        "open_tickets": data.open_tickets,
        "ticket_ids": [data.min_ticket_id, data.max_ticket_id],
        "pages_drawn_from": [1, plan.workload.pages],
        "per_page": plan.workload.per_page,
        "caller": data.admin_email,
    }


def _args_facts(args: argparse.Namespace) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(args).items()
        if name
        in (
            "duration",
            "connections",
            "warmup",
            "rounds",
            "loop",
            "http",
            "no_pin",
            "profile",
            "baseline_sql",
        )
    }


def print_facts(machine: dict[str, Any], data: datasets.Dataset, plan: Plan) -> None:
    print("machine: " + ", ".join(f"{name} {value}" for name, value in machine.items()))
    facts = _dataset_facts(data, plan)
    print("dataset: " + ", ".join(f"{name} {value}" for name, value in facts.items()))
    args = plan.args
    print(
        f"load: wrk -t1 -c{args.connections} -d{args.duration}s (+{args.warmup}s warm-up), "
        f"servers on CPU {args.server_cpu}, wrk on CPU {args.load_cpu}{' (unpinned)' if args.no_pin else ''}"
    )


if __name__ == "__main__":
    sys.exit(main())
