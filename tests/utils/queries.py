"""Counting the SQL statements a block of code sends: a check on N+1 queries, not on speed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlmodel import Session


@contextmanager
def count_queries(session: Session) -> Iterator[list[str]]:
    """Collect the statements ``session`` sends inside the block (savepoint commands excluded)."""
    session.flush()
    connection = session.connection()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)
