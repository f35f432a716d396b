"""Servers under test as pinned subprocesses, waited for and always stopped, and their CPU time.

The server is started as users start it, ``helpdesk-mcp serve`` (one worker by default, which
then serves in the command's own process; with ``--workers N`` the command supervises N worker
processes). An experimental variant can be any uvicorn factory instead (``Target.app``). Either
way the CPU time measured is that of the whole process tree: every worker, the supervisor.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 120.0
# serve gives in-flight requests 10 s to finish on SIGTERM; its workers need a little more to exit.
STOP_TIMEOUT_S = 20.0
SERVE_CLI = "helpdesk-mcp serve"


@dataclass(frozen=True, slots=True)
class Target:
    """A server to measure.

    ``app``: ``None`` runs ``helpdesk-mcp serve`` (what users run); otherwise a uvicorn factory
    (``module:function``) run by ``python -m uvicorn``. ``cpus``: the CPU list it is pinned to
    (``"0"``, ``"0,1"``; ``None``: unpinned).
    """

    name: str
    role: str  # "baseline" or "server": which figures it is compared with
    port: int
    database_url: str
    app: str | None = None
    workers: int = 1
    redis_url: str | None = None
    cpus: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    @property
    def runs(self) -> str:
        """How the target is started, in words (printed, and saved with the results)."""
        if self.app is None:
            return f"{SERVE_CLI} --workers {self.workers}"
        return f"uvicorn --factory {self.app} --workers {self.workers}"


@dataclass(frozen=True, slots=True)
class Running:
    target: Target
    pid: int
    log: Path


def pinned(cpus: str | None, command: Sequence[str]) -> list[str]:
    """``command`` run with ``taskset -c <cpus>`` (unpinned when ``cpus`` is None or taskset is missing)."""
    if cpus is None or shutil.which("taskset") is None:
        return list(command)
    return ["taskset", "-c", cpus, *command]


def serve_command(port: int, *, workers: int) -> list[str]:
    """``helpdesk-mcp serve`` from this virtualenv, with its defaults but the port and workers."""
    cli = Path(sys.executable).parent / "helpdesk-mcp"
    return [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def uvicorn_command(target: Target, *, loop: str, http: str) -> list[str]:
    """An ASGI factory under uvicorn, for the baseline and for experimental variants of the server.

    uvicorn's own log is quiet and its access log off (the baseline has no log; the server's
    request log is the app's own and follows ``HELPDESK_LOG_LEVEL`` like ``serve``'s)."""
    assert target.app is not None
    command = [sys.executable, "-m", "uvicorn", "--factory", target.app, "--host", "127.0.0.1"]
    command += ["--port", str(target.port), "--log-level", "warning", "--no-access-log"]
    command += ["--loop", loop, "--http", http]
    return command + (["--workers", str(target.workers)] if target.workers > 1 else [])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) ``pid`` has used so far; 0.0 if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _parents() -> dict[int, int]:
    """Every live process's parent, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return parents


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (workers started from any of its threads included)."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its live descendants: the whole server however many workers it runs.

    A worker that exited during a measurement takes its CPU time with it (the supervisor logs
    such deaths; the bench's server log is kept in ``bench/.work/logs``)."""
    return sum(tree_cpu_by_process(pid).values())


def tree_cpu_by_process(pid: int) -> dict[int, float]:
    """``tree_cpu_seconds`` per process of the tree."""
    return {member: cpu_seconds(member) for member in process_tree(pid)}


def busiest_share(before: dict[int, float], after: dict[int, float]) -> float | None:
    """The share of a tree's CPU time between two ``tree_cpu_by_process`` readings that its
    busiest process used (1.0: one process did all the work); None if it used none."""
    used = [seconds - before.get(member, 0.0) for member, seconds in after.items()]
    total = sum(used)
    return max(used) / total if total > 0 else None


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Until ``url`` answers 200; fails with the tail of ``log`` if the process exits first."""
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
    """SIGTERM to the server (its normal stop), then SIGKILL to its whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT_S)
    with suppress(ProcessLookupError):  # workers left behind by a supervisor that did not stop them
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any ``HELPDESK_`` setting, plus ``extra``: the server
    runs with its defaults and the settings the bench gives, not whatever the shell had."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("HELPDESK_")}
    return {**kept, **extra}


@contextmanager
def serve(
    target: Target, *, env: Mapping[str, str], loop: str, http: str, log_dir: Path
) -> Iterator[Running]:
    """Start ``target`` (in its own process group), wait until ``/healthz`` answers, stop it on
    the way out. ``env`` is the whole environment of the process."""
    if not _port_is_free(target.port):
        raise RuntimeError(f"port {target.port} is in use; pick another with --port")
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{target.name}.log"
    if target.app is None:
        command = serve_command(target.port, workers=target.workers)
    else:
        command = uvicorn_command(target, loop=loop, http=http)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            pinned(target.cpus, command),
            cwd=REPO_ROOT,
            env=dict(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_ready(process, f"{target.base_url}/healthz", log)
            yield Running(target=target, pid=process.pid, log=log)
        finally:
            _stop(process)
