"""Load test: this server against a raw-Starlette baseline doing the same SQL, measured in one run.

    python -m bench.run [--scale 20] [--duration 10] [--connections 16] [--database-url URL]
    python -m bench.run --database-url postgresql+psycopg://… --redis-url redis://… --compare

The server is ``helpdesk-mcp serve`` with its defaults (only the quotas are lifted); the baseline
runs under uvicorn. Every target is started once, pinned to CPU 0, and measured one at a time,
cell by cell in turn with the others (``measure_round``), while wrk, pinned to CPU 1, sends
``tools/call`` requests (``bench/mcp.lua``). Every answer is checked; a run with failed answers
is flagged, because a benchmark of errors is worthless. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from bench import dataset as datasets
from bench.baseline import sql_drift
from bench.dbcpu import BackendCpu, used_between
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
from bench.processes import (
    REPO_ROOT,
    Running,
    Target,
    busiest_share,
    clean_environment,
    serve,
    tree_cpu_by_process,
)
from bench.profiling import profiled
from bench.report import ONE_WORKER_SHARE, median_of, print_summary, print_table, table
from domain.db import make_engine

BASELINE_APP = "bench.baseline:create"
TOOLS = ("fetchTicket", "fetchTickets")
PROTOCOLS = ("2025-11-25", "2026-07-28")
# Quotas high enough never to refuse, so the quota check still runs its normal path.
UNREACHABLE_QUOTA = str(10**9)
# Measurements of a multi-worker cell, at most, until its workers share wrk's connections.
SPLIT_ATTEMPTS = 4


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20, help="seed scale (1 = 5,000 tickets); default 20")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (one wrk thread)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="cells of each scenario on each target, interleaved between the targets; medians",
    )
    parser.add_argument("--database-url", help="default: SQLite file bench/.work/bench-s<scale>.db")
    parser.add_argument("--reseed", action="store_true", help="wipe the database and seed it again")
    parser.add_argument("--targets", default="baseline,server", help="comma-separated: baseline, server")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools to call")
    parser.add_argument(
        "--protocols", default=",".join(PROTOCOLS), help="protocol revisions the client speaks"
    )
    parser.add_argument("--max-pages", type=int, default=50, help="fetchTickets pages drawn from 1..this")
    parser.add_argument(
        "--port", type=int, default=8600, help="baseline port; the servers use the next ones (up to port+5)"
    )
    parser.add_argument("--server-cpu", type=int, default=0, help="CPU the servers are pinned to")
    parser.add_argument("--load-cpu", type=int, default=1, help="CPU wrk is pinned to")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="serve --workers; the workers share the server's CPU (see --spread-workers)",
    )
    parser.add_argument(
        "--spread-workers",
        action="store_true",
        help="pin more than one worker to both CPUs (wrk shares one with a worker) instead of the "
        "server's CPU alone",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also measure the server with --workers 2 and, on PostgreSQL, the baseline and server on "
        "SQLite at the same scale: prints PostgreSQL/SQLite and 2-workers/1 CPU per call",
    )
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
        help="measure this uvicorn factory (module:function) instead of helpdesk-mcp serve: an "
        "experimental variant, run under uvicorn with --loop/--http",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server (repeatable), e.g. HELPDESK_LOG_FORMAT=json; HELPDESK_ variables "
        "of the shell are not passed on",
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
    workloads: dict[str, Workload]  # per database URL: the ids and pages its seed has
    args: argparse.Namespace


def server_env(target: Target, overrides: Sequence[str] = ()) -> dict[str, str]:
    """The server's whole environment: its defaults, the database, Redis, quotas out of reach.

    ``overrides``: ``NAME=VALUE`` settings given with ``--server-env``."""
    settings = {
        "HELPDESK_DATABASE_URL": target.database_url,
        "HELPDESK_QUOTA_PER_MINUTE": UNREACHABLE_QUOTA,
        "HELPDESK_QUOTA_PER_MONTH": UNREACHABLE_QUOTA,
        **({"HELPDESK_REDIS_URL": target.redis_url} if target.redis_url else {}),
        # serve works its URL out from the address it binds; a bare uvicorn factory cannot.
        **({"HELPDESK_BASE_URL": target.base_url} if target.app else {}),
    }
    for setting in overrides:
        name, separator, value = setting.partition("=")
        if not separator or not name.startswith("HELPDESK_"):
            raise SystemExit(f"--server-env {setting!r}: expected HELPDESK_NAME=VALUE")
        settings[name] = value
    return clean_environment(settings)


def baseline_env(target: Target, *, baseline_sql: str) -> dict[str, str]:
    return clean_environment(
        {
            "HELPDESK_DATABASE_URL": target.database_url,
            "BENCH_BASELINE_SQL": baseline_sql,
            "PYTHONPATH": str(REPO_ROOT),
        }
    )


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


@dataclass(slots=True)
class Started:
    """A started target and what a cell on it needs: the tools it lists, its database's backends."""

    running: Running
    available: set[str] | str
    backends: BackendCpu


def start_targets(stack: contextlib.ExitStack, plan: Plan, work: Path) -> list[Started]:
    """Every target started at once, each on its own port and pinned to the server's CPU: the ones
    not under load sit idle while another is measured."""
    started = []
    args = plan.args
    for target in plan.targets:
        if target.role == "baseline":
            env = baseline_env(target, baseline_sql=args.baseline_sql)
        else:
            env = server_env(target, args.server_env)
        print(f"starting {target.name} ({target.runs}, {target.database}) on {target.base_url}")
        running = stack.enter_context(
            serve(target, env=env, loop=args.loop, http=args.http, log_dir=work / "logs")
        )
        workload = plan.workloads[target.database_url]
        url = f"{target.base_url}/mcp"
        available = listed_tools(url, workload) if target.role == "server" else set(TOOLS)
        backends = stack.enter_context(contextlib.closing(BackendCpu(target.database_url)))
        started.append(Started(running, available, backends))
    return started


def measure_round(started: list[Started], plan: Plan, work: Path, round_number: int) -> list[Measurement]:
    """One cell of every scenario on every target, interleaved: per tool, each target in turn
    (in order on odd rounds, in reverse on even ones). The host's speed drifts by tens of percent
    over minutes (2026-12-03: one server's CPU per call went 1.46 to 1.90 ms over 8 identical
    cells, and 1.53 to 1.04 ms in the next run); cells of the targets a ratio compares are therefore
    measured seconds apart, not a target's whole series after another's. A server's later cells
    may cost more than its first, so no target or scenario always goes first either."""
    ordered = started if round_number % 2 else started[::-1]
    tools = _csv(plan.args.tools)
    results = []
    for tool in tools if round_number % 2 else tools[::-1]:
        for started_target in ordered:
            target = started_target.running.target
            scenarios = [s for s in plan.scenarios[target.role] if s.tool == tool]
            for scenario in scenarios if round_number % 2 else scenarios[::-1]:
                cell = Measurement(
                    target=target.name,
                    scenario=scenario.name,
                    tool=scenario.tool,
                    protocol=scenario.protocol,
                    role=target.role,
                    database=target.database,
                    workers=target.workers,
                    cpus=len(target.cpus.split(",")) if target.cpus else os.cpu_count() or 1,
                )
                on = CellRun(
                    started_target.running,
                    scenario,
                    plan.workloads[target.database_url],
                    started_target.backends,
                    plan,
                    work,
                )
                results.append(_measure_cell(cell, on, started_target.available))
    return results


@dataclass(frozen=True, slots=True)
class CellRun:
    """What one cell's measurements run on: the target, the call, the load, and where to write."""

    running: Running
    scenario: Scenario
    workload: Workload
    backends: BackendCpu
    plan: Plan
    work: Path

    @property
    def url(self) -> str:
        return f"{self.running.target.base_url}/mcp"

    @property
    def load_cpu(self) -> str | None:
        return _cpus(self.plan.args, "load")


def _measure_cell(cell: Measurement, on: CellRun, available: set[str] | str) -> Measurement:
    args, target, scenario, workload, url = on.plan.args, on.running.target, on.scenario, on.workload, on.url
    if isinstance(available, str) or scenario.tool not in available:
        cell.skipped = available if isinstance(available, str) else f"{scenario.tool} is not listed"
        print(f"  {target.name} {scenario.name}: skipped ({cell.skipped})")
        return cell
    passed, head = verify(url, scenario, workload)
    print(f"  {target.name} {scenario.name}: check {head[:240]}")
    if not passed:
        cell.skipped = f"verification failed: {head[:200]}"
        return cell
    load_cpu = on.load_cpu
    if args.dry_run:
        command = wrk_command(url, connections=args.connections, duration=args.duration, cpu=load_cpu)
        print(f"    would run: {' '.join(command)}")
        cell.skipped = "dry run"
        return cell
    if args.warmup:
        run_wrk(url, scenario, workload, connections=args.connections, duration=args.warmup, cpu=load_cpu)
    on.backends.pin(load_cpu)  # every backend the target holds now, those the warm-up opened included
    # Which worker accepts each of wrk's connections is a race, and the first to wake takes every
    # connection waiting: sometimes one worker gets all 16 and the cell measures one worker. Such a
    # cell is measured again, on new connections, up to SPLIT_ATTEMPTS times in all.
    for attempt in range(1, SPLIT_ATTEMPTS + 1):
        measured = _run_measured(cell, on)
        share = measured.busiest_share
        if share is None or share < ONE_WORKER_SHARE or attempt == SPLIT_ATTEMPTS:
            break
        print(
            f"    one worker took every connection (busiest process {100 * share:.0f}% of the CPU, "
            f"{measured.cpu_ms_per_call:.2f} ms/call): measuring again on new connections "
            f"({attempt + 1} of {SPLIT_ATTEMPTS})"
        )
    measured.attempts = attempt
    flag = f"  FAILED {measured.failed}: {measured.first_failure}" if measured.failed else ""
    db = f" + db {measured.db_cpu_ms_per_call:.2f}" if measured.db_cpu_ms_per_call is not None else ""
    latency = f"p50 {measured.p50_ms:.1f} ms  p99 {measured.p99_ms:.1f} ms"
    if measured.busiest_share is not None:
        flag = f"  busiest process {100 * measured.busiest_share:.0f}% of the CPU{flag}"
    print(
        f"    {measured.requests_per_s:6.0f} req/s  {latency}  "
        f"CPU {measured.cpu_ms_per_call:.2f}{db} ms/call ({measured.server_cpu_percent:.0f}%)  "
        f"wrk CPU {measured.wrk_cpu_percent:.0f}%  load {measured.load_average:.1f}{flag}"
    )
    return measured


def _run_measured(cell: Measurement, on: CellRun) -> Measurement:
    """One measured wrk run of ``cell``, with the CPU the target's processes and backends used."""
    args, running, scenario, backends, work = on.plan.args, on.running, on.scenario, on.backends, on.work
    target = running.target
    label = f"{target.name}-{scenario.tool}-{scenario.protocol}"
    profile = args.profile != "off" and target.role == "server"
    cpu_before, db_before = tree_cpu_by_process(running.pid), backends.snapshot()
    with profiled(
        running.pid if profile else None,
        label,
        args.duration,
        work,
        gil=args.profile == "gil",
        subprocesses=target.workers > 1,
    ):
        counters, first = run_wrk(
            on.url,
            scenario,
            on.workload,
            connections=args.connections,
            duration=args.duration,
            cpu=on.load_cpu,
            log=work / "logs" / f"wrk-{target.name}.log",
        )
    cpu_after = tree_cpu_by_process(running.pid)
    cpu_s = sum(cpu_after.values()) - sum(cpu_before.values())
    measured = measurement(
        cell, counters, first, cpu_s=cpu_s, db_cpu_s=used_between(db_before, backends.snapshot())
    )
    measured.busiest_share = busiest_share(cpu_before, cpu_after) if target.workers > 1 else None
    measured.skipped = f"profiled ({args.profile})" if profile else None
    return measured


def _cpus(args: argparse.Namespace, role: str, workers: int = 1) -> str | None:
    """The CPU list a process is pinned to.

    Several workers share the one CPU a single worker has, so that 2-workers/1 compares what the
    workers cost each other (coordination through Redis and the database, two processes' caches)
    on the same hardware: spread over both CPUs of a 2-CPU machine, a worker shares its CPU with
    wrk, and its CPU time per call grows with that contention (1.05 to 1.64x in runs of 12-03), not
    with anything the server does. ``--spread-workers`` measures that spread anyway."""
    if args.no_pin:
        return None
    if role == "load":
        return str(args.load_cpu)
    spread = workers > 1 and args.spread_workers
    return f"{args.server_cpu},{args.load_cpu}" if spread else str(args.server_cpu)


def build_targets(args: argparse.Namespace, database_url: str) -> list[Target]:
    """The baseline and the server on the chosen database; with ``--compare`` also the server with
    two workers and, on PostgreSQL, the baseline and server on SQLite at the same scale."""
    roles = _csv(args.targets)
    unknown = set(roles) - {"baseline", "server"}
    if unknown:
        raise SystemExit(f"unknown target(s) {sorted(unknown)}: use baseline, server")
    targets = []
    port = iter(range(args.port, args.port + 6))

    def add(name: str, role: str, url: str, workers: int = 1, redis: str | None = None) -> None:
        app = BASELINE_APP if role == "baseline" else args.server_app
        cpus = _cpus(args, "server", workers)
        targets.append(Target(name, role, next(port), url, app, workers, redis, cpus))

    for role in roles:
        add(role, role, database_url, args.workers if role == "server" else 1, args.redis_url)
    if args.compare and "server" in roles:
        if "baseline" in roles:
            # What two processes on the server's CPU cost whatever they run (see bench.report).
            add("baseline-w2", "baseline", database_url, 2)
        add("server-w2", "server", database_url, 2, args.redis_url)
        if database_url.startswith("postgresql"):
            sqlite = datasets.default_database_url(args.scale)
            for role in roles:
                add(f"{role}-sqlite", role, sqlite)
    return targets


def build_plan(args: argparse.Namespace, data: dict[str, datasets.Dataset], key: dict[str, str]) -> Plan:
    tools, protocols = _csv(args.tools), _csv(args.protocols)
    workloads = {}
    for url, dataset in data.items():
        pages = max(1, min(args.max_pages, -(-dataset.open_tickets // 30)))
        workloads[url] = Workload(
            key=key[url],
            min_ticket_id=dataset.min_ticket_id,
            max_ticket_id=dataset.max_ticket_id,
            pages=pages,
        )
    scenarios = {
        # The baseline ignores the protocol revision: it is measured once per tool.
        "baseline": [Scenario(tool, PROTOCOLS[0]) for tool in tools],
        "server": [Scenario(tool, protocol) for tool in tools for protocol in protocols],
    }
    targets = build_targets(args, next(iter(data)))
    return Plan(targets=targets, scenarios=scenarios, workloads=workloads, args=args)


def prepare_databases(args: argparse.Namespace, urls: Sequence[str]) -> dict[str, datasets.Dataset]:
    """Each database migrated, seeded, described and checked against the baseline's SQL."""
    data = {}
    for url in urls:
        dataset = datasets.prepare(url, scale=args.scale, reseed=args.reseed)
        if not dataset.ids_are_contiguous:
            print(
                f"warning: ticket ids {dataset.min_ticket_id}..{dataset.max_ticket_id} have gaps; "
                "some calls will miss"
            )
        drift = _sql_drift(url, dataset)
        if drift:
            print("warning: the baseline no longer runs the service's SQL; ratios are not comparable:")
            print("\n".join(drift))
        data[url] = dataset
    return data


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()
    database_url = args.database_url or datasets.default_database_url(args.scale)
    urls = list(dict.fromkeys(target.database_url for target in build_targets(args, database_url)))
    data = prepare_databases(args, urls)
    keys = {url: datasets.create_bench_key(url, data[url].admin_email) for url in urls}
    plan = build_plan(args, data, keys)
    machine = machine_facts(loop=args.loop, http=args.http)
    print_facts(machine, data, plan, load_before)
    work = datasets.WORK_DIR
    measured: dict[tuple[str, str], list[Measurement]] = {}
    with contextlib.ExitStack() as stack:
        started = start_targets(stack, plan, work)
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}")
            for result in measure_round(started, plan, work, round_number):
                measured.setdefault((result.target, result.scenario), []).append(result)
    rows = table([median_of(cells) for cells in measured.values()])
    print()
    print_table(rows)
    found = print_summary(rows, connections=args.connections)
    failed = sum(row["failed"] for row in rows)
    if failed:
        print(f"\nWARNING: {failed} failed answers: the figures above are not valid.")
    if args.json:
        facts = {
            "started_at": started_at,
            "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
            "commit": _commit(),
            "load_before": " ".join(f"{value:.1f}" for value in load_before),
            "targets": [_target_facts(target) for target in plan.targets],
        }
        report = {
            "facts": facts,
            "machine": machine,
            "datasets": [_dataset_facts(dataset, plan) for dataset in data.values()],
            "args": _args_facts(args),
            "results": rows,
            "comparisons": found,
        }
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"wrote {args.json} (python -m bench.report {args.json}: the README's table)")
    return 1 if failed else 0


def _commit() -> str:
    completed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() or "unknown"


def _target_facts(target: Target) -> dict[str, Any]:
    return {
        "name": target.name,
        "runs": target.runs,
        "database": target.database,
        "redis": bool(target.redis_url),
        "cpus": target.cpus or "any",
    }


def _sql_drift(database_url: str, data: datasets.Dataset) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return sql_drift(session, ticket_id=data.max_ticket_id)
    finally:
        engine.dispose()


def _dataset_facts(data: datasets.Dataset, plan: Plan) -> dict[str, Any]:
    workload = plan.workloads[data.database_url]
    return {
        "database": data.database_url.split("://", 1)[0],
        "scale": data.scale,
        "tickets": data.tickets,
        "open_tickets": data.open_tickets,
        "ticket_ids": [data.min_ticket_id, data.max_ticket_id],
        "pages_drawn_from": [1, workload.pages],
        "per_page": workload.per_page,
        "caller": data.admin_email,
    }


ARGS_SAVED = (
    *("scale", "duration", "connections", "warmup", "rounds", "tools", "protocols", "loop", "http"),
    *(
        "no_pin",
        "profile",
        "baseline_sql",
        "workers",
        "spread_workers",
        "compare",
        "server_app",
        "server_env",
    ),
)


def _args_facts(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in ARGS_SAVED}


def print_facts(
    machine: dict[str, Any], data: dict[str, datasets.Dataset], plan: Plan, load: Sequence[float]
) -> None:
    print("machine: " + ", ".join(f"{name} {value}" for name, value in machine.items()))
    print(f"load average before the run: {' '.join(f'{value:.2f}' for value in load)}")
    for dataset in data.values():
        facts = _dataset_facts(dataset, plan)
        print("dataset: " + ", ".join(f"{name} {value}" for name, value in facts.items()))
    args = plan.args
    print(
        f"load: wrk -t1 -c{args.connections} -d{args.duration}s (+{args.warmup}s warm-up) on CPU "
        f"{_cpus(args, 'load') or 'any'}; CPU per call = CPU seconds of the target's processes "
        "(all of them) / calls answered"
    )
    if any(url.startswith("postgresql") for url in data):
        print(
            f"PostgreSQL's backends (when local): pinned to CPU {_cpus(args, 'load') or 'any'} with wrk, "
            "as a database on its own host"
        )
    for target in plan.targets:
        print(
            f"  {target.name}: {target.runs} on CPU {target.cpus or 'any'}, {target.database}"
            f"{' + Redis' if target.redis_url else ''}, port {target.port}"
        )


if __name__ == "__main__":
    sys.exit(main())
