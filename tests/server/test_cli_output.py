"""Command output to a pipe (Docker logs, journald, `| cat`) is never wrapped or cut: the key
prefix `apikey list` shows is what `apikey revoke` takes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain import migrate
from domain.db import make_engine

runner = CliRunner()
LONG_EMAIL = "olga.the-operations-lead-of-the-service-desk@a-rather-long-company-name.example.com"


@pytest.fixture(autouse=True)
def empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'output.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("HELPDESK_DATABASE_URL", url)


def test_apikey_list_into_a_pipe_keeps_each_row_on_one_line() -> None:
    from server.cli import app as cli

    assert runner.invoke(cli, ["workspaces", "create", "IT"]).exit_code == 0
    created = runner.invoke(
        cli,
        [
            "agents",
            "create",
            "--email",
            LONG_EMAIL,
            "--first-name",
            "Olga",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long operator password\n",
    )
    assert created.exit_code == 0, created.output
    name = "a client with a long name"
    key = runner.invoke(cli, ["apikey", "create", "--email", LONG_EMAIL, "--name", name])
    prefix = "_".join(key.stdout.strip().splitlines()[-1].split("_")[:2])

    listed = runner.invoke(cli, ["apikey", "list"])

    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if prefix in line)
    assert LONG_EMAIL in row and name in row
    assert runner.invoke(cli, ["apikey", "revoke", prefix]).exit_code == 0
