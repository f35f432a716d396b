"""``helpdesk-mcp serve`` before it hands over to uvicorn: the embedded database is migrated and
seeded where the demo logins may be served, and a public bind with demo logins is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from domain.db import make_engine
from seed import is_seeded
from server.asgi import NO_AUTH_ENV
from server.cli import app as cli

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Point the command at a fresh SQLite file and record what would have been served."""
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    # serve exports these for its workers; monkeypatch removes them again after the test
    monkeypatch.delenv("HELPDESK_BASE_URL", raising=False)
    monkeypatch.delenv(NO_AUTH_ENV, raising=False)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
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


def test_serve_after_the_operator_steps_serves_their_data_without_seeding(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    """README's operator steps on the SQLite default; serve used to try the seed and exit 1."""
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["workspaces", "create", "IT"]).exit_code == 0
    created = runner.invoke(
        cli,
        ["agents", "create", "--email", "ops@example.com", "--first-name", "Olga", "--role", "admin",
         "--password-stdin"],
        input="a long operator password\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output

    result = runner.invoke(cli, ["serve"])

    assert result.exit_code == 0, result.output
    assert "seed" not in result.output
    assert not _seeded(tmp_path)
    assert served
