"""Servers under test as subprocesses pinned to one CPU, waited for and always stopped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Target:
    """A server to measure: ``app`` is a uvicorn factory (``module:function``)."""

    name: str
    app: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True, slots=True)
class Running:
    target: Target
    pid: int
    log: Path


def pinned(cpu: int | None, command: Sequence[str]) -> list[str]:
    """``command`` run with ``taskset -c <cpu>`` (unpinned when ``cpu`` is None or taskset is missing)."""
    if cpu is None or shutil.which("taskset") is None:
        return list(command)
    return ["taskset", "-c", str(cpu), *command]


def uvicorn_command(target: Target, *, loop: str, http: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target.app,
        "--host",
        "127.0.0.1",
        "--port",
        str(target.port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        loop,
        "--http",
        http,
    ]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) ``pid`` has used so far; 0.0 if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{url} exited with code {process.returncode} while starting:\n{tail}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} was not ready within {READY_TIMEOUT_S:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def serve(
    target: Target, *, env: dict[str, str], cpu: int | None, loop: str, http: str, log_dir: Path
) -> Iterator[Running]:
    """Start ``target`` with uvicorn, wait until ``/healthz`` answers, stop it on the way out."""
    if not _port_is_free(target.port):
        raise RuntimeError(f"port {target.port} is in use; pick another with --port")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{target.name}.log"
    command = pinned(cpu, uvicorn_command(target, loop=loop, http=http))
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(process, f"{target.base_url}/healthz", log)
            yield Running(target=target, pid=process.pid, log=log)
        finally:
            _stop(process)
