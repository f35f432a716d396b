"""Driving a target with wrk (``bench/mcp.lua``), after one checked request sent with httpx."""

from __future__ import annotations

import json
import os
import resource
import subprocess
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from bench.processes import REPO_ROOT, pinned

LUA_SCRIPT = REPO_ROOT / "bench" / "mcp.lua"
MODERN_FROM = "2026-07-28"
META_PREFIX = "io.modelcontextprotocol/"
# wrk gives up on an answer after 2 s by default, counts it as a timeout and leaves it out of the
# percentiles: on a busy shared machine a slow answer is latency to report, not a failure.
WRK_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of request: a tool with its arguments' shape, spoken at one protocol revision."""

    tool: str
    protocol: str

    @property
    def name(self) -> str:
        return f"{self.tool} @{self.protocol}"


@dataclass(frozen=True, slots=True)
class Workload:
    """Where the arguments come from: every drawn id and page exists, so every call should succeed."""

    key: str
    min_ticket_id: int
    max_ticket_id: int
    pages: int
    per_page: int = 30
    status: str = "open"

    def environment(self, scenario: Scenario) -> dict[str, str]:
        return {
            "BENCH_TOOL": scenario.tool,
            "BENCH_PROTOCOL": scenario.protocol,
            "BENCH_KEY": self.key,
            "BENCH_MIN_ID": str(self.min_ticket_id),
            "BENCH_MAX_ID": str(self.max_ticket_id),
            "BENCH_PAGES": str(self.pages),
            "BENCH_PER_PAGE": str(self.per_page),
            "BENCH_STATUS": self.status,
        }


@dataclass(slots=True)
class Measurement:
    """One cell: a target under one scenario. ``cpu_ms_per_call`` is the server's CPU time (every
    process of it) per answered call; ``db_cpu_ms_per_call`` PostgreSQL's backends' (None on SQLite);
    ``busiest_share`` how the work fell to a multi-worker target's processes."""

    target: str
    scenario: str
    tool: str
    protocol: str
    role: str = ""
    database: str = ""
    workers: int = 1
    cpus: int = 1  # the CPUs the target may run on (pinned, else the machine's)
    requests: int = 0
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    first_failure: str | None = None
    skipped: str | None = None
    server_cpu_percent: float = 0.0
    requests_per_cpu_s: float = 0.0
    cpu_ms_per_call: float = 0.0
    db_cpu_ms_per_call: float | None = None
    wrk_cpu_percent: float = 0.0
    load_average: float = 0.0
    # Several workers: the share of the CPU their busiest process used (about 1/workers when the
    # connections were spread, near 1.0 when one worker took them all); None with one worker.
    busiest_share: float | None = None
    # Measurements taken: a multi-worker cell where one worker took every connection is measured again.
    attempts: int = 1

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def p99_over_p50(self) -> float | None:
        return self.p99_ms / self.p50_ms if self.p50_ms else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "failed": self.failed, "p99_over_p50": self.p99_over_p50}


def request_parts(
    scenario: Scenario, workload: Workload, *, ticket_id: int, page: int
) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and body of one call, exactly as ``bench/mcp.lua`` builds them."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": scenario.protocol,
    }
    if workload.key:
        headers["Authorization"] = f"Bearer {workload.key}"
    if scenario.tool == "fetchTicket":
        arguments: dict[str, Any] = {"ticket_id": ticket_id}
    else:
        arguments = {"status": workload.status, "per_page": workload.per_page, "page": page}
    params: dict[str, Any] = {"name": scenario.tool, "arguments": arguments}
    if scenario.protocol >= MODERN_FROM:
        headers["Mcp-Method"] = "tools/call"
        headers["Mcp-Name"] = scenario.tool
        params["_meta"] = {
            f"{META_PREFIX}protocolVersion": scenario.protocol,
            f"{META_PREFIX}clientCapabilities": {},
            f"{META_PREFIX}clientInfo": {"name": "helpdesk-bench", "version": "1"},
        }
    return headers, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}


def failure_kind(status: int, body: str) -> str | None:
    """The same verdict as ``response()`` in ``bench/mcp.lua``: None when the call succeeded."""
    if status != 200:
        return "bad_status"
    if '"isError":true' in body or '"isError": true' in body:
        return "tool_errors"
    if '"error":' in body or '"error" :' in body:
        return "rpc_errors"
    if '"result":' not in body:
        return "no_result"
    return None


def verify(url: str, scenario: Scenario, workload: Workload) -> tuple[bool, str]:
    """Send one call; return whether it succeeded and a printable head of the answer."""
    headers, body = request_parts(scenario, workload, ticket_id=workload.max_ticket_id, page=workload.pages)
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        return False, f"request failed: {exc!r}"
    text = response.text
    kind = failure_kind(response.status_code, text)
    verdict = "ok" if kind is None else kind
    return kind is None, f"HTTP {response.status_code} [{verdict}] {text[:300]}"


def wrk_command(url: str, *, connections: int, duration: int, cpu: str | None) -> list[str]:
    return pinned(
        cpu,
        [
            *("wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"--timeout={WRK_TIMEOUT_S}s", "--latency"),
            *("-s", str(LUA_SCRIPT), url),
        ],
    )


def run_wrk(
    url: str,
    scenario: Scenario,
    workload: Workload,
    *,
    connections: int,
    duration: int,
    cpu: str | None,
    log: Path | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Run wrk once; return the counters ``done()`` printed and the first failed answer.

    The counters also get ``wrk_cpu_s``, the CPU time wrk itself used: near the length of the run,
    the load generator rather than the server set the pace.
    """
    command = wrk_command(url, connections=connections, duration=duration, cpu=cpu)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        command,
        env={**os.environ, **workload.environment(scenario)},
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as sink:
            sink.write(f"$ {' '.join(command)}\n{completed.stdout}{completed.stderr}\n")
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()[-500:]}")
    counters: dict[str, Any] | None = None
    first_failure = None
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            counters = json.loads(line.removeprefix("BENCH-RESULT "))
        elif line.startswith("BENCH-FIRST-FAILURE "):
            first_failure = line.removeprefix("BENCH-FIRST-FAILURE ")
    if counters is None:
        raise RuntimeError(f"wrk printed no BENCH-RESULT line:\n{completed.stdout[-2000:]}")
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counters["wrk_cpu_s"] = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    return counters, first_failure


def measurement(
    cell: Measurement, counters: dict[str, Any], first: str | None, *, cpu_s: float, db_cpu_s: float | None
) -> Measurement:
    """``cell`` (target and scenario) filled with wrk's counters. ``cpu_s``: CPU seconds the
    target's processes used during the run; ``db_cpu_s``: PostgreSQL's backends' (or None)."""
    seconds = counters["duration_us"] / 1e6
    requests = int(counters["requests"])
    errors = {
        name: int(counters[name])
        for name in ("bad_status", "rpc_errors", "tool_errors", "no_result", "socket_errors", "timeouts")
        if counters[name]
    }
    return replace(
        cell,
        requests=requests,
        requests_per_s=requests / seconds if seconds else 0.0,
        p50_ms=counters["p50_us"] / 1000,
        p90_ms=counters["p90_us"] / 1000,
        p99_ms=counters["p99_us"] / 1000,
        max_ms=counters["max_us"] / 1000,
        ok=int(counters["ok"]),
        errors=errors,
        first_failure=first,
        server_cpu_percent=100 * cpu_s / seconds if seconds else 0.0,
        requests_per_cpu_s=requests / cpu_s if cpu_s else 0.0,
        cpu_ms_per_call=1000 * cpu_s / requests if requests else 0.0,
        db_cpu_ms_per_call=1000 * db_cpu_s / requests if requests and db_cpu_s is not None else None,
        wrk_cpu_percent=100 * counters.get("wrk_cpu_s", 0.0) / seconds if seconds else 0.0,
        load_average=os.getloadavg()[0],
    )
