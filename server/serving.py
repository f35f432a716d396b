"""Running uvicorn for ``helpdesk-mcp serve``: the listening socket bound before anything is
announced, and a supervisor that says why a worker died.

uvicorn's own supervisor (``--workers N``) pings each worker and kills one that does not answer
in time, then logs only "Child process [N] died". A worker that is slow to start on a busy machine
was killed in a loop that way, with no reason given. Here the time allowed is a setting, and each
death is logged with its cause: the exit status, the signal, or the missed health check.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from multiprocessing import connection

from uvicorn import Config, Server
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # server.metrics reads it in every worker


# glibc's mallopt parameter for the number of malloc arenas (malloc.h); see limit_malloc_arenas.
M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process; True when done. Called as a worker starts.

    glibc gives each thread that allocates its own arena (up to eight per core), and the memory
    freed in one is not reused by the others. A worker runs tools in up to twenty threads: under
    load that held ~15 MiB more than two arenas do, for no measurable CPU (the GIL serialises
    most allocation anyway). An operator's ``MALLOC_ARENA_MAX`` wins; elsewhere than glibc on
    Linux nothing is done."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):  # type: ignore[union-attr]
            return False
        return bool(ctypes.CDLL(None).mallopt(M_ARENA_MAX, arenas))
    except (OSError, ValueError, AttributeError):  # no such confstr name, or no mallopt
        return False


class CannotListen(Exception):
    """The address cannot be bound (in use, not local, not permitted); the message says which."""


def listen(host: str, port: int) -> socket.socket:
    """Bind ``host:port`` as uvicorn would (SO_REUSEADDR, inheritable by worker processes)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise CannotListen(f"cannot listen on {host}:{port}: {reason.lower()}") from None
    sock.set_inheritable(True)
    return sock


def run(config: Config, sock: socket.socket) -> None:
    """Serve on ``sock``: in this process, or under the supervisor with ``config.workers`` > 1.

    Workers count metrics into a fresh directory of their own (prometheus-client's multiprocess
    mode), made here before any worker starts and removed when serving ends; an operator's own
    ``PROMETHEUS_MULTIPROC_DIR`` is used as it is."""
    if config.workers == 1:
        if _can_start_afresh(config):
            _start_afresh(config, sock)  # does not return
        Server(config).run(sockets=[sock])
        return
    made = None if os.environ.get(MULTIPROCESS_ENV) else tempfile.mkdtemp(prefix="helpdesk-metrics-")
    if made:
        os.environ[MULTIPROCESS_ENV] = made
    try:
        Supervisor(config, sockets=[sock]).run()
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


# What ``serve`` sets in the Config; the fresh interpreter builds the same one from them.
_CONFIG_FIELDS = (
    "app", "factory", "host", "port", "log_level", "proxy_headers", "server_header",
    "timeout_graceful_shutdown", "timeout_worker_healthcheck", "log_config", "access_log",
)  # fmt: skip


def _can_start_afresh(config: Config) -> bool:
    return os.name == "posix" and isinstance(config.app, str) and isinstance(config.log_config, dict | None)


def _start_afresh(config: Config, sock: socket.socket) -> None:
    """Serve from a fresh interpreter in this same process (``exec``: same pid, same output, the
    bound socket inherited), so that the single worker holds only what serving needs.

    ``serve`` imports the CLI, Alembic for the migrations and, on a first start, the seed; a
    process that then served kept all of that: ~20 MiB more than a worker that only imports the
    app (134 vs 115 MiB before the first request).

    The command line the operator typed stays in the new one, first (``python -m server.serving
    /…/helpdesk-mcp serve --port 8000 -- {config} fd``): ``ps`` shows it, and ``pgrep -f``/``pkill -f
    'helpdesk-mcp serve'`` still find the server after the exec."""
    fields = {name: getattr(config, name) for name in _CONFIG_FIELDS}
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    argv = [sys.executable, "-m", "server.serving", *sys.argv, "--", json.dumps(fields), str(sock.fileno())]
    os.execv(sys.executable, argv)  # noqa: S606 - this interpreter again, with our own arguments


def _serve_inherited(fields: str, fd: str) -> None:
    """``python -m server.serving [the serve command line] -- CONFIG FD``: the fresh interpreter
    ``_start_afresh`` execs (the serve command line is there for ``ps`` only)."""
    from server import logs
    from server.settings import load_settings

    settings = load_settings()  # the same environment serve read: the same log set-up
    logs.configure(settings.log_format, settings.log_level)
    config = Config(**json.loads(fields))
    sock = socket.socket(fileno=int(fd))
    Server(config).run(sockets=[sock])


def _why_it_exited(exitcode: int | None) -> str:
    if exitcode is None:
        return "did not exit"
    if exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (out of memory, or kill -9)" if name == "SIGKILL" else ""
        return f"was killed by signal {name}{hint}"
    return f"exited with status {exitcode}"


def _answers(process: Process, timeout: float) -> bool:
    """uvicorn's ping, but over the pipe *and* the process's sentinel: a worker that dies while
    the supervisor waits for its answer is seen at once, not after the whole timeout (the pipe
    never reports the end of a dead worker: the supervisor holds both of its ends)."""
    if not process.process.is_alive():
        return False
    try:
        process.parent_conn.send(b"ping")
        ready = connection.wait([process.parent_conn, process.process.sentinel], timeout)
        if process.parent_conn in ready:
            process.parent_conn.recv()
            return True
    except (OSError, EOFError):
        pass
    return False


EXIT_GRACE_SECONDS = 2.0


class Supervisor(Multiprocess):
    """uvicorn's supervisor, logging why each worker it replaces died."""

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        timeout = self.config.timeout_worker_healthcheck
        for index, process in enumerate(self.processes):
            if _answers(process, timeout):
                continue
            # A worker killed while being pinged can still look alive for a moment (the ping's
            # broken pipe comes first): give its end a moment to show before calling it hung.
            running = not connection.wait([process.process.sentinel], EXIT_GRACE_SECONDS)
            process.kill()
            process.join()
            if running:
                reason = (
                    f"did not answer the supervisor within {timeout} s (hung, or starved of CPU: "
                    "raise HELPDESK_WORKER_TIMEOUT_SECONDS); killed"
                )
            else:
                reason = _why_it_exited(process.exitcode)
            if not running and process.exitcode == STARTUP_FAILURE:
                # Its own error is logged above; every replacement would fail the same way.
                logger.error("worker [%s] failed to start; stopping", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.error("worker [%s] %s; starting a new one", process.pid, reason)
            _forget_metrics_of(process.pid)
            replacement = Process(self.config, self.sockets)
            replacement.start()
            self.processes[index] = replacement


def _forget_metrics_of(pid: int | None) -> None:
    """A dead worker's live gauges (connections in use) stop counting; its counters stay."""
    if pid is not None and os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    _serve_inherited(*sys.argv[-2:])
