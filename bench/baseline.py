"""The ceiling to compare with: a raw Starlette endpoint doing the same SQL as the two tools.

One POST route parses the JSON-RPC body, runs the statements ``fetchTicket`` and ``fetchTickets``
run (built here with SQLAlchemy Core the way ``domain.tickets.service`` builds them, compiled once,
executed on the DB-API cursor of a pooled connection in a worker thread as the SDK runs sync
tools; on PostgreSQL in autocommit, as the server reads) and answers a JSON-RPC result shaped like
the SDK's: the structured result plus the same JSON as text content (the same structured content
as the server's: tests/bench/test_baseline_answers.py).

Until 2026-12-03 it ran them through SQLAlchemy's ``exec_driver_sql`` in a transaction: on
PostgreSQL the pool's ROLLBACK on every return made psycopg drop its prepared statements, so both
were planned on every call, and SQLAlchemy built result metadata for ~60 columns each time. The
baseline then spent more CPU on a ``fetchTicket``'s SQL than the server did (client 1.0-1.4 ms,
backend 1.0-1.2 ms per call against the server's 0.5-0.6 and 0.25, one thread, 3,000 calls), and
every PostgreSQL CPU ratio measured against it was too high.

What it leaves out is what the ratio measures: authentication, the MCP transport and dispatcher,
ORM objects and pydantic models. Serve it with
``uvicorn --factory bench.baseline:create`` (reads ``HELPDESK_DATABASE_URL``, and
``BENCH_BASELINE_SQL=inline`` to run the SQL on the event loop instead of in a worker thread).

Like the server, it runs the SQL on as many threads as its pool keeps connections (the server's
default for the database: 3 on SQLite, 8 on PostgreSQL), so that a call never opens a connection.
With anyio's 40 threads against a pool of 8 (+8 overflow) it opened and closed connections all the
time: 745 PostgreSQL sessions in one 20-second cell (the server's cell: 43, the bench's own set-up
included), at 49% of its CPU, its backends' time lost with them: a ceiling made low by work the
server does not do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import BigInteger, Integer, Table, bindparam, event, func, literal_column, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql import Select
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.db import make_engine
from domain.pagination import EXACT_TOTAL_LIMIT, MAX_PER_PAGE, cursor_after
from domain.people.models import Agent, Requester
from domain.tickets.models import Ticket, TicketNote
from server.settings import load_settings

TICKET: Table = Ticket.__table__  # type: ignore[attr-defined]
NOTE: Table = TicketNote.__table__  # type: ignore[attr-defined]
REQUESTER: Table = Requester.__table__  # type: ignore[attr-defined]
AGENT: Table = Agent.__table__  # type: ignore[attr-defined]

# The fields of TicketPublic / TicketDetail / TicketNotePublic, in the tools' output.
TICKET_FIELDS = (
    *("id", "subject", "description", "status", "priority", "source", "type", "requester_id", "agent_id"),
    *("group_id", "workspace_id", "due_by", "tags", "catalog_item_id", "offboarding_request_id"),
    *("created_at", "updated_at"),
)
NOTE_FIELDS = ("id", "ticket_id", "body", "private", "agent_id", "requester_id", "created_at")
PERSON = ("id", "email", "first_name", "last_name")  # the requester's and agent's columns read
TIMESTAMPS = frozenset({"due_by", "created_at", "updated_at"})
SQL_MODE_ENV = "BENCH_BASELINE_SQL"


@dataclass(frozen=True, slots=True)
class RawStatement:
    """SQL text as SQLAlchemy compiles it for the dialect, and how to pass its parameters."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    # Values SQLAlchemy filled in itself (SQLite renders ``LIMIT ? OFFSET ?`` with offset 0).
    defaults: Mapping[str, Any]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        merged = {name: values[name] if name in values else self.defaults[name] for name in self.names}
        return tuple(merged.values()) if self.positional else merged


def compile_raw(statement: Select[Any], dialect: Dialect) -> RawStatement:
    compiled = statement.compile(dialect=dialect)
    defaults = compiled.params
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(defaults)
    return RawStatement(compiled.string, names, compiled.positional, defaults)


@dataclass(frozen=True, slots=True)
class Statements:
    ticket: RawStatement
    notes: RawStatement | None  # None where the ticket's statement brings its notes (PostgreSQL)
    first_page: RawStatement
    page: RawStatement
    count: RawStatement

    @classmethod
    def for_dialect(cls, dialect: Dialect) -> Statements:
        # The same statements as domain.tickets.service.get_ticket / list_tickets with
        # domain.pagination: a page asks for one row more than it shows (is there a next page?),
        # page 1 has no OFFSET, and the total is counted only up to EXACT_TOTAL_LIMIT + 1 rows.
        # On PostgreSQL the ticket's statement brings its notes as a JSON column (one round trip),
        # and a page by number is a deferred join (the offset over the keys, then the page's rows).
        ticket = (
            select(TICKET, *(REQUESTER.c[name] for name in PERSON), *(AGENT.c[name] for name in PERSON))
            .join(REQUESTER, REQUESTER.c.id == TICKET.c.requester_id)
            .outerjoin(AGENT, AGENT.c.id == TICKET.c.agent_id)
            .where(TICKET.c.id == bindparam("ticket_id"))
        )
        notes: Select[Any] | None = (
            select(NOTE).where(NOTE.c.ticket_id == bindparam("ticket_id")).order_by(NOTE.c.id)
        )
        if dialect.name == "postgresql":
            as_json = func.json_agg(func.json_build_array(*NOTE.c)).aggregate_order_by(NOTE.c.id)
            ticket = ticket.add_columns(
                select(as_json).where(NOTE.c.ticket_id == TICKET.c.id).scalar_subquery()
            )
            notes = None
        filtered = select(*(TICKET.c[name] for name in TICKET_FIELDS)).where(
            TICKET.c.status == bindparam("status")
        )
        first_page = filtered.order_by(TICKET.c.id).limit(bindparam("limit", type_=Integer))
        page = first_page.offset(bindparam("offset", type_=BigInteger))  # as domain.pagination binds it
        if dialect.name == "postgresql":  # a deferred join: the offset walks the keys alone
            keys = page.with_only_columns(TICKET.c.id, maintain_column_froms=True).scalar_subquery()
            page = filtered.where(TICKET.c.id.in_(keys)).order_by(TICKET.c.id)
        counted = (
            filtered.with_only_columns(literal_column("1"), maintain_column_froms=True)
            .limit(bindparam("count_limit", type_=Integer))
            .subquery()
        )
        count = select(func.count()).select_from(counted)
        return cls(
            compile_raw(ticket, dialect),
            compile_raw(notes, dialect) if notes is not None else None,
            *(compile_raw(s, dialect) for s in (first_page, page, count)),
        )


class ToolFailure(Exception):
    """The tool answered with ``isError``: the same cases where the domain raises NotFound/InvalidField."""


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    return value


def _record(names: Sequence[str], columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    values = dict(zip(columns, row, strict=True))
    record = {name: _timestamp(values[name]) if name in TIMESTAMPS else values[name] for name in names}
    if "tags" in record and isinstance(record["tags"], str):
        record["tags"] = json.loads(record["tags"])
    if "private" in record:
        record["private"] = bool(record["private"])
    return record


def _person(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any] | None:
    values = dict(zip(columns, row, strict=True))
    if values["id"] is None:
        return None
    name = f"{values['first_name']} {values['last_name']}".strip()
    return {"id": values["id"], "email": values["email"], "name": name}


def _rows(cursor: Any, statement: RawStatement, values: Mapping[str, Any]) -> list[Any]:
    cursor.execute(statement.sql, statement.parameters(values))
    return list(cursor.fetchall())


class Queries:
    """The two tools' work against the database, synchronous (run in a worker thread), on the
    DB-API cursor of a pooled connection: SQLAlchemy's execution layer (result metadata built from
    ~60 columns' description on every ``exec_driver_sql``) cost the baseline more client CPU than
    the server's own reads (``domain.db.select_rows``) spend."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sql = Statements.for_dialect(engine.dialect)
        self.ticket_columns = list(TICKET.c.keys())
        self.note_columns = list(NOTE.c.keys())

    def fetch_ticket(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        ticket_id = arguments.get("ticket_id")
        if not isinstance(ticket_id, int):
            raise ToolFailure("Invalid 'ticket_id': must be an integer.")
        values = {"ticket_id": ticket_id}
        with self.engine.raw_connection() as connection, contextlib.closing(connection.cursor()) as cursor:
            found = _rows(cursor, self.sql.ticket, values)
            if not found:
                raise ToolFailure(f"No ticket with ticket_id {ticket_id!r} exists.")
            row = found[0]
            if self.sql.notes is None:
                row, notes = row[:-1], row[-1] or ()
            else:
                notes = _rows(cursor, self.sql.notes, values)
        t, r = len(self.ticket_columns), len(PERSON)
        detail = _record(TICKET_FIELDS, self.ticket_columns, row[:t])
        raw = dict(zip(self.ticket_columns, row[:t], strict=True))
        catalog_fields = raw["catalog_fields"]
        detail["catalog_fields"] = json.loads(catalog_fields) if isinstance(catalog_fields, str) else None
        detail["requester"] = _person(PERSON, row[t : t + r])
        detail["agent"] = _person(PERSON, row[t + r :])
        detail["notes"] = [_record(NOTE_FIELDS, self.note_columns, note) for note in notes]
        return detail

    def fetch_tickets(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        status = arguments.get("status", "open")
        page, per_page = arguments.get("page", 1), arguments.get("per_page", 30)
        if not isinstance(page, int) or not isinstance(per_page, int) or page < 1:
            raise ToolFailure("Invalid 'page' or 'per_page'.")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ToolFailure(f"Invalid 'per_page': must be between 1 and {MAX_PER_PAGE}.")
        values = {"status": status, "limit": per_page + 1, "offset": (page - 1) * per_page}
        statement = self.sql.first_page if page == 1 else self.sql.page
        with self.engine.raw_connection() as connection, contextlib.closing(connection.cursor()) as cursor:
            rows = _rows(cursor, statement, values)
            has_next = len(rows) > per_page
            del rows[per_page:]
            if not rows and page > 1:
                # The service counts everything to say how far the end is; never reached here.
                raise ToolFailure("Invalid 'page': is past the end.")
            if page == 1 and not has_next:
                total = len(rows)
            else:
                counted = {"status": status, "count_limit": EXACT_TOTAL_LIMIT + 1}
                total = _rows(cursor, self.sql.count, counted)[0][0]
        exact = total <= EXACT_TOTAL_LIMIT
        tickets = [_record(TICKET_FIELDS, TICKET_FIELDS, row) for row in rows]
        return {
            "page": page,
            "per_page": per_page,
            "total": total if exact else EXACT_TOTAL_LIMIT,
            "total_is_exact": exact,
            "next_page": page + 1 if has_next else None,
            "next_cursor": cursor_after(TICKET.c.id, tickets[-1]["id"], page=page + 1) if has_next else None,
            "tickets": tickets,
        }


def reads_in_autocommit(engine: Engine) -> Engine:
    """``engine``, its PostgreSQL connections in autocommit from their next checkout, as the server reads
    (``domain.db.transaction(commit=False)``): each statement its own transaction. In a
    transaction, the pool's ROLLBACK on every return made psycopg drop its prepared statements, so
    the baseline planned both of fetchTicket's statements on every call."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _autocommit)  # connections already pooled included
    return engine


def _autocommit(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    if not dbapi_connection.autocommit:
        dbapi_connection.autocommit = True


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _rpc_error(request_id: Any, code: int, message: str) -> Response:
    body = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return Response(_dumps(body), media_type="application/json")


def create_baseline_app(engine: Engine, *, sql_in_thread: bool = True, threads: int = 8) -> Starlette:
    """``sql_in_thread``: run the queries in a worker thread, as the SDK runs sync tools (default),
    or inline on the event loop (the raw ceiling; SQLite answers in microseconds). ``threads``: at
    most this many at once (no more than ``engine``'s pool keeps connections)."""
    queries = Queries(reads_in_autocommit(engine))
    limiter: anyio.CapacityLimiter | None = None  # made in the event loop, by the lifespan
    tools: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
        "fetchTicket": queries.fetch_ticket,
        "fetchTickets": queries.fetch_tickets,
    }

    async def mcp(request: Request) -> Response:
        try:
            message = json.loads(await request.body())
        except ValueError:
            return _rpc_error(None, -32700, "Parse error")
        request_id = message.get("id") if isinstance(message, dict) else None
        if not isinstance(message, dict) or message.get("method") != "tools/call":
            return _rpc_error(request_id, -32601, "Method not found")
        params = message.get("params") or {}
        name = params.get("name")
        tool = tools.get(name) if isinstance(name, str) else None
        if tool is None:
            return _rpc_error(request_id, -32602, f"Unknown tool: {name}")
        arguments = params.get("arguments") or {}
        try:
            if sql_in_thread:
                if limiter is None:  # anyio's default limiter (40 threads) would churn the pool
                    raise RuntimeError("the baseline's lifespan did not run")
                structured = await anyio.to_thread.run_sync(tool, arguments, limiter=limiter)
            else:
                structured = tool(arguments)
        except ToolFailure as failure:
            result: dict[str, Any] = {"content": [{"type": "text", "text": str(failure)}], "isError": True}
        else:
            text = json.dumps(structured, separators=(",", ":"), ensure_ascii=False)
            content = [{"type": "text", "text": text}]
            result = {"content": content, "structuredContent": structured, "isError": False}
        return Response(
            _dumps({"jsonrpc": "2.0", "id": request_id, "result": result}), media_type="application/json"
        )

    async def healthz(_: Request) -> JSONResponse:
        loop = type(asyncio.get_running_loop())
        return JSONResponse({"status": "ok", "loop": f"{loop.__module__}.{loop.__qualname__}"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        nonlocal limiter
        limiter = anyio.CapacityLimiter(threads)
        yield

    return Starlette(
        routes=[Route("/mcp", mcp, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])],
        lifespan=lifespan,
    )


def create() -> Starlette:
    """uvicorn factory: the database URL comes from the same variable the server reads."""
    in_thread = os.environ.get(SQL_MODE_ENV, "thread") == "thread"
    settings = load_settings(database_url=os.environ["HELPDESK_DATABASE_URL"])
    threads = settings.call_threads  # the server's rule: HELPDESK_THREADS, or its default for the database
    engine = make_engine(settings.database_url, pool_size=threads)
    return create_baseline_app(engine, sql_in_thread=in_thread, threads=threads)


def _unnamed(sql: str) -> str:
    """Named parameters (``%(ticket_id_1)s``) compared by position only: their names are arbitrary."""
    return re.sub(r"%\(\w+\)s", "%(?)s", sql)


def _values(parameters: Any) -> list[str]:
    """A statement's parameter values, order aside (PostgreSQL's come as a dict named differently)."""
    values = parameters.values() if isinstance(parameters, Mapping) else parameters
    return sorted(repr(value) for value in values)


def baseline_calls(
    statements: Statements, *, ticket_id: int, per_page: int, pages: Sequence[int]
) -> list[tuple[RawStatement, dict[str, Any]]]:
    """What the baseline executes for one ``fetchTicket`` and one ``fetchTickets`` per page in
    ``pages``, as (statement, values), on a table with more than ``EXACT_TOTAL_LIMIT`` matching rows
    (every page then has a next one and is counted)."""
    calls: list[tuple[RawStatement, dict[str, Any]]] = [(statements.ticket, {"ticket_id": ticket_id})]
    if statements.notes is not None:
        calls.append((statements.notes, {"ticket_id": ticket_id}))
    for page in pages:
        listed = {"status": "open", "limit": per_page + 1, "offset": (page - 1) * per_page}
        calls.append((statements.first_page if page == 1 else statements.page, listed))
        calls.append((statements.count, {"status": "open", "count_limit": EXACT_TOTAL_LIMIT + 1}))
    return calls


def sql_drift(
    session: Session, *, ticket_id: int, pages: Sequence[int] = (1, 2), per_page: int = 30
) -> list[str]:
    """Differences between the baseline's SQL (text and parameter values) and what the ticket
    service sends now for the same calls in ``session`` (empty: none).

    The ratio means something only while both run the same statements; this catches a service
    change the baseline has not followed. Needs more than ``per_page`` open tickets.
    """
    from bench.statements import recorded
    from domain.caller import Caller
    from domain.tickets import service

    caller = Caller(agent_id=0, email="bench@example.test", is_admin=True)
    bind = session.connection()
    with recorded(session) as statements:
        service.get_ticket(session=session, caller=caller, ticket_id=ticket_id)
        for page in pages:
            service.list_tickets(session=session, caller=caller, status="open", page=page, per_page=per_page)
    sent = [(_unnamed(statement), _values(parameters)) for statement, parameters in statements]
    ours = baseline_calls(
        Statements.for_dialect(bind.dialect), ticket_id=ticket_id, per_page=per_page, pages=pages
    )
    expected = [(_unnamed(raw.sql), _values(raw.parameters(values))) for raw, values in ours]
    if sent == expected:
        return []
    return [
        f"service: {got!r}\nbaseline: {want!r}"
        for got, want in zip(sent, expected, strict=False)
        if got != want
    ] or [f"service sent {len(sent)} statements, the baseline runs {len(expected)}"]
