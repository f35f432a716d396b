"""``helpdesk-mcp workspaces|agents|requesters``: the people of a deployment from a shell.

``workspaces create`` and ``agents create`` start a deployment without the demo dataset; the
rest is the lifecycle of the people who sign in (``auth.lifecycle``: deactivate, reactivate,
role, workspaces, password), each change idempotent and written to the audit log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from domain.people.roles import AgentRole
from server.cli_admin import print_table
from server.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from auth import lifecycle

# The services are imported inside the commands that use them: every `helpdesk-mcp` start
# (`--help`, each uvicorn worker) imports this module, and they pull in SQLModel and the SDK.

T = TypeVar("T")

workspaces_app = typer.Typer(help="Workspaces of the account.", no_args_is_help=True)
agents_app = typer.Typer(help="Admins and agents who can sign in and connect clients.", no_args_is_help=True)
requesters_app = typer.Typer(help="Requesters: the end users tickets are raised for.", no_args_is_help=True)
err = Console(stderr=True)
out = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output for scripts.")]
EmailArgument = Annotated[str, typer.Argument(help="The agent's sign-in email.")]


def register(app: typer.Typer) -> None:
    app.add_typer(workspaces_app, name="workspaces")
    app.add_typer(agents_app, name="agents")
    app.add_typer(requesters_app, name="requesters")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(2)


def _run(work: Callable[[Session], T]) -> T:
    """``work`` in one transaction on the configured database; domain errors become one line."""
    from domain.db import make_engine, session_scope
    from domain.errors import DomainError, operator_message

    try:
        settings = load_settings()
        with session_scope(make_engine(settings.database_url)) as session:
            return work(session)
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    except DomainError as exc:
        raise _fail(operator_message(exc)) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    print_table(columns, iter(rows), console=out)


@workspaces_app.command("create")
def workspaces_create(
    name: Annotated[str, typer.Argument(help="The workspace's name, e.g. IT.")],
    description: Annotated[str, typer.Option(help="What the workspace is for.")] = "",
    default: Annotated[bool, typer.Option("--default", help="New records go here by default.")] = False,
) -> None:
    """Create a workspace (the first one becomes the default); prints its id."""
    from domain.workspaces.service import create_workspace

    workspace = _run(
        lambda session: create_workspace(
            session=session, name=name, description=description, is_default=default
        )
    )
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
    from domain.people.service import create_agent

    password = _read_password(password_stdin)
    agent = _run(
        lambda session: create_agent(
            session=session,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            workspace_ids=workspace or [],
            password=password,
        )
    )
    err.print(f"created {agent.role.value} {agent.email} in workspaces {agent.workspace_ids}")
    sys.stdout.write(f"{agent.id}\n")


@agents_app.command("list")
def agents_list(as_json: JsonOption = False) -> None:
    """Every admin and agent: role, whether active, workspaces."""
    from domain.people.service import all_agents

    agents = _run(lambda session: all_agents(session=session))
    if as_json:
        out.print_json(json.dumps([agent.model_dump(mode="json") for agent in agents]))
        return
    _table(
        ("id", "email", "name", "role", "status", "workspaces"),
        [
            (
                str(a.id),
                a.email,
                f"{a.first_name} {a.last_name}".strip(),
                a.role.value,
                "active" if a.active else "deactivated",
                "all" if a.role == AgentRole.admin else " ".join(map(str, a.workspace_ids)),
            )
            for a in agents
        ],
    )


def _report(change: lifecycle.AgentChange, did: str, already: str) -> None:
    err.print(f"{change.agent.email} {did}" if change.changed else f"{change.agent.email} {already}")


@agents_app.command("deactivate")
def agents_deactivate(email: EmailArgument) -> None:
    """Deactivate: sign-in, console, OAuth tokens and API keys refused from the next request (grants and
    keys are revoked)."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.types import utcnow

    change = _run(lambda s: lifecycle.deactivate_agent(s, email=email, actor=CLI_OPERATOR, now=utcnow()))
    _report(change, "deactivated; their OAuth grants and API keys are revoked", "was already deactivated")


@agents_app.command("reactivate")
def agents_reactivate(email: EmailArgument) -> None:
    """Let a deactivated agent sign in again (old grants and keys stay revoked)."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.types import utcnow

    change = _run(lambda s: lifecycle.reactivate_agent(s, email=email, actor=CLI_OPERATOR, now=utcnow()))
    _report(change, "reactivated; apps must be authorized again", "is already active")


@agents_app.command("set-role")
def agents_set_role(
    email: EmailArgument,
    role: Annotated[AgentRole, typer.Argument(help="admin (every workspace) or agent (its workspaces).")],
) -> None:
    """Make an agent an admin, or an admin an agent (the last active admin stays one)."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.types import utcnow

    change = _run(
        lambda s: lifecycle.set_agent_role(s, email=email, role=role, actor=CLI_OPERATOR, now=utcnow())
    )
    _report(change, f"is now {role.value}", f"is already {role.value}")


@agents_app.command("workspaces")
def agents_workspaces(
    email: EmailArgument,
    add: Annotated[list[int] | None, typer.Option("--add", help="Workspace id to join (repeatable).")] = None,
    remove: Annotated[
        list[int] | None, typer.Option("--remove", help="Workspace id to leave (repeatable).")
    ] = None,
) -> None:
    """Add an agent to workspaces or remove it from some (an agent keeps at least one)."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.types import utcnow

    change = _run(
        lambda s: lifecycle.change_agent_workspaces(
            s, email=email, add=add or [], remove=remove or [], actor=CLI_OPERATOR, now=utcnow()
        )
    )
    workspaces = change.agent.workspace_ids
    _report(change, f"now belongs to workspaces {workspaces}", f"already belongs to workspaces {workspaces}")


@agents_app.command("reset-password")
def agents_reset_password(
    email: EmailArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (for scripts).")
    ] = False,
    revoke_access: Annotated[
        bool, typer.Option("--revoke-access", help="Also revoke the agent's OAuth grants and API keys.")
    ] = False,
) -> None:
    """Set a new password; the agent's console sessions end (with --revoke-access, apps and keys too)."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.types import utcnow

    password = _read_password(password_stdin)
    revoked = _run(
        lambda s: lifecycle.reset_agent_password(
            s, email=email, password=password, revoke=revoke_access, actor=CLI_OPERATOR, now=utcnow()
        )
    )
    extra = f"; revoked {revoked.grants} grant(s) and {revoked.keys} API key(s)" if revoke_access else ""
    err.print(f"password of {email.strip().lower()} changed; their console sessions have ended{extra}")


@requesters_app.command("list")
def requesters_list(
    search: Annotated[
        str | None, typer.Option(help="Only requesters whose name or email contains this.")
    ] = None,
    page: Annotated[int, typer.Option(min=1, help="Page, by id.")] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100, help="Requesters per page.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Requesters by id, a page at a time."""
    from domain.caller import OPERATOR
    from domain.people.service import list_requesters

    listing = _run(
        lambda s: list_requesters(
            session=s, caller=OPERATOR, search_term=search, page=page, per_page=per_page
        )
    )
    if as_json:
        out.print_json(listing.model_dump_json())
        return
    _table(
        ("id", "email", "name", "department", "status"),
        [
            (
                str(r.id),
                r.email,
                f"{r.first_name} {r.last_name}".strip(),
                r.department,
                "active" if r.active else "inactive",
            )
            for r in listing.requesters
        ],
    )
    more = f"; next: --page {listing.next_page}" if listing.next_page else ""
    err.print(f"page {listing.page}, {listing.total} requesters{more}")


@requesters_app.command("create")
def requesters_create(
    email: Annotated[str, typer.Option(help="The requester's email.")],
    first_name: Annotated[str, typer.Option(help="First name.")],
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    department: Annotated[str, typer.Option(help="Department.")] = "",
) -> None:
    """Create a requester (an end user; requesters cannot sign in); prints its id."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.types import utcnow

    requester = _run(
        lambda s: lifecycle.add_requester(
            s,
            email=email,
            first_name=first_name,
            last_name=last_name,
            department=department,
            actor=CLI_OPERATOR,
            now=utcnow(),
        )
    )
    err.print(f"created requester {requester.email}")
    sys.stdout.write(f"{requester.id}\n")


def remove_demo_logins(engine: Engine, emails: list[str]) -> None:
    """``seed --remove-demo-logins``: the published accounts lose their password, grants and keys."""
    from auth import lifecycle
    from domain.audit.service import CLI_OPERATOR
    from domain.db import session_scope
    from domain.errors import DomainError, operator_message
    from domain.types import utcnow

    try:
        with session_scope(engine) as session:
            removed = lifecycle.remove_logins(session, emails=emails, actor=CLI_OPERATOR, now=utcnow())
    except DomainError as exc:
        raise _fail(operator_message(exc)) from None
    if removed:
        err.print(f"removed the demo logins {', '.join(removed)}: they can no longer sign in")
    else:
        err.print("no demo login can sign in: nothing to remove")


def _limit(value: str | None, option: str) -> tuple[bool, int | None]:
    """(given, limit): a number (0 = no limit), or None for 'default'."""
    if value is None:
        return False, None
    if value.strip().lower() == "default":
        return True, None
    if not value.strip().isdigit():
        raise _fail(f"{option} takes a number of tool calls (0 = no limit) or 'default', not {value!r}")
    return True, int(value)


@agents_app.command("quota")
def agents_quota(
    email: EmailArgument,
    per_minute: Annotated[
        str | None,
        typer.Option(help="Tool calls per minute for this user: a number (0 = none) or 'default'."),
    ] = None,
    per_month: Annotated[
        str | None, typer.Option(help="Tool calls per month for this user: a number (0 = none) or 'default'.")
    ] = None,
) -> None:
    """Set one user's own quota in place of the per-user default (HELPDESK_QUOTA_PER_USER_PER_*)."""
    from domain.audit.service import CLI_OPERATOR
    from domain.people.service import agent_by_email
    from domain.types import utcnow
    from domain.usage.user_limits import describe_limits, override_of, set_user_limits

    minute_given, minute = _limit(per_minute, "--per-minute")
    month_given, month = _limit(per_month, "--per-month")

    def change(session: Session) -> tuple[bool, tuple[int | None, int | None]]:
        agent = agent_by_email(session, email)
        assert agent.id is not None
        current_minute, current_month = override_of(session, agent.id)
        changed = set_user_limits(
            session,
            agent=agent,
            per_minute=minute if minute_given else current_minute,
            per_month=month if month_given else current_month,
            actor=CLI_OPERATOR,
            now=utcnow(),
        )
        return changed, override_of(session, agent.id)

    changed, limits = _run(change)
    err.print(f"{email.strip().lower()}: {describe_limits(*limits)}{'' if changed else ' (unchanged)'}")
