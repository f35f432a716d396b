"""``helpdesk-mcp serve --workers 2`` as an operator runs it: both workers come up and serve, and
a worker that dies is replaced with its cause in the log (uvicorn said only "Child process died")."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.utils.served import serve


def _workers(pid: int) -> list[int]:
    """The supervisor's worker processes (its children started by multiprocessing's spawn)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_both_workers_serve_and_a_dead_worker_is_replaced_with_its_cause_logged(tmp_path: Path) -> None:
    with serve(tmp_path, "--workers", "2") as served:
        pid = served.process.pid
        served.wait_for("two workers", lambda: len(_workers(pid)) == 2)
        victim = _workers(pid)[0]

        os.kill(victim, signal.SIGKILL)

        line = f"worker [{victim}] was killed by signal SIGKILL"
        served.wait_for("log line for the dead worker", lambda: line in served.log.read_text())
        served.wait_for("a replacement worker", lambda: len(_workers(pid)) == 2)
        assert victim not in _workers(pid)
        assert served.healthy()
        assert "Child process" not in served.log.read_text()  # uvicorn's reasonless line is not used
