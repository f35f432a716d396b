"""Engine and session creation for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer commits; busy_timeout makes concurrent writers
    # (several workers on one file) wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


# PostgreSQL pool per process. Sync tools and the /mcp edge run in anyio's worker threads (40 at
# most), and a request holds at most one connection at a time (authentication and the quota
# gate, then its tool). Overflow connections are closed as soon as they are returned, so a pool
# smaller than the usual concurrency (a client with 16 calls in flight) opens and closes a
# connection for most requests; 20 kept covers that, 10 overflow absorbs bursts.
POOL_SIZE = 20
POOL_OVERFLOW = 10


def make_engine(database_url: str, *, pool_size: int = POOL_SIZE, echo: bool = False) -> Engine:
    """Create the engine for ``database_url`` with the pragmas and pooling each backend needs.

    ``pool_size`` 0 means no pool for SQLite (NullPool); for PostgreSQL it is the connections
    kept, with ``POOL_OVERFLOW`` more (at most ``pool_size``) opened under bursts.
    """
    if database_url.startswith("sqlite"):
        in_memory = database_url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            database_url,
            echo=echo,
            connect_args={"check_same_thread": False},
            poolclass=None if in_memory else NullPool if pool_size == 0 else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pool_pre_ping costs one round trip per checkout but keeps a database restart or failover
    # invisible to clients: a pooled connection the server dropped is replaced before use. Without
    # it (pool_recycle alone only ages connections out), the first requests after a restart
    # would fail with a 500 until SQLAlchemy saw the disconnect and invalidated the pool.
    return create_engine(
        database_url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=min(POOL_OVERFLOW, pool_size),
        pool_pre_ping=True,
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
