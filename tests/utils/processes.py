"""Real server processes for tests that need more than one: uvicorn subprocesses on one database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.utils.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    pause = threading.Event()
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        pause.wait(0.05)
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


@contextmanager
def server_processes(
    factory: str, env: dict[str, str], tmp_path: Path, workers: Sequence[int] = (1, 1)
) -> Iterator[list[str]]:
    """One uvicorn server per item of ``workers`` (its worker count), started side by side from
    the ``factory`` with ``env`` (plus each one's ``HELPDESK_BASE_URL``); their base URLs."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("HELPDESK_")}
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for index, count in enumerate(workers):
            url = f"http://127.0.0.1:{free_port()}"
            command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
            command += ["--port", url.rsplit(":", 1)[1], "--workers", str(count), "--log-level", "warning"]
            log = tmp_path / f"server-{index}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**clean, "PYTHONPATH": str(ROOT), **env, "HELPDESK_BASE_URL": url},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append((url, process, log))
        for url, process, log in started:
            _wait_until_ready(url, process, log)
        yield [url for url, _, _ in started]
    finally:
        for _, process, _ in started:
            process.terminate()
        for _, process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
