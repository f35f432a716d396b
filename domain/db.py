"""Engine and session creation for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DisconnectionError, InvalidRequestError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Select
from sqlmodel import Session, create_engine

from domain import freshness

# SQLite's page cache per connection, in KiB (its default is 2,000). A worker's pool holds a
# connection per thread: at a million tickets, under load, their default caches held ~13 MiB more of
# the worker's memory than this size does. The file's pages stay in the OS page cache, so a page
# missed here is a copy from memory (microseconds), not a disk read. The seed raises it while
# it bulk-loads.
SQLITE_CACHE_KIB = 256


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer commits; busy_timeout makes concurrent writers
    # (several workers on one file) wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


# Pool per process, sized for the worker's concurrency: the server runs requests' database work on
# as many threads as the pool keeps connections (the ``threads`` setting), and a request holds at
# most one connection at a time, so requests never wait for, or churn, a connection. The few
# overflow connections serve threads outside that count (background flushes, the admin console).
# SQLite is pooled the same way: SQLAlchemy's default (5 kept, 10 overflow) closed and reopened a
# connection for ~1 call in 6 at 16 concurrent calls, each reopening paying the pragmas and a
# parse of the schema.
POOL_SIZE = 8
POOL_OVERFLOW = 5
# A pooled connection idle this long is pinged before use (see ``_ping_if_idle``).
IDLE_PING_SECONDS = 10.0


def make_engine(database_url: str, *, pool_size: int = POOL_SIZE, echo: bool = False) -> Engine:
    """Create the engine for ``database_url`` with the pragmas and pooling each backend needs.

    ``pool_size`` is the connections kept, with ``POOL_OVERFLOW`` more (at most ``pool_size``)
    opened under bursts; 0 means no pool for SQLite (NullPool).
    """
    if database_url.startswith("sqlite"):
        in_memory = database_url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            database_url,
            echo=echo,
            connect_args={"check_same_thread": False},
            **_sqlite_pool(in_memory, pool_size),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        freshness.watch(engine)
        return engine
    engine = create_engine(
        database_url, echo=echo, pool_size=pool_size, max_overflow=min(POOL_OVERFLOW, pool_size)
    )
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    freshness.watch(engine)
    return engine


def upsert_insert(dialect: str) -> Any:
    """``insert`` of ``dialect`` (the one with ``on_conflict_do_update``). The other dialect's module
    is never imported: PostgreSQL's is ~2 MiB of a SQLite worker's memory."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _sqlite_pool(in_memory: bool, pool_size: int) -> dict[str, Any]:
    if in_memory:  # one shared connection (SQLAlchemy's SingletonThreadPool/StaticPool choice)
        return {}
    if pool_size == 0:
        return {"poolclass": NullPool}
    return {"pool_size": pool_size, "max_overflow": min(POOL_OVERFLOW, pool_size)}


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection only if it sat idle in the pool for ``IDLE_PING_SECONDS``.

    ``pool_pre_ping`` would cost a round trip on every checkout, i.e. every tool call. Connections
    in steady use need none: a database restart breaks the one in use, SQLAlchemy then invalidates
    every pooled connection older than the failure, and the next checkouts connect afresh. What a
    busy pool never notices is a restart while it sat idle (a quiet night, a failover): those
    connections are pinged, and a dead one is replaced before the request sees it (raising
    ``DisconnectionError`` here makes the pool retry with a new connection).
    """
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError("pooled connection was closed while idle") from exc


# Set on a pooled PostgreSQL connection's record once it defaults to read-only transactions.
_READ_ONLY_DEFAULT = "read_only_by_default"


def _reads_in_autocommit(session: Session) -> Any | None:
    """PostgreSQL: the psycopg connection of a session bound to one connection (a tool call's),
    switched to autocommit, each statement its own read-only transaction; None where that does not
    apply (another database, a session on the engine, a transaction in progress).

    A read-only tool's reads then cost no ``BEGIN`` and ``ROLLBACK`` round trips (SQLite's reads
    begin no transaction either), and see what they would have seen in a READ COMMITTED transaction,
    which takes a snapshot per statement too. Writes are refused by the server ("cannot execute
    UPDATE in a read-only transaction"), so a read-only call still keeps no change. The first time a
    pooled connection is used so, its session default becomes READ ONLY (one round trip in its life)
    and psycopg is told to begin every later transaction ``READ WRITE``: SQLAlchemy's transactions on
    it write as before; only autocommit on it is read-only from then on (the app uses none elsewhere).
    psycopg's own switch is used, not SQLAlchemy's isolation-level option: that one costs more
    instructions per call than the two round trips it saves."""
    connection = session.bind
    if (
        not isinstance(connection, Connection)
        or connection.dialect.name != "postgresql"
        or connection.in_transaction()
    ):
        return None
    driver: Any = connection.connection.driver_connection
    driver.autocommit = True
    if not connection.info.get(_READ_ONLY_DEFAULT):
        connection.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        connection.commit()  # ends SQLAlchemy's own transaction; nothing to send in autocommit
        driver.read_only = False  # psycopg: BEGIN READ WRITE, whatever the session's default
        connection.info[_READ_ONLY_DEFAULT] = True
    return driver


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with Session(engine, expire_on_commit=False) as session, transaction(session):
        yield session


_LEFT_OPEN = "read_only_transaction_left_open"


@contextmanager
def transaction(session: Session, *, commit: bool = True) -> Iterator[Session]:
    """One transaction on ``session``: committed on success, rolled back on any error. A session
    that began none and holds nothing to flush (an identity served from memory) has nothing to commit.

    ``commit=False`` (a read-only unit of work): left open on success, for closing the session to
    roll back, which costs less than a commit; the next transaction on the session rolls it back
    first, so nothing it did is ever carried into a commit. On PostgreSQL, a session bound to one
    connection (a tool call's) runs it in autocommit instead, each statement a read-only
    transaction (``_reads_in_autocommit``), and puts the connection back in transactions after."""
    if session.info.pop(_LEFT_OPEN, False):
        session.rollback()
    driver = None if commit else _reads_in_autocommit(session)
    if driver is not None:
        try:
            yield session
        except BaseException:
            try:
                session.rollback()
            finally:
                if not driver.closed:  # a broken connection is discarded by the pool anyway
                    driver.autocommit = False
            raise
        # Back in transactions. The session's own transaction, in which nothing was sent, is left
        # open as on SQLite, for the session's closing (or its next transaction) to end: ending it
        # here with Session.rollback, which restores the session's snapshot, cost ~90k
        # instructions per call (8% of a get_ticket on its connection, 2026-12-03).
        if not driver.closed:
            driver.autocommit = False
        if session.in_transaction():
            session.info[_LEFT_OPEN] = True
        return
    try:
        yield session
        if not commit:
            if session.in_transaction():
                session.info[_LEFT_OPEN] = True
        elif session.in_transaction() or session.new or session.dirty or session.deleted:
            session.commit()
    except BaseException:
        session.rollback()
        raise


class _Compiled:
    """A SELECT as one dialect runs it: its SQL, and what SQLAlchemy would do to the values bound
    and the values read (``select_rows``)."""

    __slots__ = (
        "bind",
        "compiled",
        "defaults",
        "every",
        "expanding",
        "names",
        "positional",
        "required",
        "result",
        "sql",
        "statement",
    )

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        if not isinstance(statement, Select):  # a write would skip the events domain.freshness needs
            raise TypeError(f"select_rows runs SELECTs only, not {type(statement).__name__}")
        self.statement = statement  # kept: the plan cache is keyed by the statement's id
        compiled: Any = statement.compile(dialect=dialect)
        self.compiled = compiled
        self.sql: str = compiled.string
        self.positional: bool = compiled.positional
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        binds = compiled.binds  # by the names construct_params gives the values
        # IN lists (their SQL depends on how many values they get) and names the SQL escapes go
        # through SQLAlchemy's construct_expanded_state; the others need no more than a lookup.
        self.expanding = bool(compiled.escaped_bind_names) or any(
            bind.expanding or bind.literal_execute for bind in binds.values()
        )
        named = compiled.params  # every parameter by name, with the values the statement holds
        self.every = tuple(named)
        self.required = frozenset(name for name in named if binds[name].required)
        self.defaults = {name: value for name, value in named.items() if name not in self.required}
        self.bind: dict[str, Callable[[Any], Any]] = {}
        for name, bind in binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.bind[name] = process
        processors = (
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
        # (position, conversion) of the columns whose values SQLAlchemy converts: on SQLite the
        # timestamps, enums and JSON; on PostgreSQL, whose driver gives Python values, fewer.
        self.result = tuple(
            (index, process) for index, process in enumerate(processors) if process is not None
        )

    def parameters(self, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL to send and the driver's parameters for ``params``."""
        compiled = self.compiled
        if self.expanding:  # an IN list: its SQL depends on how many values it has
            state = compiled.construct_expanded_state(params)
            values = dict(state.parameters)
            # Its processors are those of the expanded values; the others are the statement's.
            for name, process in {**self.bind, **state.processors}.items():
                if name in values:
                    values[name] = process(values[name])
            names = state.positiontup
            ordered = tuple(values[name] for name in names) if names is not None else values
            return state.statement, ordered
        missing = self.required.difference(params)
        if missing:
            raise InvalidRequestError(f"A value is required for bind parameter {min(missing)!r}")
        defaults = self.defaults
        values = {name: params[name] if name in params else defaults[name] for name in self.every}
        for name, process in self.bind.items():
            if name in values:
                values[name] = process(values[name])
        return self.sql, tuple(values[name] for name in self.names) if self.positional else values


_COMPILED: dict[tuple[int, str], _Compiled] = {}
_COMPILED_LIMIT = 4096
# select_rows' cursor, kept with the DB-API connection it came from (``info`` is emptied when the
# pool replaces that connection): opening a psycopg cursor per statement cost ~30k instructions.
_CURSOR = "select_rows_cursor"
_compiled_lock = threading.Lock()


def select_rows(connection: Connection, statement: Select[Any], params: Mapping[str, Any]) -> list[Any]:
    """The rows of ``statement`` (a SELECT built once and reused) with ``params`` bound, as tuples
    of values converted as SQLAlchemy converts them, run on ``connection``'s DB-API cursor.

    SQLAlchemy's execution layer (its compiled cache lookup, execution context, cursor result and
    row objects) costs more than the query of a hot read does: 12% of a ``fetchTicket``'s
    instructions on SQLite, ~20% on PostgreSQL, where it also has psycopg build a description of
    every column (``python -m bench.instructions``, 2026-12-03). This keeps what it does for a
    SELECT: the SQL compiled once per dialect, the bound values converted by their types (expanding IN lists
    included), every value read converted by its column's type, and a driver error raised as
    SQLAlchemy raises it, a lost connection invalidated. What it leaves out: the engine's cursor
    events (``before_cursor_execute``: nothing listens for reads) and ``echo``. Reads only: a write
    must go through SQLAlchemy, whose events move the identity generation (``domain.freshness``).
    One cursor per DB-API connection serves every call (``_CURSOR``); one that failed is closed.
    """
    dialect = connection.dialect
    key = (id(statement), dialect.name)
    plan = _COMPILED.get(key)
    if plan is None:
        plan = _Compiled(statement, dialect)
        with _compiled_lock:
            if len(_COMPILED) >= _COMPILED_LIMIT:
                _COMPILED.clear()
            _COMPILED[key] = plan
    sql, values = plan.parameters(params)
    pooled = connection.connection
    driver_connection: Any = pooled.dbapi_connection
    kept = pooled.info.get(_CURSOR)
    if kept is not None and kept[0] is driver_connection:
        cursor = kept[1]
    else:
        cursor = driver_connection.cursor()
        pooled.info[_CURSOR] = (driver_connection, cursor)
    try:
        cursor.execute(sql, values)
        rows = list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as exc:
        pooled.info.pop(_CURSOR, None)  # a cursor that failed is not used again
        try:
            connection._handle_dbapi_exception(exc, sql, values, cursor, None)  # raises, as SQLAlchemy does
        finally:
            cursor.close()
    conversions = plan.result
    if not conversions:
        return rows
    converted = []
    for row in rows:
        fields = list(row)
        for index, process in conversions:
            fields[index] = process(fields[index])
        converted.append(tuple(fields))
    return converted


def append_rows(connection: Connection, table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append ``rows`` (dicts with the same keys, in the same order) to ``table`` in ``connection``'s
    transaction.

    On PostgreSQL with COPY: psycopg's ``executemany`` sends each row as its own Bind/Execute, with
    a poll and a send per row and the GIL dropped and taken around each; COPY streams the rows in a
    few large writes (``python -m bench.auditcost``: 32 → 12 µs of CPU per audit row). Values are
    converted by the columns' types first, as SQLAlchemy binds them (an aware time becomes naive
    UTC, an enum its value). Elsewhere (SQLite: in-process, no round trips) one executemany. No
    engine events run for a COPY: not for tables whose writes move the identity generation
    (``domain.freshness``), which is therefore refused. A driver error is raised as SQLAlchemy raises
    it (a lost connection invalidated), as in ``select_rows``.
    """
    if table.info.get("identity"):
        raise ValueError(f"{table.name}: an identity table's rows are written through SQLAlchemy's events")
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    sql = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    driver_connection: Any = connection.connection.dbapi_connection
    cursor = driver_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if process is None else process(value)
                        for process, value in zip(processors, row.values(), strict=True)
                    ]
                )
    except dialect.loaded_dbapi.Error as exc:
        connection._handle_dbapi_exception(exc, sql, None, cursor, None)  # raises, as SQLAlchemy does
    finally:
        cursor.close()
