"""``helpdesk-mcp serve`` in a subprocess, as an operator runs it, with its output in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from domain import migrate
from domain.db import make_engine, session_scope
from domain.workspaces.service import create_workspace
from tests.utils.live import free_port

ROOT = Path(__file__).resolve().parents[2]
_pause = threading.Event()


@dataclass(frozen=True)
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str

    def wait_for(self, condition: str, check: Callable[[], bool]) -> None:
        """Until ``check()`` holds (300 s at most: workers start slowly on a busy machine)."""
        for _ in range(3000):
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited while waiting for {condition}:\n{self.log.read_text()}")
            if check():
                return
            _pause.wait(0.1)
        raise AssertionError(f"no {condition} within 300 s:\n{self.log.read_text()}")

    def api_key(self) -> str:
        """An admin of the served database (ops@example.com) and an API key for them."""
        from auth.apikeys import create_api_key
        from domain.people.models import AgentRole
        from domain.people.service import create_agent

        engine = make_engine(self.database_url)
        with session_scope(engine) as session:
            create_agent(
                session=session,
                email="ops@example.com",
                first_name="Olga",
                role=AgentRole.admin,
                workspace_ids=[],
                password="a long operator password",
            )
            _, key = create_api_key(session, email="ops@example.com", name="served")
        engine.dispose()
        return key

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


def operators_database(tmp_path: Path) -> str:
    """A migrated SQLite database holding one workspace: serve does not load the demo dataset."""
    database_url = f"sqlite:///{tmp_path / 'served.db'}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        create_workspace(session=session, name="IT", description="", is_default=True)
    engine.dispose()
    return database_url


@contextmanager
def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Run ``helpdesk-mcp serve --port P *args`` until /healthz answers; stop it afterwards."""
    database_url = operators_database(tmp_path)
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("HELPDESK_")}
    environment.update({"HELPDESK_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), **(env or {})})
    log = tmp_path / "serve.log"
    executable = Path(sys.executable).parent / "helpdesk-mcp"  # the installed command
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(executable), "serve", "--port", str(port), *args],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log, database_url)
    try:
        served.wait_for("answer on /healthz", served.healthy)
        yield served
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
