"""Column types shared by every aggregate: UTC timestamps and checked enumerations."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect

# The largest id there can be: ids are INTEGER columns, and PostgreSQL refuses a larger bound
# parameter outright (SQLite overflows). Tool schemas, resource URIs and completions stop here.
MAX_INT = 2_147_483_647


def utcnow() -> datetime:
    """Now, in UTC, to the second (a third of the CPU of ``datetime.now(UTC).replace(...)``)."""
    return datetime.fromtimestamp(int(time.time()), UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, so we never let one in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; timestamps must be timezone-aware (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], datetime | None]:
        """One step per value instead of the dialect's and ours chained (``read_utc``)."""
        return read_utc


_parse, _combine = datetime.fromisoformat, datetime.combine


def read_utc(value: Any) -> datetime | None:
    """A stored timestamp as an aware UTC datetime: from SQLite, the ISO text SQLAlchemy stored (or
    PostgreSQL's JSON gives), parsed with its zone in C; from a driver with a datetime type, a naive
    one. A list page reads ~100 timestamps: ``datetime.replace(tzinfo=...)`` costs 4-10x what these
    do (a page of tickets spent ~150 µs in it)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = _parse(value + "+00:00")
        except ValueError:
            value = _parse(value)  # text that carries its own offset
        if value.tzinfo is UTC:
            return value  # type: ignore[no-any-return]
    if value.tzinfo is not None:
        return value.astimezone(UTC)  # type: ignore[no-any-return]
    return _combine(value.date(), value.time(), UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> SAEnum:
    """A portable enum stored as its lower_snake_case value, with a CHECK constraint."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def enum_column(enum_cls: type[enum.Enum], name: str, *, index: bool = False, **kwargs: Any) -> Any:
    return Column(enum_type(enum_cls, name), nullable=False, index=index, **kwargs)


def timestamp_column(*, index: bool = False, nullable: bool = False) -> Any:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def json_column(*, nullable: bool = False) -> Any:
    return Column(JSON, nullable=nullable)
