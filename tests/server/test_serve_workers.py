"""``helpdesk-mcp serve --workers 2`` as an operator runs it: both workers come up and serve, and
a worker that dies is replaced with its cause in the log (uvicorn said only "Child process died")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain import migrate
from domain.db import make_engine, session_scope
from domain.workspaces.service import create_workspace
from tests.utils.live import free_port

ROOT = Path(__file__).resolve().parents[2]
pause = threading.Event()


def _wait_for(condition: str, check: object, log: Path, process: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):  # 120 s: two workers start on a busy 2-core machine
        if process.poll() is not None:
            raise AssertionError(f"serve exited while waiting for {condition}:\n{log.read_text()}")
        if callable(check) and check():
            return
        pause.wait(0.1)
    raise AssertionError(f"no {condition} within 120 s:\n{log.read_text()}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _workers(pid: int) -> list[int]:
    """The supervisor's worker processes (its children started by multiprocessing's spawn)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    database_url = f"sqlite:///{tmp_path / 'served.db'}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with session_scope(engine) as session:  # an operator's database: no demo seeding at start
        create_workspace(session=session, name="IT", description="", is_default=True)
    engine.dispose()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("HELPDESK_")}
    env.update({"HELPDESK_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)})
    log = tmp_path / "serve.log"
    executable = Path(sys.executable).parent / "helpdesk-mcp"  # the installed command, as operators run it
    command = [str(executable), "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for("answer on /healthz", lambda: _healthy(url), log, process)
        _wait_for("two workers", lambda: len(_workers(process.pid)) == 2, log, process)
        yield url, process, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_both_workers_serve_and_a_dead_worker_is_replaced_with_its_cause_logged(
    two_workers: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    url, process, log = two_workers
    victim = _workers(process.pid)[0]

    os.kill(victim, signal.SIGKILL)

    line = f"worker [{victim}] was killed by signal SIGKILL"
    _wait_for("log line for the dead worker", lambda: line in log.read_text(), log, process)
    _wait_for("a replacement worker", lambda: len(_workers(process.pid)) == 2, log, process)
    assert victim not in _workers(process.pid)
    assert _healthy(url)
    assert "Child process" not in log.read_text()  # uvicorn's reasonless line is not used
