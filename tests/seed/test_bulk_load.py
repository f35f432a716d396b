"""The bulk load's shortcuts leave the database exactly as the slow path would: same stored
values, the migrations' indexes and journal mode, and nothing at all when generating fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine

from domain.types import UTCDateTime
from seed import is_empty, seed_database
from seed.convert import sqlite_utc_text
from seed.pipeline import GeneratorFailed, in_another_process
from seed.tickets import TicketWriter
from tests.seed.conftest import MakeDatabase

SMALL = 0.1
BULK = ("ticket", "ticket_note", "asset")


def _indexes(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    inspector = inspect(engine)
    return {table: sorted(inspector.get_indexes(table), key=lambda i: str(i["name"])) for table in BULK}


def _journal_mode(engine: Engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar())


def test_timestamps_are_stored_as_the_column_type_would_store_them() -> None:
    dialect = sqlite.dialect()
    column_type = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert column_type is not None
    paris = timezone(timedelta(hours=2))
    values = [
        datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        datetime(2026, 6, 30, 23, 59, 59, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 1, 30, tzinfo=paris),  # the day before, in UTC
        datetime(999, 1, 1, tzinfo=UTC),
        None,
    ]

    assert [sqlite_utc_text(value) for value in values] == [column_type(value) for value in values]
    with pytest.raises(ValueError, match="timezone-aware"):
        sqlite_utc_text(datetime(2026, 1, 5, 8, 0))


def test_seeding_restores_the_indexes_and_the_journal_mode(make_database: MakeDatabase) -> None:
    engine = make_database("indexes")
    indexes, journal = _indexes(engine), _journal_mode(engine)
    assert indexes["ticket"], "the migrations index the ticket table"

    seed_database(engine, scale=SMALL)

    assert _indexes(engine) == indexes
    assert _journal_mode(engine) == journal
    if engine.dialect.name == "sqlite":
        assert journal == "wal"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_a_failure_while_generating_tickets_leaves_the_database_as_it_was(
    make_database: MakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_database("failure")
    indexes = _indexes(engine)
    rows = TicketWriter.rows

    def failing(self: TicketWriter) -> Iterator[Any]:
        for n, pair in enumerate(rows(self)):
            if n == 300:
                raise RuntimeError("generator broke at ticket 301")
            yield pair

    monkeypatch.setattr(TicketWriter, "rows", failing)

    expected = GeneratorFailed if engine.dialect.name == "sqlite" else RuntimeError
    with pytest.raises(expected, match="generator broke at ticket 301"):
        seed_database(engine, scale=SMALL)

    assert is_empty(engine)
    assert _indexes(engine) == indexes
    assert _journal_mode(engine) in (None, "wal")


def test_a_stream_from_another_process_arrives_whole_and_in_order() -> None:
    assert list(in_another_process(iter(range(10_000)))) == list(range(10_000))
    assert list(in_another_process(iter([]))) == []


def test_a_second_process_that_dies_is_reported() -> None:
    def dies() -> Iterator[int]:
        yield 1
        import os

        os._exit(3)

    with pytest.raises(GeneratorFailed, match="exit code 3"):
        list(in_another_process(dies()))
