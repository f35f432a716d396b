"""How caches of who-may-do-what learn that it changed: a generation that moves with every change.

Authentication and tool switches are read on every tool call; servers keep what they resolve in
memory (``server.identity_cache``) and drop it when this generation moves. It moves with every
committed write to a table marked ``IDENTITY`` (API keys, OAuth clients, grants and tokens,
agents and their workspaces, tool switches, per-user quota overrides), however the write was
made (a service, the admin console, the CLI, a seed), so no revocation path can forget to
invalidate:

- **in the same transaction** as the write, ``identity_generation``'s one row is incremented
  (engine events below), so other processes cannot miss it, even if the writer dies after commit;
- **in this process, immediately**: once the write's connection is back in the pool (after the
  commit), the process-local count moves too;
- **in other processes** (workers, replicas, the CLI's writes), a reader checks the row at most
  once per interval (``Freshness``): one indexed single-row read, so the interval bounds how long
  a revocation elsewhere can go unseen.

A write that changes nothing a cache holds (an API key's ``last_used_at``) is executed with
``execution_options(**UNCHANGED_IDENTITY)`` and moves nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import DDL, Table, event, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, Session, SQLModel

# ``__table_args__`` info of the tables whose writes move the generation.
IDENTITY: dict[str, Any] = {"identity": True}
UNCHANGED_IDENTITY: dict[str, Any] = {"identity_unchanged": True}
_PENDING = "identity_changed"
_BUMP_SQL = "UPDATE identity_generation SET value = value + 1 WHERE id = 1"


class IdentityGeneration(SQLModel, table=True):
    """One row (id 1) counting committed changes to identity-bearing tables."""

    __tablename__ = "identity_generation"
    __table_args__ = {"info": {"helpdesk_data": False}}  # not seeded or reset
    id: int = Field(primary_key=True)
    value: int = Field(default=0)


GENERATION: Table = IdentityGeneration.__table__  # type: ignore[attr-defined]
# Databases made with ``create_all`` (tests, tools) get the row the migration inserts.
event.listen(
    GENERATION,
    "after_create",
    DDL("INSERT INTO identity_generation (id, value) VALUES (1, 0)"),  # type: ignore[no-untyped-call]
)
READ_GENERATION = select(GENERATION.c.value).where(GENERATION.c.id == 1)


class _LocalChanges:
    """Commits of identity changes made by this process (a counter moved after each commit)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


LOCAL_CHANGES = _LocalChanges()


def _writes_identity(context: Any) -> bool:
    if context is None or not (context.isinsert or context.isupdate or context.isdelete):
        return False
    if context.execution_options.get("identity_unchanged"):
        return False
    compiled = getattr(context, "compiled", None)
    table = getattr(getattr(compiled, "statement", None), "table", None)
    return isinstance(table, Table) and bool(table.info.get("identity"))


def _note_write(
    conn: Connection, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if _writes_identity(context):
        conn.info[_PENDING] = True


def _bump_in_transaction(conn: Connection) -> None:
    """Just before the commit: the generation row moves in the same transaction as the write.

    The raw cursor keeps SQLAlchemy out of it (its events, its transaction state mid-commit).
    """
    if not conn.info.get(_PENDING):
        return
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_BUMP_SQL)
    finally:
        cursor.close()
    conn.info[_PENDING] = "committed"


def _forget_write(conn: Connection) -> None:
    # An invalidated connection (the database went away) has no info to clear, and touching it
    # would replace the disconnect error the caller should see.
    if not conn.invalidated:
        conn.info.pop(_PENDING, None)


def _bump_locally_after_commit(_dbapi_connection: Any, record: Any) -> None:
    # Checked in after the commit: a reader that now reloads sees the committed change.
    if record is not None and record.info.pop(_PENDING, None) == "committed":
        LOCAL_CHANGES.bump()


def watch(engine: Engine) -> None:
    """Move the generation with every committed identity write made through ``engine``."""
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _bump_in_transaction)
    event.listen(engine, "rollback", _forget_write)
    event.listen(engine, "checkin", _bump_locally_after_commit)


class Freshness:
    """The current generation as a cache should compare it: ``(local changes, database row)``.

    The row is read at most once per ``interval`` seconds (each worker), so a change made by
    another process is seen within ``interval`` plus one request; changes made by this process
    are seen at once. ``interval`` 0 reads the row on every call (tests).
    """

    def __init__(self, *, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._remote: int | None = None
        self._checked_at = float("-inf")

    def expire(self) -> None:
        """Make the next ``current`` read the row, however recently it was read."""
        self._checked_at = float("-inf")

    def due(self) -> bool:
        """True when the next ``current`` will read the database row."""
        return self.clock() - self._checked_at >= self.interval

    def current(self, session: Session) -> tuple[int, int | None]:
        if self.due():
            self._checked_at = self.clock()
            self._remote = session.execute(READ_GENERATION).scalar()
        return LOCAL_CHANGES.value, self._remote

    def peek(self) -> tuple[int, int | None] | None:
        """The generation without touching the database, or None when the row is due a read."""
        return None if self.due() else (LOCAL_CHANGES.value, self._remote)
