"""``helpdesk-mcp clients|grants|tools|audit`` through typer's runner, against the console's
database: tables by default, JSON with ``--json``, the same effects as the console."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from rich.console import Console
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from domain.audit.models import Outcome
from domain.audit.service import ToolCallRecord, record_call
from domain.db import session_scope
from domain.toolswitches.service import disabled_tools
from server import cli_admin
from server.cli import app as cli
from tests.auth.browser import Browser, exchange_code, obtain_code
from tests.auth.fakes import FakeClock
from tests.utils.auth_factories import Person

runner = CliRunner()


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, app_database_url: str, engine: Engine) -> None:
    """The environment the command reads, pointing at the migrated console database; tables wide
    enough not to wrap."""
    monkeypatch.setenv("HELPDESK_DATABASE_URL", app_database_url)
    monkeypatch.setattr(cli_admin, "out", Console(width=400))


def run(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_clients_create_list_and_revoke() -> None:
    created = json.loads(
        run(
            "clients",
            "create",
            "--name",
            "Copilot Studio",
            "--redirect-uri",
            "https://copilot.example.com/cb",
            "--json",
        )
    )
    assert created["client_id"].startswith("hdcl_") and created["client_secret"].startswith("hdcs_")
    listed = {c["client_id"]: c for c in json.loads(run("clients", "list", "--json"))}
    assert listed[created["client_id"]]["kind"] == "preregistered"
    table = run("clients", "list")
    assert "Copilot Studio" in table and "Pre-registered" in table
    run("clients", "revoke", created["client_id"])
    assert created["client_id"] not in {c["client_id"] for c in json.loads(run("clients", "list", "--json"))}
    missing = runner.invoke(cli, ["clients", "revoke", "hdcl_nope"])
    assert missing.exit_code == 2 and "No OAuth client" in missing.output


async def test_grants_list_and_revoke(http: httpx.AsyncClient, agent: Person) -> None:
    registered = (
        await http.post(
            "/register",
            json={
                "client_name": "CLI grant app",
                "redirect_uris": ["http://127.0.0.1/cb"],
                "token_endpoint_auth_method": "none",
            },
        )
    ).json()
    client = {"client_id": registered["client_id"], "token_endpoint_auth_method": "none"}
    issued = await obtain_code(Browser(http), client, agent, redirect_uri="http://127.0.0.1:4000/cb")
    assert (await exchange_code(http, client, issued)).status_code == 200
    grants = json.loads(run("grants", "list", "--email", agent.email, "--json"))
    assert [(g["client_name"], g["scope"]) for g in grants] == [("CLI grant app", "mcp:read mcp:write")]
    assert agent.email in run("grants", "list")
    run("grants", "revoke", str(grants[0]["id"]))
    assert json.loads(run("grants", "list", "--email", agent.email, "--json")) == []


def test_tools_list_disable_enable(engine: Engine) -> None:
    tools = json.loads(run("tools", "list", "--json"))
    assert len(tools) == 34 and all(t["enabled"] for t in tools)
    assert "createTicket" in run("tools", "list")
    run("tools", "disable", "createTicket", "--by", "ops@example.test")
    with session_scope(engine) as session:
        assert disabled_tools(session) == {"createTicket"}
    assert "disabled by ops@example.test" in run("tools", "list")
    run("tools", "enable", "createTicket")
    with session_scope(engine) as session:
        assert disabled_tools(session) == frozenset()
    unknown = runner.invoke(cli, ["tools", "disable", "dropDatabase"])
    assert unknown.exit_code == 2 and "No tool" in unknown.output


def test_audit_filters_by_user_tool_and_since(engine: Engine, clock: FakeClock) -> None:
    with session_scope(engine) as session:
        for hours, email, tool in (
            (30, "cli-a@x.test", "fetchTickets"),
            (2, "cli-a@x.test", "createTicket"),
            (1, "cli-b@x.test", "fetchTickets"),
        ):
            record_call(
                session=session,
                call=ToolCallRecord(
                    at=clock.now - timedelta(hours=hours),
                    agent_id=None,
                    agent_email=email,
                    credential_kind="api_key",
                    credential="hdk_cli",
                    tool=tool,
                    arguments='{"subject": "VPN down"}',
                    outcome=Outcome.ok,
                    error=None,
                    duration_ms=12,
                ),
            )
    mine = json.loads(run("audit", "--user", "cli-a@x.test", "--json"))
    assert [e["tool"] for e in mine["entries"]] == ["createTicket", "fetchTickets"]
    since = (clock.now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    recent = json.loads(run("audit", "--user", "cli-a@x.test", "--since", since, "--json"))
    assert [e["tool"] for e in recent["entries"]] == ["createTicket"]
    fetches = json.loads(run("audit", "--tool", "fetchTickets", "--user", "cli-b@x.test", "--json"))
    assert fetches["total"] == 1
    table = run("audit", "--user", "cli-a@x.test", "--per-page", "1")
    assert "createTicket" in table and "VPN down" in table and "fetchTickets" not in table
    bad = runner.invoke(cli, ["audit", "--since", "last tuesday"])
    assert bad.exit_code == 2
