"""The results table: medians over rounds, ratios to the baseline, and notes on doubtful cells."""

from __future__ import annotations

import statistics
from typing import Any

from bench.load import Measurement

# A saturated process uses its whole core; less means it waited or was starved.
STARVED_CPU_PERCENT = 85


def median_of(rounds: list[Measurement]) -> Measurement:
    """One cell from several rounds: medians of the figures, sums of the counts."""
    done = [m for m in rounds if m.requests]
    if not done:
        return rounds[0]
    first = done[0]
    errors: dict[str, int] = {}
    for m in done:
        for name, count in m.errors.items():
            errors[name] = errors.get(name, 0) + count
    return Measurement(
        target=first.target,
        scenario=first.scenario,
        tool=first.tool,
        protocol=first.protocol,
        requests=sum(m.requests for m in done),
        requests_per_s=statistics.median(m.requests_per_s for m in done),
        p50_ms=statistics.median(m.p50_ms for m in done),
        p90_ms=statistics.median(m.p90_ms for m in done),
        p99_ms=statistics.median(m.p99_ms for m in done),
        max_ms=max(m.max_ms for m in done),
        ok=sum(m.ok for m in done),
        errors=errors,
        first_failure=next((m.first_failure for m in done if m.first_failure), None),
        skipped=first.skipped,
        server_cpu_percent=statistics.median(m.server_cpu_percent for m in done),
        requests_per_cpu_s=statistics.median(m.requests_per_cpu_s for m in done),
        wrk_cpu_percent=statistics.median(m.wrk_cpu_percent for m in done),
        load_average=max(m.load_average for m in done),
    )


def table(cells: list[Measurement]) -> list[dict[str, Any]]:
    """Rows of the printed table, each with its ratios to the baseline for the same tool."""
    baseline = {m.tool: m for m in cells if m.target == "baseline" and m.requests}
    rows = []
    for m in cells:
        base = baseline.get(m.tool)
        compared = base is not None and m.requests > 0 and m.target != "baseline"
        ratio = m.requests_per_s / base.requests_per_s if compared and base else None
        cpu_ratio = (
            m.requests_per_cpu_s / base.requests_per_cpu_s
            if compared and base and base.requests_per_cpu_s
            else None
        )
        rows.append({**m.as_dict(), "ratio_to_baseline": ratio, "cpu_ratio_to_baseline": cpu_ratio})
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        f"{'target':<9} {'scenario':<26} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'CPU%':>5} {'req/CPU-s':>9} {'ratio':>6} {'CPU ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        scenario = row["tool"] if row["target"] == "baseline" else row["scenario"]
        if not row["requests"]:
            print(f"{row['target']:<9} {scenario:<26} {'—':>7}   ({row['skipped']})")
            continue
        ratio = f"{row['ratio_to_baseline']:.2f}" if row["ratio_to_baseline"] is not None else ""
        cpu_ratio = f"{row['cpu_ratio_to_baseline']:.2f}" if row["cpu_ratio_to_baseline"] is not None else ""
        note = f"  [{row['skipped']}]" if row["skipped"] else ""
        print(
            f"{row['target']:<9} {scenario:<26} {row['requests_per_s']:7.0f} {row['p50_ms']:7.1f} "
            f"{row['p99_ms']:7.1f} {row['failed']:6d} {row['server_cpu_percent']:5.0f} "
            f"{row['requests_per_cpu_s']:9.0f} {ratio:>6} {cpu_ratio:>9}{note}"
        )
    busy_wrk = [row for row in rows if row["requests"] and row["wrk_cpu_percent"] > STARVED_CPU_PERCENT]
    if busy_wrk:
        print(
            f"\nnote: wrk used more than {STARVED_CPU_PERCENT}% of its core in {len(busy_wrk)} cell(s): "
            "there the load generator, not the server, may have set the pace."
        )
    starved = [row for row in rows if row["requests"] and row["server_cpu_percent"] < STARVED_CPU_PERCENT]
    if starved:
        print(
            f"\nnote: {len(starved)} cell(s) used less than {STARVED_CPU_PERCENT}% of their core: the server "
            "waited (on the database, or for a CPU another process held). Prefer the CPU ratio there, "
            "and re-run on a quiet machine."
        )
