"""bench.report's comparisons: each variant over the right other one, the targets judged on the server.

The figures come from runs of the bench; these check the arithmetic and the pairing on made-up cells.
"""

from __future__ import annotations

import pytest

from bench.load import Measurement
from bench.processes import busiest_share
from bench.report import comparisons, markdown, median_of, print_summary, table


def _cell(target: str, role: str, database: str, workers: int, tool: str, cpu_ms: float) -> Measurement:
    cell = Measurement(
        target=target,
        scenario=tool if role == "baseline" else f"{tool} @2025-11-25",
        tool=tool,
        protocol="2025-11-25",
        role=role,
        database=database,
        workers=workers,
        cpus=1,
    )
    cell.requests = cell.ok = 1000
    cell.requests_per_s = 100.0
    cell.cpu_ms_per_call = cpu_ms
    return cell


def test_two_workers_are_judged_on_the_server_and_shown_against_the_baseline_s_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = table(
        [
            _cell("baseline", "baseline", "postgresql", 1, "fetchTicket", 1.0),
            _cell("baseline-w2", "baseline", "postgresql", 2, "fetchTicket", 1.2),
            _cell("server", "server", "postgresql", 1, "fetchTicket", 2.0),
            _cell("server-w2", "server", "postgresql", 2, "fetchTicket", 2.6),
            _cell("server-sqlite", "server", "sqlite", 1, "fetchTicket", 1.6),
            _cell("baseline-sqlite", "baseline", "sqlite", 1, "fetchTicket", 0.8),
        ]
    )
    # Each server is compared with the baseline of as many workers.
    ratios = {row["target"]: row["cpu_ratio_to_baseline"] for row in rows}
    assert ratios["server"] == 0.5
    assert round(ratios["server-w2"], 3) == round(1.2 / 2.6, 3)

    found = {c["comparison"]: c for c in comparisons(rows)}
    assert set(found) == {
        "2 workers / 1 (postgresql)",
        "baseline 2 workers / 1 (postgresql)",
        "postgresql / sqlite",
        "baseline postgresql / sqlite",
    }
    server = found["2 workers / 1 (postgresql)"]
    assert round(server["ratio"], 3) == 1.3
    assert server["met"] is False  # the target is the server's own ratio
    assert round(server["over_baseline"], 3) == round(1.3 / 1.2, 3)
    machine = found["baseline 2 workers / 1 (postgresql)"]
    assert machine["target"] is None and machine["met"] is None
    databases = found["postgresql / sqlite"]
    assert databases["ratio"] == 1.25 and databases["met"] is True
    # The same SQL cost 1.25x on PostgreSQL too: the server's own path adds nothing over it.
    assert found["baseline postgresql / sqlite"]["ratio"] == 1.25
    assert found["baseline postgresql / sqlite"]["met"] is None
    assert databases["over_baseline"] == 1.0

    report = markdown({"results": rows, "machine": {"nproc": 2, "cpu": "test"}})
    assert (
        "| 2 workers / 1 (postgresql) | `fetchTicket @2025-11-25` | 2.60 / 2.00 "
        "| 1.30x (≤1.1x, not met; 1.08x the baseline's) |" in report
    )
    assert (
        "| baseline 2 workers / 1 (postgresql) | `fetchTicket` | 1.20 / 1.00 | 1.20x (no target) |" in report
    )
    databases_row = (
        "| postgresql / sqlite | `fetchTicket @2025-11-25` | 2.00 / 1.60 "
        "| 1.25x (≤1.3x; 1.00x the baseline's) |"
    )
    assert databases_row in report

    print_summary(rows, connections=16)
    printed = capsys.readouterr().out
    assert "baseline postgresql / sqlite" in printed
    assert "the same SQL on either database: no target" in printed
    assert "1.25x (target ≤1.3x: met) = 1.00x the baseline's" in printed


def test_two_worker_cells_say_how_the_work_fell_to_the_workers(capsys: pytest.CaptureFixture[str]) -> None:
    # Three rounds of a two-worker server: one worker took every connection in two of them.
    rounds = [_cell("server-w2", "server", "postgresql", 2, "fetchTicket", cpu) for cpu in (0.68, 0.80, 0.69)]
    for cell, share in zip(rounds, (0.99, 0.51, 0.98), strict=True):
        cell.busiest_share = share
    single = _cell("server", "server", "postgresql", 1, "fetchTicket", 0.67)
    rows = table([single, median_of(rounds)])

    (found,) = comparisons(rows)
    assert found["comparison"] == "2 workers / 1 (postgresql)"
    assert found["busiest_share"] == 0.98 and "busiest_share" in found
    print_summary(rows, connections=16)
    assert "busiest worker 98% of the CPU (one did nearly all the work)" in capsys.readouterr().out
    report = {"results": rows, "machine": {"nproc": 2, "cpu": "test"}, "comparisons": [found]}
    assert "(≤1.1x; busiest worker 98% of the CPU) |" in markdown(report)

    rows[1]["busiest_share"] = 0.5
    print_summary(rows, connections=16)
    assert "busiest worker 50% of the CPU (both worked)" in capsys.readouterr().out
    # One worker: nothing to say.
    assert (
        "busiest_share"
        not in comparisons(
            table([single, _cell("server-sqlite", "server", "sqlite", 1, "fetchTicket", 0.5)])
        )[0]
    )


def test_busiest_share_is_the_busiest_process_s_part_of_what_the_tree_used() -> None:
    before = {10: 1.0, 11: 5.0, 12: 5.0}
    after = {10: 1.0, 11: 5.5, 12: 6.5, 13: 0.5}  # 13 started during the cell
    assert busiest_share(before, after) == 1.5 / 2.5
    assert busiest_share(before, before) is None
