"""``helpdesk-mcp serve`` before it hands over to uvicorn: the embedded database is migrated and
seeded where the demo logins may be served, and a public bind with demo logins is refused."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from domain.db import make_engine
from seed import is_seeded
from server import serving
from server.asgi import NO_AUTH_ENV
from server.cli import app as cli
from server.serving import listen as real_listen

runner = CliRunner()


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """serve configures logging for its process; later tests get the test run's set-up back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Point the command at a fresh SQLite file and record what would have been served."""
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    # serve exports these for its workers; monkeypatch removes them again after the test
    monkeypatch.delenv("HELPDESK_BASE_URL", raising=False)
    monkeypatch.delenv(NO_AUTH_ENV, raising=False)
    calls: list[dict[str, Any]] = []

    def run(config: uvicorn.Config, sock: socket.socket) -> None:
        sock.close()
        calls.append({"host": config.host, "port": config.port, "workers": config.workers})

    # Any free port stands in for the one asked for (8000 may be taken on a developer's machine).
    monkeypatch.setattr(serving, "listen", lambda host, port: real_listen("127.0.0.1", 0))
    monkeypatch.setattr(serving, "run", run)
    return calls


def _seeded(tmp_path: Path) -> bool:
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    try:
        return is_seeded(engine)
    finally:
        engine.dispose()


def test_first_start_on_loopback_seeds_the_demo_dataset(served: list[dict[str, Any]], tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert _seeded(tmp_path)
    assert served and served[0]["host"] == "127.0.0.1" and served[0]["port"] == 8123


def test_first_start_on_a_public_address_does_not_load_demo_logins(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0"])  # noqa: S104 - the case under test
    assert result.exit_code == 0, result.output
    assert not _seeded(tmp_path)
    assert served


def test_public_address_with_demo_logins_is_refused_unless_allowed(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert runner.invoke(cli, ["serve"]).exit_code == 0  # seeds on loopback
    refused = runner.invoke(cli, ["serve", "--host", "0.0.0.0"])  # noqa: S104
    assert refused.exit_code == 2
    assert "--allow-demo-logins" in refused.output
    allowed = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--allow-demo-logins"])  # noqa: S104
    assert allowed.exit_code == 0, allowed.output
    assert len(served) == 2


def test_no_auth_is_refused_off_loopback(served: list[dict[str, Any]]) -> None:
    refused = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--no-auth"])  # noqa: S104
    assert refused.exit_code == 2
    assert "loopback" in refused.output
    assert not served


def test_a_port_in_use_is_reported_before_serving(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.delenv("HELPDESK_BASE_URL", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port), "--no-auth"])

    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in result.output
    assert "serving" not in result.output


def test_removing_the_demo_logins_lets_serve_bind_a_public_address(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    from auth.web.login import LoginResult, check_login
    from domain.db import session_scope
    from seed import DEMO_LOGINS

    assert runner.invoke(cli, ["serve"]).exit_code == 0  # seeds on loopback
    removed = runner.invoke(cli, ["seed", "--remove-demo-logins"])
    assert removed.exit_code == 0, removed.output
    assert "can no longer sign in" in removed.output
    again = runner.invoke(cli, ["seed", "--remove-demo-logins"])
    assert again.exit_code == 0 and "nothing to remove" in again.output
    public = runner.invoke(cli, ["serve", "--host", "0.0.0.0"])  # noqa: S104
    assert public.exit_code == 0, public.output
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    with session_scope(engine) as session:
        for login in DEMO_LOGINS:
            outcome = check_login(session, email=login.email, password=login.password)
            assert outcome.result == LoginResult.invalid, login.email
    engine.dispose()
    assert _seeded(tmp_path), "the records stay: tickets refer to them"


def test_a_database_with_an_operators_data_is_not_called_empty(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["workspaces", "create", "Service Desk"]).exit_code == 0
    public = runner.invoke(cli, ["serve", "--host", "0.0.0.0"])  # noqa: S104
    assert public.exit_code == 0, public.output
    assert "Empty database" not in public.output
    loopback = runner.invoke(cli, ["serve"])
    assert loopback.exit_code == 0, loopback.output
    assert not _seeded(tmp_path), "the demo dataset is never mixed into an operator's data"


def test_seeding_shows_progress_in_a_log_on_first_start_and_in_seed(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_start = runner.invoke(cli, ["serve"])  # the runner's output is not a terminal: plain lines
    assert first_start.exit_code == 0, first_start.output
    assert "seeding ticket: 5,000 of 5,000 rows (100%)" in first_start.output
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    seeded = runner.invoke(cli, ["seed", "--scale", "0.5"])
    assert seeded.exit_code == 0, seeded.output
    assert "seeding ticket: 2,500 of 2,500 rows (100%)" in seeded.output
