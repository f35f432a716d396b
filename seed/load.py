"""Writing the dataset: bulk inserts in batches, progress, emptying the tables, and sequences.

Rows go in through Core ``INSERT`` statements executed with many parameter sets at once (the
driver's executemany; SQLAlchemy's multi-row VALUES on PostgreSQL), never through ORM objects,
so half a million tickets load in minutes. Values still pass through the column types, so
timestamps must be timezone-aware and enums valid, exactly as for rows written by the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from schema import metadata
from seed.demo import ADMIN_EMAIL

Row = dict[str, Any]
Progress = Callable[[str, int, int], None]

BATCH_SIZE = 5000


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
        """Parents and their children (tickets and notes) from one stream, parents' batch first."""
        parents: list[Row] = []
        children: list[Row] = []
        for parent, kids in pairs:
            parents.append(parent)
            children.extend(kids)
            if len(parents) >= self.batch_size:
                self._write(table, parents)
                self._write(child_table, children)
                parents, children = [], []
                self._report(table, total)
        self._write(table, parents)
        self._write(child_table, children)
        self._report(table, total)

    def _write(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        if self.connection.dialect.name == "sqlite" and _plain_insert(metadata.tables[table], rows[0]):
            _insert_converted(self.connection, metadata.tables[table], rows)
        else:
            self.connection.execute(metadata.tables[table].insert(), rows)
        self.counts[table] += len(rows)

    def _report(self, table: str, total: int) -> None:
        done = self.counts[table]
        if self.progress is not None and self._reported.get(table) != done:
            self._reported[table] = done
            self.progress(table, done, total)


def _plain_insert(table: Table, first: Row) -> bool:
    """True when the rows give every column a value or leave only plain (non-callable) defaults."""
    return all(
        column.name in first or column.default is None or column.default.is_scalar for column in table.columns
    )


def _insert_converted(connection: Connection, table: Table, rows: list[Row]) -> None:
    """``INSERT`` many rows through the driver, each value converted by its column type's own bind
    processor: the values SQLAlchemy's ``insert()`` would bind, without building its per-row
    parameter dictionaries (a third of the seed's time at a million tickets). Values are gathered
    and converted column by column (``map`` runs in C), then zipped into rows."""
    dialect = connection.dialect
    columns = list(table.columns)
    given = rows[0]
    gathered: list[list[Any]] = []
    for column in columns:
        if column.name in given:
            values = list(map(itemgetter(column.name), rows))
        else:  # a plain default (checked by _plain_insert), as SQLAlchemy would fill it in
            values = [getattr(column.default, "arg", None)] * len(rows)
        convert = column.type.dialect_impl(dialect).bind_processor(dialect)
        gathered.append(values if convert is None else list(map(convert, values)))
    # Every column, in the table's order: the statement SQLAlchemy itself compiles for these rows.
    statement = str(table.insert().compile(dialect=dialect, column_keys=[column.name for column in columns]))
    connection.exec_driver_sql(statement, list(zip(*gathered, strict=True)))


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    """SQLite: a larger page cache while loading, so the many indexes of the ticket table are
    updated in memory rather than re-read from disk; the previous size is restored after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


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
