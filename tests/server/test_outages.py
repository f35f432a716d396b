"""A database that cannot be reached: every command says so in one line, and the running server
answers JSON 503 with Retry-After (never a plain 500), logging the outage once."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from domain import migrate
from domain.db import make_engine
from server.app import create_app
from server.settings import load_settings
from tests.utils.live import free_port, live_server

ROOT = Path(__file__).resolve().parents[2]


def _command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HELPDESK_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening, for as long as the test runs: connections are refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@pytest.mark.parametrize(
    ("database_url", "cause"),
    [
        ("postgresql+psycopg://helpdesk:s3cret-pw@127.0.0.1:{port}/helpdesk", "refused"),
        ("sqlite:////nonexistent-directory/helpdesk.db", "unable to open database file"),
    ],
)
@pytest.mark.parametrize("args", [("db", "upgrade"), ("apikey", "list")])
def test_an_unusable_database_is_one_line_naming_the_setting(
    database_url: str, cause: str, args: tuple[str, ...], closed_port: int
) -> None:
    result = _command(database_url.format(port=closed_port), *args)

    assert result.returncode == 1
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: cannot use the database HELPDESK_DATABASE_URL=")
    assert cause in lines[0]
    assert "s3cret-pw" not in lines[0] and ("***" in lines[0] or "sqlite" in lines[0])


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A server whose database goes away after start-up (its file's directory is removed)."""
    directory = tmp_path / "data"
    directory.mkdir()
    database_url = f"sqlite:///{directory / 'helpdesk.db'}"
    engine = make_engine(database_url, pool_size=0)  # no pooled connection survives the removal
    migrate.upgrade(engine)
    port = free_port()
    settings = load_settings(database_url=database_url, base_url=f"http://127.0.0.1:{port}")
    with live_server(create_app(settings, engine=engine), port) as url:
        # Moved away in one step: the quota counters' background task connects every half
        # second, and SQLite would create a fresh file in a directory still there.
        directory.rename(tmp_path / "gone")
        yield url, engine
    engine.dispose()


def test_with_the_database_gone_the_server_answers_503_and_logs_it_once(
    unreachable: tuple[str, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = unreachable
    key = {"Authorization": "Bearer hdk_abcdefgh_0123456789abcdef0123456789abcdef"}
    with caplog.at_level(logging.WARNING):
        answers = [
            httpx.post(f"{url}/mcp", json={}, headers={**key, "Accept": "application/json"}),
            httpx.post(f"{url}/mcp", json={}, headers={**key, "Accept": "application/json"}),
            httpx.post(
                f"{url}/token", data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "c"}
            ),
            httpx.post(
                f"{url}/register", json={"redirect_uris": ["http://127.0.0.1/cb"], "client_name": "x"}
            ),
        ]

    for answer in answers:
        assert answer.status_code == 503, (answer.request.url, answer.text)
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["error"] == "temporarily_unavailable"
    outage_lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk.outages"]
    assert len(outage_lines) == 1 and outage_lines[0].startswith("database unavailable: ")
    assert "Traceback" not in caplog.text
