"""``helpdesk-mcp workspaces create`` and ``helpdesk-mcp agents create``: what an operator needs to
start a deployment without the demo dataset (the first admin, the workspaces agents work in)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from domain.people.roles import AgentRole
from server.settings import SettingsError, load_settings

# The services are imported inside the commands: every `helpdesk-mcp` start imports this module.

workspaces_app = typer.Typer(help="Workspaces of the account.", no_args_is_help=True)
agents_app = typer.Typer(help="Admins and agents who can sign in and connect clients.", no_args_is_help=True)
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(workspaces_app, name="workspaces")
    app.add_typer(agents_app, name="agents")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(2)


@workspaces_app.command("create")
def workspaces_create(
    name: Annotated[str, typer.Argument(help="The workspace's name, e.g. IT.")],
    description: Annotated[str, typer.Option(help="What the workspace is for.")] = "",
    default: Annotated[bool, typer.Option("--default", help="New records go here by default.")] = False,
) -> None:
    """Create a workspace (the first one becomes the default); prints its id."""
    from domain.db import make_engine, session_scope
    from domain.errors import DomainError
    from domain.workspaces.service import create_workspace

    try:
        settings = load_settings()
        with session_scope(make_engine(settings.database_url)) as session:
            workspace = create_workspace(
                session=session, name=name, description=description, is_default=default
            )
    except (DomainError, SettingsError) as exc:
        raise _fail(str(exc)) from None
    err.print(f"created workspace {workspace.name!r}{' (default)' if workspace.is_default else ''}")
    sys.stdout.write(f"{workspace.id}\n")


@agents_app.command("create")
def agents_create(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    first_name: Annotated[str, typer.Option(help="First name.")],
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    role: Annotated[AgentRole, typer.Option(help="admin (every workspace) or agent.")] = AgentRole.agent,
    workspace: Annotated[
        list[int] | None, typer.Option(help="Workspace id the agent belongs to (repeatable).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (for scripts).")
    ] = False,
) -> None:
    """Create an admin or agent who can sign in (OAuth) and hold API keys; prints its id."""
    from domain.db import make_engine, session_scope
    from domain.errors import DomainError
    from domain.people.service import create_agent

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        settings = load_settings()
        with session_scope(make_engine(settings.database_url)) as session:
            agent = create_agent(
                session=session,
                email=email,
                first_name=first_name,
                last_name=last_name,
                role=role,
                workspace_ids=workspace or [],
                password=password,
            )
    except (DomainError, SettingsError) as exc:
        raise _fail(str(exc)) from None
    err.print(f"created {agent.role.value} {agent.email} in workspaces {agent.workspace_ids}")
    sys.stdout.write(f"{agent.id}\n")
