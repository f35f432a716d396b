"""bench.run's cells: a multi-worker cell where one worker took every connection is measured again.

wrk and the servers are replaced by made-up measurements: these check which measurement a cell keeps.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench import run
from bench.load import Measurement, Scenario, Workload
from bench.processes import Running, Target


class _Backends:
    def pin(self, cpus: str | None) -> None:
        pass


def _cell_on(
    workers: int, shares: list[float | None], monkeypatch: pytest.MonkeyPatch
) -> tuple[Measurement, int]:
    """The cell ``_measure_cell`` keeps when its measurements' busiest shares come in this order,
    and how many measurements it took."""
    target = Target("server", "server", 8601, "sqlite:///unused.db", workers=workers, cpus="0")
    cell = Measurement(
        target="server", scenario="fetchTicket @2025-11-25", tool="fetchTicket", protocol="2025-11-25"
    )
    taken: list[float | None] = []

    def measured(cell: Measurement, *args: Any) -> Measurement:
        share = shares[len(taken)]
        taken.append(share)
        return replace(cell, requests=1000, ok=1000, cpu_ms_per_call=float(len(taken)), busiest_share=share)

    monkeypatch.setattr(run, "verify", lambda *args: (True, "HTTP 200 [ok]"))
    monkeypatch.setattr(run, "_run_measured", measured)
    args = argparse.Namespace(dry_run=False, warmup=0, profile="off", no_pin=False, load_cpu=1, server_cpu=0)
    plan = run.Plan(targets=[target], scenarios={}, workloads={}, args=args)
    on = run.CellRun(
        Running(target, pid=0, log=Path("unused.log")),
        Scenario("fetchTicket", "2025-11-25"),
        Workload(key="unused", min_ticket_id=1, max_ticket_id=2, pages=1),
        _Backends(),  # type: ignore[arg-type]
        plan,
        Path("unused"),
    )
    kept = run._measure_cell(cell, on, {"fetchTicket"})
    return kept, len(taken)


def test_a_cell_where_one_worker_took_every_connection_is_measured_again(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kept, taken = _cell_on(2, [0.97, 0.93, 0.52, 0.51], monkeypatch)
    assert taken == 3 and kept.attempts == 3
    assert kept.busiest_share == 0.52 and kept.cpu_ms_per_call == 3.0  # the third: both workers worked
    printed = capsys.readouterr().out
    assert printed.count("one worker took every connection") == 2
    assert (
        "busiest process 97% of the CPU, 1.00 ms/call): measuring again on new connections (2 of 4)"
        in printed
    )


def test_after_the_last_attempt_the_cell_keeps_what_it_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    kept, taken = _cell_on(2, [0.99] * run.SPLIT_ATTEMPTS, monkeypatch)
    assert taken == run.SPLIT_ATTEMPTS and kept.attempts == run.SPLIT_ATTEMPTS
    assert kept.busiest_share == 0.99  # still one-sided: the comparisons say so


def test_one_measurement_when_the_workers_shared_the_work_or_there_is_one_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept, taken = _cell_on(2, [0.55], monkeypatch)
    assert (taken, kept.attempts) == (1, 1)
    kept, taken = _cell_on(1, [None], monkeypatch)
    assert (taken, kept.attempts, kept.busiest_share) == (1, 1, None)
