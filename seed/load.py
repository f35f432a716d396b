"""Writing the dataset: bulk inserts in batches, progress, emptying the tables, and sequences.

Rows go in through Core ``INSERT`` statements executed with many parameter sets at once (the
driver's executemany; SQLAlchemy's multi-row VALUES on PostgreSQL), never through ORM objects,
so half a million tickets load in minutes. Values still pass through the column types, so
timestamps must be timezone-aware and enums valid, exactly as for rows written by the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, Table, bindparam, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from schema import metadata
from seed.convert import Prepared, Row, execute, prepared
from seed.demo import ADMIN_EMAIL
from seed.pipeline import in_another_process

Progress = Callable[[str, int, int], None]

BATCH_SIZE = 5000
INDEXES = "indexes"  # what progress reports name while the deferred indexes are built


class SeedError(RuntimeError):
    """The database is not in a state the seed can be written to; the message says what to do."""


def domain_tables() -> list[Table]:
    """The domain's tables (models under ``domain.``, not auth or usage), parents before children.

    Tables marked ``info={"helpdesk_data": False}`` (the audit log, tool switches: the server's
    own records rather than helpdesk content) are left out: not seeded, counted or reset."""
    names = {
        str(getattr(mapper.local_table, "name", ""))
        for mapper in SQLModel._sa_registry.mappers
        if mapper.class_.__module__.startswith("domain.")
        and getattr(mapper.local_table, "info", {}).get("helpdesk_data", True)
    }
    return [table for table in metadata.sorted_tables if table.name in names]


class Loader:
    """Inserts rows table by table on one connection (one transaction), counting and reporting."""

    def __init__(
        self, connection: Connection, progress: Progress | None, batch_size: int = BATCH_SIZE
    ) -> None:
        self.connection = connection
        self.progress = progress
        self.batch_size = batch_size
        self.counts: dict[str, int] = {table.name: 0 for table in domain_tables()}
        self._reported: dict[str, int] = {}

    def insert(self, table: str, rows: Iterable[Row], total: int) -> None:
        for batch in _batches(rows, self.batch_size):
            self._write(table, batch)
            self._report(table, total)
        self._report(table, total)

    def insert_with_children(self, table: str, child_table: str, pairs: Iterable[tuple[Row, list[Row]]],
                             total: int) -> None:  # fmt: skip
        """Parents and their children (tickets and notes) from one stream, parents' batch first.

        On SQLite the stream is generated and converted in a second process while this one
        writes (``seed.pipeline``): the two halves of the seed's time overlap."""
        dialect = self.connection.dialect
        batches: Iterator[list[Prepared]] = (
            [prepared(dialect, table, parents), prepared(dialect, child_table, children)]
            for parents, children in _pair_batches(pairs, self.batch_size)
        )
        if dialect.name == "sqlite":
            batches = in_another_process(batches)
        for batch in batches:
            for rows in batch:
                self._execute(rows)
            self._report(table, total)
        self._report(table, total)

    def _write(self, table: str, rows: list[Row]) -> None:
        self._execute(prepared(self.connection.dialect, table, rows))

    def _execute(self, rows: Prepared) -> None:
        self.counts[rows.table] += execute(self.connection, rows)

    def _report(self, table: str, total: int) -> None:
        done = self.counts[table]
        if self.progress is not None and self._reported.get(table) != done:
            self._reported[table] = done
            self.progress(table, done, total)


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pair_batches(pairs: Iterable[tuple[Row, list[Row]]], size: int) -> Iterator[tuple[list[Row], list[Row]]]:
    """``size`` parents at a time, with all of their children."""
    parents: list[Row] = []
    children: list[Row] = []
    for parent, kids in pairs:
        parents.append(parent)
        children.extend(kids)
        if len(parents) >= size:
            yield parents, children
            parents, children = [], []
    if parents:
        yield parents, children


def require_schema(connection: Connection) -> None:
    inspector = inspect(connection)
    missing = [t.name for t in domain_tables() if not inspector.has_table(t.name)]
    if missing:
        raise SeedError(
            f"The database has no '{missing[0]}' table: run the migrations first "
            "(domain.migrate.upgrade(engine), or `helpdesk-mcp db upgrade`)."
        )


def first_non_empty_table(connection: Connection) -> str | None:
    for table in domain_tables():
        if connection.execute(select(1).select_from(table).limit(1)).first() is not None:
            return table.name
    return None


def require_empty(connection: Connection) -> None:
    table = first_non_empty_table(connection)
    if table is not None:
        raise SeedError(
            f"The database already holds data (table '{table}' is not empty); seed an empty database, or "
            "reseed with `helpdesk-mcp seed --reset`, which deletes every row of the helpdesk tables."
        )


def delete_all_rows(connection: Connection) -> None:
    """Empty the domain tables, and any table outside the domain whose rows point at them (API keys
    or OAuth grants of agents, say): those rows would be orphans, or block the delete."""
    reflected = MetaData()
    reflected.reflect(bind=connection)
    doomed = {t.name for t in domain_tables()}
    grew = True
    while grew:  # add every table that references a doomed table, until nothing changes
        grew = False
        for table in reflected.tables.values():
            if table.name not in doomed and any(fk.column.table.name in doomed for fk in table.foreign_keys):
                doomed.add(table.name)
                grew = True
    tables = [t for t in reflected.sorted_tables if t.name in doomed]
    if connection.dialect.name == "postgresql":
        names = ", ".join(connection.dialect.identifier_preparer.quote(t.name) for t in tables)
        connection.execute(text(f"TRUNCATE TABLE {names}"))
        return
    for table in reversed(tables):  # children before parents
        connection.execute(table.delete())


def advance_sequences(connection: Connection) -> None:
    """PostgreSQL: move each id sequence past the explicit ids the seed wrote, so that the next
    row a service inserts does not collide with a seeded one. (SQLite needs nothing: it takes the
    next rowid after the largest.)"""
    if connection.dialect.name != "postgresql":
        return
    for table in domain_tables():
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        sequence = connection.execute(select(func.pg_get_serial_sequence(table.name, "id"))).scalar()
        if sequence is None:
            continue
        highest = connection.execute(select(func.max(table.c.id))).scalar()
        connection.execute(
            select(func.setval(sequence, highest if highest is not None else 1, highest is not None))
        )


@contextmanager
def bulk_load_settings(connection: Connection) -> Iterator[None]:
    """SQLite, around the seed's transaction (PRAGMAs that cannot change inside one): a rollback
    journal instead of WAL, so that a fresh file's new pages are written once (in WAL mode every
    page went to the log first, then was copied into the file, and the log stayed at the size of
    the whole database); no fsync while loading; a larger page cache, so the ticket table's
    indexes are built in memory. The previous settings are restored after, whatever happens.

    A rollback journal still undoes the whole seed on failure. Another open connection keeps the
    file in WAL mode (SQLite refuses the switch); the seed is then only slower."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = {
        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "synchronous", "cache_size")
    }
    connection.exec_driver_sql("PRAGMA journal_mode = DELETE")
    connection.exec_driver_sql("PRAGMA synchronous = OFF")
    connection.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB
    connection.commit()  # SQLAlchemy's autobegun transaction (SQLite itself began none)
    try:
        yield
    finally:
        connection.rollback()  # nothing pending after a commit; after a failure, the seed undone
        for name, value in previous.items():
            connection.exec_driver_sql(f"PRAGMA {name} = {value}")
        connection.commit()


@contextmanager
def indexes_built_after(
    connection: Connection, tables: Iterable[str], progress: Progress | None = None
) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for the load and create them again after it.

    One sort per index at the end costs far less than keeping a dozen indexes of the ticket table
    in order row by row (random keys: status, requester, agent...). Only plain indexes are
    dropped: those that back a primary key or a constraint stay. Both steps run inside the seed's
    transaction, so a failure leaves every index as it was. ``progress`` hears of each index built
    (as the table ``INDEXES``: a minute of silence at a million tickets would look like a hang)."""
    dropped = _secondary_indexes(connection, list(tables))
    _begin_before_ddl(connection)
    for name in dropped:
        connection.exec_driver_sql(f"DROP INDEX {connection.dialect.identifier_preparer.quote(name)}")
    yield
    for built, create in enumerate(dropped.values()):
        if progress is not None:
            progress(INDEXES, built, len(dropped))
        connection.exec_driver_sql(create)
    if progress is not None:
        progress(INDEXES, len(dropped), len(dropped))


def _begin_before_ddl(connection: Connection) -> None:
    """SQLite: open the transaction now. Python's sqlite3 begins one only before an INSERT,
    UPDATE or DELETE, so a ``DROP INDEX`` that came first would be committed on its own and
    survive a failed seed."""
    dbapi_connection: Any = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _secondary_indexes(connection: Connection, tables: list[str]) -> dict[str, str]:
    """Name -> the ``CREATE INDEX`` statement that makes it, for the droppable indexes of ``tables``."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN :tables ORDER BY name"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": tables},
        )
    elif connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename IN :tables "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace) "
                "ORDER BY i.indexname"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": tables},
        )
    else:
        return {}
    return {name: create for name, create in rows}


def is_empty(engine: Engine) -> bool:
    """True when no helpdesk table holds a row (a fresh schema, or none yet)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("agent"):
            return True
        return first_non_empty_table(connection) is None


def is_seeded(engine: Engine) -> bool:
    """True when the database holds the seed dataset: the demo admin login exists."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("agent"):
            return False
        agent = metadata.tables["agent"]
        return connection.execute(select(agent.c.id).where(agent.c.email == ADMIN_EMAIL)).first() is not None
