"""The ``helpdesk-mcp`` command: serve, database, seed, API keys, usage (admin: ``server.cli_admin``)."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from server import cli_admin, cli_people, logs
from server.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from seed import DemoLogin

# Everything else is imported by the command that needs it: every `helpdesk-mcp` start imports
# this module (`--help`, each uvicorn worker process), and the seed, the SDK and SQLModel alone
# took seconds of CPU there, enough for uvicorn to kill workers at start-up on a busy machine.

app = typer.Typer(help="Hosted MCP server for a helpdesk / ITSM backend.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for clients that only send static headers.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(apikey_app, name="apikey")
cli_admin.register(app)  # clients, grants, tools, audit
cli_people.register(app)  # workspaces, agents

err = Console(stderr=True)
out = Console()


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None


def _engine(settings: Settings) -> Engine:
    from domain.db import make_engine

    return make_engine(settings.database_url)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# `serve` with HELPDESK_LOG_FORMAT=json writes JSON lines only, its own messages included.
_serve_log = logging.getLogger("helpdesk.serve")
_json_output = False


def _say(message: str, **fields: Any) -> None:
    """One of serve's own messages: a plain line, or a JSON line when the log format is json."""
    if _json_output:
        logs.emit(_serve_log, message, **fields)
    else:
        err.print(message, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    if _json_output:
        _serve_log.error(message)
    else:
        err.print(f"[red]error:[/red] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _prepare_database(settings: Settings, engine: Engine, *, demo_allowed: bool) -> None:
    """Bring the embedded default up to date and seed it when empty (only where the demo logins
    may be served: on loopback, or with --allow-demo-logins); refuse a stale server database."""
    from domain import migrate
    from seed import is_empty, is_seeded, seed_database
    from seed.progress import console_progress

    if settings.is_sqlite:
        migrate.upgrade(engine)
        if is_seeded(engine):
            return
        if not demo_allowed:
            if is_empty(engine):
                _say(
                    "Empty database: not loading the demo dataset on a public address "
                    "(pass --allow-demo-logins for it, or run `helpdesk-mcp seed`)."
                )
            return
        if not is_empty(engine):
            return  # an operator's own data (workspaces, agents): never mixed with the demo dataset
        _say("Empty database: loading the seed dataset (first start only)…")
        if _json_output:  # no progress bar among JSON lines
            summary = seed_database(engine)
            for login in summary.logins:
                _say("demo login", email=login.email, role=login.role, password=login.password)
        else:
            with console_progress(err) as progress:
                summary = seed_database(engine, progress=progress)
            _print_demo_logins(summary.logins)
    elif migrate.pending(engine):
        raise _fail("the database schema is not up to date: run `helpdesk-mcp db upgrade` first")


def _print_demo_logins(logins: Sequence[DemoLogin]) -> None:
    table = Table(title="Demo logins")
    for column in ("email", "role", "password", "note"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.email, login.role, login.password, login.note)
    cli_admin.unwrapped(err).print(table)


def _demo_logins_exist(engine: Engine) -> bool:
    """True while a demo admin or agent can still sign in (``seed --remove-demo-logins`` ends that)."""
    from sqlmodel import col, select

    from domain.db import session_scope
    from domain.people.models import Agent
    from seed import DEMO_LOGINS

    emails = [login.email for login in DEMO_LOGINS if login.table == "agent"]
    with session_scope(engine) as session:
        usable = select(Agent.id).where(col(Agent.email).in_(emails), col(Agent.password_hash).is_not(None))
        return session.exec(usable).first() is not None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    allow_demo_logins: Annotated[
        bool, typer.Option("--allow-demo-logins", help="Serve on a non-loopback address with demo logins.")
    ] = False,
    no_auth: Annotated[
        bool,
        typer.Option("--no-auth", help="Loopback only: every call acts as the first admin (for testing)."),
    ] = False,
) -> None:
    """Serve MCP over Streamable HTTP at /mcp (and legacy SSE at /sse)."""
    import uvicorn

    global _json_output
    settings = _settings()
    logs.configure(settings.log_format, settings.log_level)
    _json_output = settings.log_format == "json"
    loopback = _is_loopback(host)
    if no_auth and not loopback:
        raise _fail("--no-auth is allowed only on a loopback address such as 127.0.0.1")
    from server import serving

    try:  # first: a port in use is said at once, not after the database work
        sock = serving.listen(host, port)
    except serving.CannotListen as exc:
        raise _fail(str(exc), code=1) from None
    engine = _engine(settings)
    _prepare_database(settings, engine, demo_allowed=loopback or allow_demo_logins)
    if not loopback and not allow_demo_logins and _demo_logins_exist(engine):
        raise _fail(
            f"refusing to serve on {host} while the demo logins (password published in the README) exist; "
            "remove them with `helpdesk-mcp seed --remove-demo-logins`, or pass --allow-demo-logins"
        )
    engine.dispose()
    from server.asgi import NO_AUTH_ENV

    os.environ[NO_AUTH_ENV] = "1" if no_auth else "0"
    # How many processes share the database: the quotas count in memory only when one does.
    os.environ["HELPDESK_WORKERS"] = str(workers)
    base_url = settings.base_url
    if "base_url" not in settings.model_fields_set:
        # Unset: the URL clients use is the one bound here (on loopback), so discovery documents
        # and challenges name the right port. Behind a proxy, HELPDESK_BASE_URL must be set.
        base_url = f"http://{host if loopback and host != 'localhost' else '127.0.0.1'}:{port}"
        if not loopback:
            _say(f"warning: HELPDESK_BASE_URL is not set; OAuth discovery will advertise {base_url}")
        os.environ["HELPDESK_BASE_URL"] = base_url
    config = uvicorn.Config(
        "server.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        timeout_worker_healthcheck=settings.worker_timeout_seconds,
        log_config=logs.logging_config(settings.log_format, settings.log_level),
        access_log=False,  # the request log (server.requestlog) replaces it: cheaper, no query strings
    )
    _say(f"helpdesk-mcp serving {base_url}/mcp (bound to {host}:{port})", url=f"{base_url}/mcp")
    serving.run(config, sock)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema or apply pending migrations."""
    from domain import migrate

    settings = _settings()
    migrate.upgrade(_engine(settings))
    err.print("database is up to date")


@app.command()
def seed(
    scale: Annotated[float, typer.Option(help="Size factor (1 = 5,000 tickets).", min=0.01, max=1000)] = 1.0,
    reset: Annotated[bool, typer.Option("--reset", help="Delete all helpdesk data first.")] = False,
    remove_demo_logins: Annotated[
        bool,
        typer.Option(
            "--remove-demo-logins",
            help="Load nothing; end the published demo logins (their password, grants and API keys).",
        ),
    ] = False,
) -> None:
    """Load the deterministic seed dataset (same ids and content on every run)."""
    from domain import migrate
    from seed import DEMO_LOGINS, SeedError, seed_database
    from seed.progress import console_progress

    settings = _settings()
    engine = _engine(settings)
    migrate.upgrade(engine)
    if remove_demo_logins:
        cli_people.remove_demo_logins(engine, [login.email for login in DEMO_LOGINS])
        return
    with console_progress(err) as progress:
        try:
            summary = seed_database(engine, scale=scale, reset=reset, progress=progress)
        except SeedError as exc:
            raise _fail(str(exc)) from None
    for table, count in summary.counts.items():
        err.print(f"{table:>24}: {count}")
    err.print(f"seeded in {summary.seconds:.1f} s")
    _print_demo_logins(summary.logins)


@app.command()
def usage(as_json: Annotated[bool, typer.Option("--json", help="JSON output for scripts.")] = False) -> None:
    """Tool calls this minute and this month against the quotas, and this month per user and per tool."""
    from domain.types import utcnow
    from server.quotas import current_usage

    settings = _settings()
    report = current_usage(settings, engine=_engine(settings), now=utcnow())
    if as_json:
        out.print_json(report.model_dump_json())
        return
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    quotas = Table(title=f"Tool calls as of {report.as_of.strftime(stamp)}")
    for column in ("window", "period", "used", "limit", "remaining", "resets at"):
        quotas.add_column(column)
    for window in (report.minute, report.month):
        used = "per process (memory storage)" if window.used is None else str(window.used)
        limit = "none" if window.limit is None else str(window.limit)
        remaining = "" if window.remaining is None else str(window.remaining)
        quotas.add_row(
            window.granularity, window.period, used, limit, remaining, window.resets_at.strftime(stamp)
        )
    users = Table(title="This month per user (limits: the per-user default, or * an admin's for the user)")
    for column in ("agent", "email", "calls", "month limit", "this minute", "minute limit"):
        users.add_column(column)
    for line in report.by_user:
        mark = " *" if line.overridden else ""
        users.add_row(
            str(line.agent_id),
            line.email or "(deleted)",
            str(line.calls),
            f"{line.month_limit or 'none'}{mark}",
            "" if line.minute_calls is None else str(line.minute_calls),
            f"{line.minute_limit or 'none'}{mark}",
        )
    tools = Table(title="This month per tool")
    for column in ("tool", "calls"):
        tools.add_column(column)
    for tool_line in report.by_tool:
        tools.add_row(tool_line.tool, str(tool_line.calls))
    cli_admin.unwrapped(out).print(quotas, users, tools)


@apikey_app.command("create")
def apikey_create(
    email: Annotated[str, typer.Option(help="Email of the admin or agent who will own the key.")],
    scope: Annotated[
        list[str] | None, typer.Option(help="mcp:read or mcp:write (repeatable; default both).")
    ] = None,
    name: Annotated[str, typer.Option(help="A label, e.g. the client using it.")] = "",
) -> None:
    """Create an API key; the key alone is printed on the last line of stdout."""
    from auth import apikeys
    from domain.db import session_scope
    from domain.errors import DomainError, operator_message

    settings = _settings()
    engine = _engine(settings)
    try:
        with session_scope(engine) as session:
            row, key = apikeys.create_api_key(session, email=email, scopes=scope, name=name)
            scopes = row.scopes
    except DomainError as exc:
        raise _fail(operator_message(exc)) from None
    err.print(f"Created API key for {email} with scopes {scopes}. It is shown once; store it now.")
    sys.stdout.write(key + "\n")


@apikey_app.command("list")
def apikey_list(
    email: Annotated[str | None, typer.Option(help="Only this agent's keys.")] = None,
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output for scripts.")] = False,
) -> None:
    """List API keys (prefix, owner, scopes, last used); never the keys themselves."""
    from sqlmodel import select

    from auth import apikeys
    from domain.db import session_scope
    from domain.people.models import Agent

    settings = _settings()
    with session_scope(_engine(settings)) as session:
        agent_id = None
        if email:
            agent_id = session.exec(select(Agent.id).where(Agent.email == email.lower())).first()
            if agent_id is None:
                raise _fail(f"no agent with email {email}")
        keys = apikeys.list_api_keys(session, agent_id=agent_id, include_revoked=include_revoked)
    if as_json:
        out.print_json(json.dumps([key.model_dump(mode="json") for key in keys]))
        return
    cli_admin.print_table(
        ("id", "prefix", "owner", "scopes", "name", "last used", "revoked"),
        (
            (
                str(key.id),
                key.prefix,
                key.agent_email,
                " ".join(key.scopes),
                key.name,
                key.last_used_at.isoformat() if key.last_used_at else "never",
                key.revoked_at.isoformat() if key.revoked_at else "",
            )
            for key in keys
        ),
        console=out,
    )


@apikey_app.command("revoke")
def apikey_revoke(
    key: Annotated[str, typer.Argument(help="The key's id, its prefix (hdk_…) or the whole key.")],
) -> None:
    """Revoke a key; its next request is refused."""
    from auth import apikeys
    from domain.db import session_scope

    settings = _settings()
    with session_scope(_engine(settings)) as session:
        row = apikeys.find_api_key(session, key)
        if row is None:
            raise _fail(f"no API key matches {key!r}")
        apikeys.revoke_api_key(session, key=row)
        err.print(f"revoked {apikeys.PREFIX}{row.key_id}")


def _database_failure(exc: BaseException) -> str | None:
    """One line for an error that means the configured database cannot be used, else None."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    if not isinstance(exc, DBAPIError | ArgumentError | NoSuchModuleError):
        return None
    from sqlalchemy.engine import make_url

    from domain.outages import first_line

    try:
        raw = load_settings().database_url
    except SettingsError:
        raw = os.environ.get("HELPDESK_DATABASE_URL", "")
    try:
        shown = make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "(unparseable)"
    return f"cannot use the database HELPDESK_DATABASE_URL={shown}: {first_line(exc)}"


def main() -> None:
    """The ``helpdesk-mcp`` command. A database that cannot be reached or opened (wrong host, port,
    name, password, missing SQLite directory) ends any command with one line naming the setting,
    its password masked, and exit status 1, not a traceback."""
    try:
        app()
    except Exception as exc:
        message = _database_failure(exc)
        if message is None:
            raise
        raise SystemExit(_fail(message, code=1).exit_code) from None


if __name__ == "__main__":
    main()
