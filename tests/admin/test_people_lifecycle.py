"""The people lifecycle from the command line, checked through the server's real surfaces: an
agent deactivated with ``helpdesk-mcp agents deactivate`` loses its OAuth token, API key,
console session and sign-in on the very next request; the last admin stays; every change is in
the audit log and asking twice changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from rich.console import Console
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from typer.testing import CliRunner

from auth.apikeys import create_api_key
from domain.audit.models import AuditEntryPublic
from domain.audit.service import list_entries
from domain.db import session_scope
from domain.people.models import Agent, AgentRole, AgentWorkspace
from domain.workspaces.models import Workspace
from server import cli_people
from server.cli import app as cli
from tests.admin.console import Console as ConsoleForms
from tests.auth.browser import Browser, exchange_code, obtain_code, register_client
from tests.utils.auth_factories import PASSWORD, Person, create_agent

runner = CliRunner()
ACCEPT = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, app_database_url: str, engine: Engine) -> None:
    monkeypatch.setenv("HELPDESK_DATABASE_URL", app_database_url)
    monkeypatch.setattr(cli_people, "out", Console(width=300))
    monkeypatch.setattr(cli_people, "err", Console(stderr=True, width=300))


def run(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stderr + result.stdout


def run_json(*args: str) -> Any:
    result = runner.invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(cli, list(args), input=stdin)
    assert result.exit_code == 2, result.output
    return result.stderr


@dataclass
class Access:
    """Everything an agent can reach the server with."""

    token: str
    key: str


async def connect(http: httpx.AsyncClient, engine: Engine, person: Person) -> Access:
    """An OAuth grant (signing in through the consent page, which also starts a console session)
    and an API key."""
    client = await register_client(http, client_name="Lifecycle app", token_endpoint_auth_method="none")
    issued = await obtain_code(Browser(http), client, person)
    token = (await exchange_code(http, client, issued)).json()["access_token"]
    with session_scope(engine) as session:
        key = create_api_key(session, email=person.email)[1]
    return Access(token=token, key=key)


async def mcp_status(http: httpx.AsyncClient, credential: str) -> int:
    headers = {**ACCEPT, "Authorization": f"Bearer {credential}"}
    return (await http.post("/mcp", json=LIST_TOOLS, headers=headers)).status_code


async def console_status(http: httpx.AsyncClient) -> int:
    return (await http.get("/admin/keys", follow_redirects=False)).status_code


async def test_deactivation_refuses_token_key_session_and_sign_in_on_the_next_request(
    app: Starlette, http: httpx.AsyncClient, engine: Engine, agent: Person, admin: Person
) -> None:
    async with app.router.lifespan_context(app):  # /mcp needs the SDK's task group
        await _deactivate_and_reactivate(http, engine, agent)


async def _deactivate_and_reactivate(http: httpx.AsyncClient, engine: Engine, agent: Person) -> None:
    access = await connect(http, engine, agent)
    assert await mcp_status(http, access.token) == 200
    assert await mcp_status(http, access.key) == 200
    assert await console_status(http) == 200

    assert "deactivated" in run("agents", "deactivate", agent.email.upper())

    assert await mcp_status(http, access.token) == 401
    assert await mcp_status(http, access.key) == 401
    assert await console_status(http) == 303, "the console session ends"
    http.cookies.clear()
    signed_in = await ConsoleForms(http).sign_in(agent)
    assert signed_in.status_code == 403 and "deactivated" in signed_in.text

    assert "already deactivated" in run("agents", "deactivate", agent.email)
    assert "reactivated" in run("agents", "reactivate", agent.email)
    assert await mcp_status(http, access.token) == 401, "reactivation brings no old grant back"
    assert await mcp_status(http, access.key) == 401, "nor an old key"
    assert (await ConsoleForms(http).sign_in(agent)).status_code == 303

    with session_scope(engine) as session:

        def trail(action: str) -> list[AuditEntryPublic]:
            entries = list_entries(session=session, tool=action, per_page=100).entries
            return [e for e in entries if json.loads(e.arguments)["subject"] == agent.email]

        deactivations = trail("agents.deactivate")
        assert len(deactivations) == 1, "asking twice records once"
        assert deactivations[0].credential == "cli"
        assert "revoked 1 grant(s) and 1 API key(s)" in deactivations[0].arguments
        assert len(trail("agents.reactivate")) == 1


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(Agent.__table__.update().values(active=False))  # type: ignore[attr-defined]
    only = create_agent(engine, role=AgentRole.admin)
    assert "last active admin" in refused("agents", "deactivate", only.email)
    assert "last active admin" in refused("agents", "set-role", only.email, "agent")
    second = create_agent(engine, role=AgentRole.admin)
    assert "deactivated" in run("agents", "deactivate", only.email)
    assert "last active admin" in refused("agents", "deactivate", second.email)


def test_roles_and_workspaces_change_what_an_agent_sees(engine: Engine, admin: Person) -> None:
    with session_scope(engine) as session:
        workspaces = [Workspace(name="Lifecycle A"), Workspace(name="Lifecycle B")]
        session.add_all(workspaces)
        session.flush()
        first, second = (str(w.id) for w in workspaces)
    person = create_agent(engine)
    with session_scope(engine) as session:
        session.add(AgentWorkspace(agent_id=person.id, workspace_id=int(first)))
    assert f"[{first}, {second}]" in run("agents", "workspaces", person.email, "--add", second)
    assert "already belongs" in run("agents", "workspaces", person.email, "--add", second)
    assert f"[{second}]" in run("agents", "workspaces", person.email, "--remove", first)
    assert "needs one" in refused("agents", "workspaces", person.email, "--remove", second)
    assert "no workspace has id" in refused("agents", "workspaces", person.email, "--add", "999999")
    assert "is now admin" in run("agents", "set-role", person.email, "admin")
    assert "already admin" in run("agents", "set-role", person.email, "admin")
    assert "is now agent" in run("agents", "set-role", person.email, "agent")
    listed = {a["email"]: a for a in run_json("agents", "list")}
    assert listed[person.email]["role"] == "agent" and listed[person.email]["workspace_ids"] == [int(second)]
    assert person.email in run("agents", "list")


async def test_a_new_password_ends_console_sessions_and_optionally_apps_and_keys(
    app: Starlette, http: httpx.AsyncClient, engine: Engine, agent: Person
) -> None:
    async with app.router.lifespan_context(app):
        await _reset_password(http, engine, agent)


async def _reset_password(http: httpx.AsyncClient, engine: Engine, agent: Person) -> None:
    access = await connect(http, engine, agent)
    assert await console_status(http) == 200
    new_password = "a brand new passphrase"
    too_short = refused("agents", "reset-password", agent.email, "--password-stdin", stdin="short\n")
    assert "at least 12 characters" in too_short
    run("agents", "reset-password", agent.email, "--password-stdin", stdin=new_password + "\n")
    assert await console_status(http) == 303, "sessions started with the old password end"
    assert await mcp_status(http, access.token) == 200, "apps keep working without --revoke-access"
    http.cookies.clear()
    assert "do not match" in (await ConsoleForms(http).sign_in(agent)).text, "the old password is refused"
    renewed = Person(agent.id, agent.email, new_password)
    assert (await ConsoleForms(http).sign_in(renewed)).status_code == 303
    assert "revoked 1 grant(s) and 1 API key(s)" in run(
        "agents", "reset-password", agent.email, "--password-stdin", "--revoke-access", stdin=PASSWORD + "\n"
    )
    assert await mcp_status(http, access.token) == 401 and await mcp_status(http, access.key) == 401


def test_errors_speak_to_an_operator() -> None:
    assert "not an email address" in refused("agents", "deactivate", "not-an-email")
    missing = refused("agents", "deactivate", "nobody@example.test")
    assert "No agent with email 'nobody@example.test' exists." in missing and "visible" not in missing
    assert "not an email address" in refused("apikey", "create", "--email", "not-an-email")
    assert "admin" in refused("agents", "set-role", "nobody@example.test", "root")


def test_requesters_list_and_create() -> None:
    created = run("requesters", "create", "--email", "Rita.Lifecycle@Example.test", "--first-name", "Rita")
    requester_id = created.strip().splitlines()[-1]
    assert "exists already" in refused(
        "requesters", "create", "--email", "rita.lifecycle@example.test", "--first-name", "R"
    )
    listing = run_json("requesters", "list", "--search", "rita.lifecycle")
    assert [(r["id"], r["email"]) for r in listing["requesters"]] == [
        (int(requester_id), "rita.lifecycle@example.test")
    ]
