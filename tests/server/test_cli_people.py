"""Starting a deployment without the demo dataset: a workspace, an admin, an agent, then a key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain import migrate
from domain.db import make_engine, session_scope
from domain.people.models import Agent
from domain.people.passwords import verify_password
from server.cli import app as cli

runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("HELPDESK_DATABASE_URL", url)
    return url


def _invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_an_operator_creates_a_workspace_an_admin_and_an_agent(empty_database: str) -> None:
    code, out, _ = _invoke("workspaces", "create", "Service Desk")
    assert code == 0
    workspace_id = out.strip().splitlines()[-1]
    code, out, _ = _invoke(
        "agents",
        "create",
        "--email",
        "Ops@Example.com",
        "--first-name",
        "Olga",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    code, out, _ = _invoke(
        "agents",
        "create",
        "--email",
        "ann@example.com",
        "--first-name",
        "Ann",
        "--workspace",
        workspace_id,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    engine = make_engine(empty_database)
    with session_scope(engine) as session:
        admin = session.query(Agent).filter(Agent.email == "ops@example.com").one()
        assert admin.role.value == "admin" and verify_password(admin.password_hash, PASSWORD)
    engine.dispose()
    code, out, _ = _invoke("apikey", "create", "--email", "ann@example.com")
    assert code == 0 and out.strip().splitlines()[-1].startswith("hdk_")


def test_bad_input_is_refused_with_a_message_naming_the_field() -> None:
    code, _, err = _invoke(
        "agents",
        "create",
        "--email",
        "a@example.com",
        "--first-name",
        "A",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 2 and "password" in err
    code, _, err = _invoke(
        "agents",
        "create",
        "--email",
        "a@example.com",
        "--first-name",
        "A",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 2 and "workspace" in err, "an agent needs a workspace"
    code, _, err = _invoke(
        "agents",
        "create",
        "--email",
        "not-an-email",
        "--first-name",
        "A",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 2 and "email" in err
    assert _invoke("workspaces", "create", "IT")[0] == 0
    code, _, err = _invoke("workspaces", "create", "IT")
    assert code == 2 and "exists" in err
