"""Server-wide secrets (cookie and form signing keys), persisted in the database.

Keeping them in the database rather than in process memory or a file means every worker and every
restart signs and verifies with the same key, with nothing extra for an operator to configure.
A secret is created the first time it is asked for; two workers racing to create it both end up
using the one that was committed first.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from domain.types import timestamp_column, utcnow


class ServerSecret(SQLModel, table=True):
    __tablename__ = "server_secret"
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


def load_or_create_secret(engine: Engine, name: str) -> bytes:
    """The secret called ``name`` (64 random bytes, hex-encoded at rest), created on first use."""
    with Session(engine) as session:
        row = session.get(ServerSecret, name)
        if row is not None:
            return bytes.fromhex(row.value)
        session.add(ServerSecret(name=name, value=secrets.token_hex(64)))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
        row = session.get(ServerSecret, name, populate_existing=True)
        assert row is not None
        return bytes.fromhex(row.value)


class PersistedSecret:
    """A named secret loaded from the database on first use, then kept in memory.

    Loading lazily lets the application be assembled before migrations have run; keeping it is
    safe because secrets never change (nothing about revocation depends on them).
    """

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine, self._name = engine, name
        self._value: bytes | None = None
        self._lock = threading.Lock()

    def __call__(self) -> bytes:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = load_or_create_secret(self._engine, self._name)
        return self._value
