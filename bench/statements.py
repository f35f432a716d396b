"""Recording the SQL statements a session sends, at the DB-API connection under SQLAlchemy.

Statements SQLAlchemy executes and those run on the cursor directly (``domain.db.select_rows``)
are both seen, with the parameters the driver gets. Used by the baseline's drift check
(``bench.baseline.sql_drift``) and the tests' query counts (``tests.utils.queries``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

Sent = list[tuple[str, Any]]  # (statement, parameters) in the order they were executed


class _RecordingCursor:
    def __init__(self, cursor: Any, sent: Sent) -> None:
        self._cursor = cursor
        self._sent = sent

    def execute(self, statement: str, parameters: Any = None, *args: Any, **kwargs: Any) -> Any:
        self._sent.append((statement, parameters))
        if parameters is None:
            return self._cursor.execute(statement, *args, **kwargs)
        return self._cursor.execute(statement, parameters, *args, **kwargs)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _RecordingConnection:
    def __init__(self, connection: Any, sent: Sent) -> None:
        self._connection = connection
        self._sent = sent

    def cursor(self, *args: Any, **kwargs: Any) -> _RecordingCursor:
        return _RecordingCursor(self._connection.cursor(*args, **kwargs), self._sent)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@contextmanager
def recorded(session: Session) -> Iterator[Sent]:
    """The statements ``session``'s connection executes inside the block."""
    pooled: Any = session.connection().connection
    sent: Sent = []
    real = pooled.dbapi_connection
    pooled.dbapi_connection = _RecordingConnection(real, sent)
    try:
        yield sent
    finally:
        pooled.dbapi_connection = real
