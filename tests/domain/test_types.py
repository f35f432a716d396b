"""UTC timestamps read back aware and in UTC, however the database hands them over.

SQLite gives back the text SQLAlchemy stored (``domain.types.UTCDateTime`` parses it itself);
PostgreSQL, when ``HELPDESK_TEST_DATABASE_URL`` is set, a naive datetime.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.engine import Engine

from domain.db import make_engine
from domain.types import UTCDateTime

METADATA = MetaData()
STAMPS = Table(
    "utc_stamp_test", METADATA, Column("id", Integer, primary_key=True), Column("at", UTCDateTime())
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'stamps.db'}"
    else:
        url = os.environ.get("HELPDESK_TEST_DATABASE_URL", "")
        if not url:
            pytest.skip("HELPDESK_TEST_DATABASE_URL is not set (PostgreSQL)")
    engine = make_engine(url)
    METADATA.create_all(engine)
    yield engine
    METADATA.drop_all(engine)
    engine.dispose()


def test_written_timestamps_come_back_aware_in_utc(engine: Engine) -> None:
    written = [
        datetime(2026, 1, 20, 9, 24, 59, tzinfo=UTC),
        datetime(2026, 1, 20, 9, 24, 59, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2))),  # stored as 01:30 UTC
    ]
    with engine.begin() as connection:
        connection.execute(insert(STAMPS), [{"id": i, "at": at} for i, at in enumerate(written)])
        connection.execute(insert(STAMPS), [{"id": 99, "at": None}])
    with engine.connect() as connection:
        read = dict(connection.execute(select(STAMPS.c.id, STAMPS.c.at)).all())
    assert read[99] is None
    for i, at in enumerate(written):
        assert read[i] == at
        assert read[i].utcoffset() == timedelta(0)
    assert read[2].hour == 1


def test_refuses_naive_timestamps(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as connection:
        connection.execute(insert(STAMPS), [{"id": 1, "at": datetime(2026, 1, 1)}])


def test_sqlite_text_written_by_others_is_read_as_utc(tmp_path: Path) -> None:
    # A row written outside SQLAlchemy (a hand-run UPDATE, an import): a date alone, ISO with a
    # "T", or text carrying its own offset are all read as the UTC instant they name.
    engine = make_engine(f"sqlite:///{tmp_path / 'stamps.db'}")
    METADATA.create_all(engine)
    stored = {
        1: ("2026-01-20", datetime(2026, 1, 20, tzinfo=UTC)),
        2: ("2026-01-20T09:24:59", datetime(2026, 1, 20, 9, 24, 59, tzinfo=UTC)),
        3: ("2026-01-20 09:24:59+02:00", datetime(2026, 1, 20, 7, 24, 59, tzinfo=UTC)),
    }
    with engine.begin() as connection:
        for key, (raw, _) in stored.items():
            connection.execute(
                text("INSERT INTO utc_stamp_test (id, at) VALUES (:id, :at)"), {"id": key, "at": raw}
            )
    with engine.connect() as connection:
        read = dict(connection.execute(select(STAMPS.c.id, STAMPS.c.at)).all())
    for key, (_, expected) in stored.items():
        assert read[key] == expected
        assert read[key].utcoffset() == timedelta(0)
    engine.dispose()
