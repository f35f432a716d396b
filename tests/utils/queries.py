"""Counting the SQL statements a block of code sends: a check on N+1 queries, not on speed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from bench.statements import recorded


@contextmanager
def count_queries(session: Session) -> Iterator[list[str]]:
    """Collect the statements ``session`` sends inside the block (savepoint commands excluded),
    counted at the DB-API connection (``bench.statements``): those run past SQLAlchemy's execution
    layer (``domain.db.select_rows``) too."""
    session.flush()
    statements: list[str] = []
    with recorded(session) as sent:
        yield statements
    statements.extend(
        statement
        for statement, _ in sent
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))
    )
