"""``helpdesk-mcp clients|grants|tools|audit``: the admin console's actions from a shell.

Tables by default, ``--json`` for scripts. The commands act for the account as a whole (whoever
can run them holds the database URL), through the same services as the console.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from server.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

# The services, the OAuth package and the tool registry are imported inside the commands that
# use them: every `helpdesk-mcp` start (`--help`, each uvicorn worker) imports this module.

T = TypeVar("T")

clients_app = typer.Typer(help="OAuth clients (connected apps).", no_args_is_help=True)
grants_app = typer.Typer(help="OAuth grants: one user's approval of one client.", no_args_is_help=True)
tools_app = typer.Typer(help="Tools: list them, disable or enable one for the account.", no_args_is_help=True)

err = Console(stderr=True)
out = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output for scripts.")]


def register(app: typer.Typer) -> None:
    app.add_typer(clients_app, name="clients")
    app.add_typer(grants_app, name="grants")
    app.add_typer(tools_app, name="tools")
    app.command("audit")(audit)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def _engine() -> Engine:
    from domain.db import make_engine

    try:
        return make_engine(load_settings().database_url)
    except SettingsError as exc:
        raise _fail(str(exc)) from None


def _run(work: Callable[[Session], T]) -> T:
    from domain.db import session_scope
    from domain.errors import DomainError, operator_message

    try:
        with session_scope(_engine()) as session:
            return work(session)
    except DomainError as exc:
        raise _fail(operator_message(exc)) from None


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "never"


def _print_json(rows: Any) -> None:
    out.print_json(json.dumps(rows, default=str))


# Wide enough for any row: output to a pipe, a file or journald is never wrapped or cut (a key
# prefix cut by `apikey list | cat` could not be given to `apikey revoke`).
UNWRAPPED_WIDTH = 10_000


def unwrapped(console: Console) -> Console:
    """``console``, as wide as any table when it does not write to a terminal."""
    if not console.is_terminal:
        console.width = UNWRAPPED_WIDTH
    return console


def print_table(
    columns: tuple[str, ...], rows: Iterator[tuple[str, ...]], console: Console | None = None
) -> None:
    table = Table()
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    unwrapped(console or out).print(table)


# --- clients ------------------------------------------------------------------------------------


@clients_app.command("list")
def clients_list(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked clients.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Every OAuth client: name, how it registered, redirect URIs, live grants."""
    from auth.oauth import admin as oauth_admin
    from auth.oauth.connected_apps import KIND_LABELS

    def load(session: Session) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page: int | None = 1
        while page is not None:
            listing = oauth_admin.list_clients(
                session, include_revoked=include_revoked, page=page, per_page=100
            )
            rows.extend(client.model_dump(mode="json") for client in listing.clients)
            page = listing.next_page
        return rows

    clients = _run(load)
    if as_json:
        _print_json(clients)
        return
    print_table(
        ("client id", "name", "registered by", "redirect URIs", "created", "grants", "revoked"),
        (
            (
                c["client_id"],
                c["client_name"],
                KIND_LABELS[c["kind"]],
                "\n".join(c["redirect_uris"]),
                c["created_at"],
                str(c["active_grants"]),
                c["revoked_at"] or "",
            )
            for c in clients
        ),
    )


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Option(help="The app's name, shown on the consent page.")],
    redirect_uri: Annotated[list[str], typer.Option(help="An allowed redirect URI (repeatable).")],
    scope: Annotated[list[str] | None, typer.Option(help="mcp:read or mcp:write (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Pre-register a confidential client; its id and secret are printed once."""
    from auth.oauth import admin as oauth_admin

    client_id, secret = _run(
        lambda session: oauth_admin.create_preregistered_client(
            session, name=name, redirect_uris=redirect_uri, scopes=scope
        )
    )
    if as_json:
        _print_json({"client_id": client_id, "client_secret": secret})
        return
    err.print("Created the client. The secret is shown once; store it now.")
    out.print(f"client_id: {client_id}\nclient_secret: {secret}", highlight=False)


@clients_app.command("revoke")
def clients_revoke(client_id: Annotated[str, typer.Argument(help="The client's id.")]) -> None:
    """Revoke a client and every grant and token under it."""
    from auth.oauth import admin as oauth_admin

    _run(lambda session: oauth_admin.revoke_client(session, client_id=client_id))
    err.print(f"revoked client {client_id} and all its grants")


# --- grants -------------------------------------------------------------------------------------


@grants_app.command("list")
def grants_list(
    email: Annotated[str | None, typer.Option(help="Only this agent's grants.")] = None,
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked grants.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Grants: which user approved which client, with what scopes, when last used."""
    from sqlmodel import col, select

    from auth.oauth import admin as oauth_admin
    from domain.people.models import Agent

    def load(session: Session) -> list[dict[str, Any]]:
        agent_id = None
        if email:
            agent_id = session.exec(select(Agent.id).where(col(Agent.email) == email.strip().lower())).first()
            if agent_id is None:
                raise _fail(f"no agent with email {email}")
        rows: list[dict[str, Any]] = []
        page: int | None = 1
        while page is not None:
            listing = oauth_admin.list_grants(
                session, agent_id=agent_id, include_revoked=include_revoked, page=page, per_page=100
            )
            rows.extend(grant.model_dump(mode="json") for grant in listing.grants)
            page = listing.next_page
        return rows

    grants = _run(load)
    if as_json:
        _print_json(grants)
        return
    print_table(
        ("id", "user", "client", "scopes", "created", "last used", "revoked"),
        (
            (
                str(g["id"]),
                g["agent_email"],
                g["client_name"] or g["client_id"],
                g["scope"],
                g["created_at"],
                g["last_used_at"] or "never",
                g["revoked_at"] or "",
            )
            for g in grants
        ),
    )


@grants_app.command("revoke")
def grants_revoke(
    grant_id: Annotated[int, typer.Argument(help="The grant's id (see `grants list`).")],
) -> None:
    """Revoke one grant and its tokens."""
    from auth.oauth import admin as oauth_admin

    _run(lambda session: oauth_admin.revoke_grant(session, grant_id=grant_id))
    err.print(f"revoked grant {grant_id}")


# --- tools --------------------------------------------------------------------------------------


@tools_app.command("list")
def tools_list(as_json: JsonOption = False) -> None:
    """Every tool, whether it writes, and whether it is enabled."""
    from server.console.tools import tool_states
    from server.tools.registry import all_tool_specs

    states = _run(lambda session: tool_states(session, all_tool_specs()))
    if as_json:
        _print_json([state.model_dump(mode="json") for state in states])
        return
    print_table(
        ("tool", "access", "status"),
        (
            (
                s.name,
                "writes" if s.writes else "reads",
                "enabled"
                if s.enabled
                else f"disabled by {s.disabled_by or 'an admin'} {_when(s.disabled_at)}",
            )
            for s in states
        ),
    )


def _known() -> set[str]:
    from server.tools.registry import all_tool_specs

    return {spec.name for spec in all_tool_specs()}


@tools_app.command("disable")
def tools_disable(
    name: Annotated[str, typer.Argument(help="The tool's name, e.g. createTicket.")],
    by: Annotated[str, typer.Option(help="Who is disabling it (recorded).")] = "cli",
) -> None:
    """Disable a tool: hidden from tools/list and refused, from the next request on."""
    from domain.toolswitches.service import disable_tool
    from domain.types import utcnow

    changed = _run(
        lambda session: disable_tool(session=session, name=name, known=_known(), by=by, now=utcnow())
    )
    err.print(f"{name} disabled" if changed else f"{name} was already disabled")


@tools_app.command("enable")
def tools_enable(name: Annotated[str, typer.Argument(help="The tool's name.")]) -> None:
    """Enable a disabled tool again."""
    from domain.toolswitches.service import enable_tool

    changed = _run(lambda session: enable_tool(session=session, name=name, known=_known()))
    err.print(f"{name} enabled" if changed else f"{name} was not disabled")


# --- audit --------------------------------------------------------------------------------------


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(
            f"--since {value!r} is not a date or time such as 2026-11-01 or 2026-11-01T09:30"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def audit(
    since: Annotated[str | None, typer.Option(help="Only calls at or after this UTC date/time.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's calls (email).")] = None,
    tool: Annotated[str | None, typer.Option(help="Only calls of this tool.")] = None,
    page: Annotated[int, typer.Option(min=1, help="Page, newest first.")] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100, help="Entries per page.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The audit log of tool calls, newest first."""
    from domain.audit.service import list_entries

    since_at = _since(since)
    listing = _run(
        lambda session: list_entries(
            session=session, agent_email=user, tool=tool, since=since_at, page=page, per_page=per_page
        )
    )
    if as_json:
        out.print_json(listing.model_dump_json())
        return
    print_table(
        ("when", "user", "through", "tool", "arguments", "outcome", "ms"),
        (
            (
                _when(e.at),
                e.agent_email,
                e.credential,
                e.tool,
                e.arguments,
                e.outcome.value if e.error is None else f"error: {e.error[:80]}",
                str(e.duration_ms),
            )
            for e in listing.entries
        ),
    )
    more = f"; next: --page {listing.next_page}" if listing.next_page else ""
    counted = f"{listing.total}" if listing.total_is_exact else f"more than {listing.total}"
    err.print(f"page {listing.page}, {counted} calls{more}")
