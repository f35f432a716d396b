"""The PostgreSQL pool: no ping on a busy checkout, a ping (and a fresh connection) after idling;
read-only units of work in autocommit.

PostgreSQL only: a server that can drop a connection under the pool (``pg_terminate_backend``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Integer, bindparam, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InternalError, OperationalError
from sqlmodel import Session

from domain import db
from domain.db import make_engine

pytestmark = pytest.mark.skipif(
    not os.environ.get("HELPDESK_TEST_DATABASE_URL"),
    reason="HELPDESK_TEST_DATABASE_URL is not set (PostgreSQL)",
)


@pytest.fixture
def pool() -> Iterator[Engine]:
    engine = make_engine(os.environ["HELPDESK_TEST_DATABASE_URL"], pool_size=1)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    other = make_engine(os.environ["HELPDESK_TEST_DATABASE_URL"], pool_size=1)
    with other.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    other.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    pool: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = _backend_pid(pool)
    _terminate(pid)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    assert _backend_pid(pool) != pid


def test_a_connection_in_steady_use_is_not_pinged_and_a_failure_renews_the_pool(pool: Engine) -> None:
    # No ping on checkout (no round trip per tool call): the request that meets the dead
    # connection fails, and the pool connects afresh for the next one.
    pid = _backend_pid(pool)
    _terminate(pid)
    with pool.connect() as connection, pytest.raises(OperationalError):
        connection.execute(text("SELECT 1"))
    assert _backend_pid(pool) != pid


def test_a_read_on_the_cursor_that_meets_a_dead_connection_invalidates_it(pool: Engine) -> None:
    # select_rows skips SQLAlchemy's execution layer, not its error handling: the driver's error
    # comes out as SQLAlchemy's, and the dead connection is not handed out again.
    statement = select(bindparam("n", type_=Integer))
    pid = _backend_pid(pool)
    _terminate(pid)
    with pool.connect() as connection:
        with pytest.raises(OperationalError):
            db.select_rows(connection, statement, {"n": 1})
        assert connection.invalidated
    assert _backend_pid(pool) != pid
    with pool.connect() as connection:
        assert db.select_rows(connection, statement, {"n": 7}) == [(7,)]


def test_a_read_only_unit_of_work_runs_in_autocommit_and_the_connection_writes_again_after(
    pool: Engine,
) -> None:
    # A tool call's read-only unit of work on its one connection: no BEGIN/ROLLBACK round trips
    # (the server sees no transaction open between statements), writes refused by the server;
    # then the same connection, in a transaction again or checked out anew, writes as before.
    with pool.connect() as connection:
        connection.execute(text("DROP TABLE IF EXISTS scratch_reads"))
        connection.execute(text("CREATE TABLE scratch_reads (n integer)"))
        connection.commit()
    try:
        pid = _backend_pid(pool)
        with pool.connect() as connection, Session(bind=connection) as session:
            driver = connection.connection.driver_connection
            assert driver is not None
            with db.transaction(session, commit=False):  # ends well: left open for closing to end
                assert session.execute(text("SELECT count(*) FROM scratch_reads")).scalar_one() == 0
                assert driver.autocommit
            assert not driver.autocommit
            assert driver.info.transaction_status is TransactionStatus.IDLE
            with (
                pytest.raises(InternalError, match="read-only transaction"),
                db.transaction(session, commit=False),
            ):
                assert session.execute(text("SELECT count(*) FROM scratch_reads")).scalar_one() == 0
                assert driver.info.transaction_status is TransactionStatus.IDLE
                session.execute(text("INSERT INTO scratch_reads VALUES (1)"))
            with db.transaction(session):
                session.execute(text("INSERT INTO scratch_reads VALUES (2)"))
                assert driver.info.transaction_status is TransactionStatus.INTRANS
            with db.transaction(session, commit=False):
                assert session.execute(text("SELECT count(*) FROM scratch_reads")).scalar_one() == 1
            with db.transaction(session):  # after a read left open: a transaction of its own, committed
                session.execute(text("INSERT INTO scratch_reads VALUES (4)"))
        assert _backend_pid(pool) == pid  # the same pooled connection
        with db.session_scope(pool) as session:
            session.execute(text("INSERT INTO scratch_reads VALUES (3)"))
        with pool.connect() as connection:
            assert connection.execute(text("SELECT n FROM scratch_reads ORDER BY n")).scalars().all() == [
                2,
                3,
                4,
            ]
    finally:
        with pool.connect() as connection:
            connection.execute(text("DROP TABLE scratch_reads"))
            connection.commit()
