"""bench.instructions' command line: what it refuses before starting valgrind, and the worker
counts it measures (the counting itself takes minutes under callgrind: run by hand, see
bench/README.md)."""

from __future__ import annotations

import shutil

import pytest

from bench import instructions

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")


@pytest.mark.parametrize("given", ["0", "65", "two", "1,,x", ",", "-1"])
def test_a_worker_count_that_serve_would_not_take_is_refused_in_one_line(given: str) -> None:
    problem = instructions._refusal(instructions.parse_args(["--workers", given]))
    assert problem == f"--workers {given!r}: comma-separated numbers from 1 to 64"


def test_worker_counts_are_measured_for_the_server_only() -> None:
    args = instructions.parse_args(["--workers", "1, 2", "--tools", "fetchTicket"])
    assert instructions._refusal(args) is None
    assert instructions._scenarios(args) == [
        ("baseline", "fetchTicket", "2025-11-25", 1),
        ("server", "fetchTicket", "2025-11-25", 1),
        ("server", "fetchTicket", "2025-11-25", 2),
    ]
