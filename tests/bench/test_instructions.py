"""bench.instructions' command line: what it refuses before starting valgrind, and the worker
counts it measures (the counting itself takes minutes under callgrind: run by hand, see
bench/README.md)."""

from __future__ import annotations

import shutil
import time

import pytest

from bench import instructions

# _refusal checks for valgrind first.
needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")


@needs_valgrind
@pytest.mark.parametrize("given", ["0", "65", "two", "1,,x", ",", "-1", "²"])
def test_a_worker_count_that_serve_would_not_take_is_refused_in_one_line(given: str) -> None:
    problem = instructions._refusal(instructions.parse_args(["--workers", given]))
    assert problem == f"--workers {given!r}: comma-separated numbers from 1 to 64"


@needs_valgrind
def test_worker_counts_are_measured_for_the_server_only() -> None:
    args = instructions.parse_args(["--workers", "1, 2", "--tools", "fetchTicket"])
    assert instructions._refusal(args) is None
    assert instructions._scenarios(args) == [
        ("baseline", "fetchTicket", "2025-11-25", 1),
        ("server", "fetchTicket", "2025-11-25", 1),
        ("server", "fetchTicket", "2025-11-25", 2),
    ]


@needs_valgrind
@pytest.mark.parametrize("given", ["0.5", "0", "-3", "nan"])
def test_a_clock_slowdown_below_one_is_refused(given: str) -> None:
    problem = instructions._refusal(instructions.parse_args(["--clock-slowdown", given]))
    assert problem is not None and problem.startswith(f"--clock-slowdown {float(given):g}: must be 1")


def test_the_harness_clock_runs_the_slowdown_times_slower(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    instructions._slow_monotonic_clock(50)
    start = time.monotonic()
    now[0] += 5.0  # five real seconds
    assert time.monotonic() - start == pytest.approx(0.1)


def test_a_slowdown_of_one_leaves_the_clock_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", real)
    instructions._slow_monotonic_clock(1)
    assert time.monotonic is real
