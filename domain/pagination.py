"""The one pagination envelope shared by every list and search, and the two ways to walk a list.

A list is walked by ``cursor`` (keyset: the next page starts after the last row's key, so a page
costs the same at any depth and walking visits every row once even while rows are added) or by
``page`` (offset, kept for clients written against page numbers). The total is counted only up
to ``EXACT_TOTAL_LIMIT`` rows: past that the envelope says "more than N" instead of scanning a
million rows on every page.

On PostgreSQL a page by number is a deferred join: the offset walks the key index alone (the
keys of the rows skipped, not whole rows fetched from the table and thrown away), and only the
page's rows are read in full. SQLite reads the skipped rows cheaply enough that the join costs it
more than it saves, so there a page is one plain ``OFFSET``.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    UnaryExpression,
    bindparam,
    func,
    literal_column,
)
from sqlalchemy.sql import operators
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from domain.db import select_rows
from domain.errors import InvalidField

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30
# Counting stops here: exact below, "more than this" above (a bounded index walk, not a full scan).
EXACT_TOTAL_LIMIT = 1000
MAX_CURSOR_LENGTH = 200

T = TypeVar("T")
# The unique integer column a list is ordered by: ``col(Ticket.id)``, ``col(AuditEntry.id).desc()``,
# or a Core ``table.c.id`` (typed loosely: SQLModel's ``col`` gives a ``Mapped`` to type checkers).
KeyColumn = Any


class PageParams(BaseModel):
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


class PageInfo(BaseModel):
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="Results per page asked for.")
    total: int = Field(
        description="How many results there are: exact when total_is_exact is true; otherwise "
        f"there are more than this many (counting stops at {EXACT_TOTAL_LIMIT})."
    )
    total_is_exact: bool = Field(
        default=True, description=f"False when there are more than {EXACT_TOTAL_LIMIT} results."
    )
    next_page: int | None = Field(description="The next page's number; null on the last page.")
    next_cursor: str | None = Field(
        default=None,
        description="Pass as cursor to get the next page (cheaper than next_page deep in a long "
        "list); null on the last page.",
    )


@dataclass(frozen=True, slots=True)
class _Position:
    """Where a page starts: after a key (keyset) or at an offset (ranked results)."""

    page: int
    after: int | None = None
    offset: int = 0


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise InvalidField("page", f"must be 1 or greater, got {page}.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidField("per_page", f"must be between 1 and {MAX_PER_PAGE}, got {per_page}.")


def paginate(
    session: Session,
    statement: SelectOfScalar[T],
    *,
    key: KeyColumn | None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> tuple[list[T], PageInfo]:
    """One page of ``statement`` (filtered, not ordered) and the envelope describing it.

    ``key`` is the unique integer column the list is ordered by (``col(X.id)`` or
    ``col(X.id).desc()``); ``None`` means ``statement`` is already ordered (by relevance), and
    its cursors then hold an offset. A page past the end is an error a model can act on, except
    page 1 of an empty result.
    """
    rows, info = _page(session, statement, key=key, page=page, per_page=per_page, cursor=cursor)
    return rows, info


def paginate_rows(
    session: Session,
    statement: Select[Any],
    *,
    key: KeyColumn | None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[Sequence[Any]], PageInfo]:
    """``paginate`` for a Core statement (columns, not ORM entities): the page comes back as
    rows (tuples of column values), which skips building ORM objects.

    ``params``: the values of ``statement``'s bound parameters, for a statement the caller builds
    once per shape and reuses. The page and count statements derived from it are then built once
    too, and SQLAlchemy finds them compiled without walking a new statement tree on every call
    (on a page of tickets, building and keying the two statements cost more than running them)."""
    return _page(
        session, statement, key=key, page=page, per_page=per_page, cursor=cursor, core=True, params=params
    )


def _page(
    session: Session,
    statement: Any,
    *,
    key: KeyColumn | None,
    page: int,
    per_page: int,
    cursor: str | None,
    core: bool = False,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[Any], PageInfo]:
    """``core``: run the statements on the session's connection, past the ORM's execution layer
    (half the CPU of a query; the caller has flushed what the session holds); a reused statement
    (``params`` given) on its DB-API cursor, past SQLAlchemy's too (``domain.db.select_rows``)."""
    check_page(page, per_page)
    if core and params is not None:  # a reused statement: run on the DB-API cursor (select_rows)
        connection = session.connection()

        def run(statement: Any, values: Mapping[str, Any] | None = None) -> list[Any]:
            return select_rows(connection, statement, values or {})

    else:
        execute: Any = session.connection().execute if core else session.exec

        def run(statement: Any, values: Mapping[str, Any] | None = None) -> list[Any]:
            return list(execute(statement, values).all() if values is not None else execute(statement).all())

    column, descending = _key_column(key)
    kind = _cursor_kind(column, descending)
    deferred = session.get_bind().dialect.name == "postgresql"
    if cursor is not None:
        if page != 1:
            raise InvalidField(
                "page", "give either page or cursor, not both: the cursor already says where to go."
            )
        position = decode_cursor(cursor, kind=kind)
    else:
        position = _Position(page=page, offset=(page - 1) * per_page)
    # One row more than the page says whether there is a next page without counting.
    if params is not None:
        values = {**params, _LIMIT: per_page + 1, _AFTER: position.after, _OFFSET: position.offset}
        shape = (column, descending, position.after is not None, bool(position.offset), deferred)
        rows = run(_derived(statement, shape), values)
    else:
        after, offset = _wide(position.after), _wide(position.offset or None)
        paged = _paged(statement, column, descending, after, offset, per_page + 1, deferred)
        rows = run(paged)
    has_next = len(rows) > per_page
    del rows[per_page:]
    if not rows and position.page > 1 and cursor is None:
        total = _count(run, statement, limit=None, params=params)
        last_page = max(1, -(-total // per_page))
        raise InvalidField(
            "page", f"is past the end: there are {total} results, {last_page} page(s) of {per_page}."
        )
    if position.page == 1 and not has_next:
        total = len(rows)
    else:
        total = _count(run, statement, limit=EXACT_TOTAL_LIMIT + 1, params=params)
    exact = total <= EXACT_TOTAL_LIMIT
    next_cursor = None
    if has_next:
        after = _key_value(rows[-1], column, statement) if column is not None else None
        next_cursor = encode_cursor(
            kind,
            _Position(
                page=position.page + 1,
                after=after,
                offset=0 if column is not None else position.offset + per_page,
            ),
        )
    return rows, PageInfo(
        page=position.page,
        per_page=per_page,
        total=total if exact else EXACT_TOTAL_LIMIT,
        total_is_exact=exact,
        next_page=position.page + 1 if has_next else None,
        next_cursor=next_cursor,
    )


def _count(run: Any, statement: Any, *, limit: int | None, params: Mapping[str, Any] | None) -> int:
    """How many rows ``statement`` gives, counting at most ``limit`` (an index walk that stops);
    ``params``: the values of a reused statement (see ``paginate_rows``)."""
    if params is not None:
        counting = _derived(statement, ("count", limit is not None))
        (value,) = run(counting, {**params, _COUNT_LIMIT: limit})
    else:
        (value,) = run(_counting(statement, limit))
    return int(value if isinstance(value, int) else value[0])  # sqlmodel's exec gives the scalar


def _paged(
    statement: Any, column: Any, descending: bool, after: Any, offset: Any, limit: Any, deferred: bool = False
) -> Any:
    """``statement`` ordered by ``column``, from after ``after`` or from ``offset`` (None: from the
    start), at most ``limit`` rows: values, or bound parameters for a reused statement.

    ``deferred``: an offset is taken over the keys alone, and the page's rows are those whose key
    is among the keys kept (PostgreSQL; see the module's documentation)."""
    if column is None:
        return (statement.offset(offset) if offset is not None else statement).limit(limit)
    ordered = column.desc() if descending else column
    if after is not None:
        statement = statement.where(column < after if descending else column > after)
    if offset is not None and deferred:
        keys = statement.with_only_columns(column, maintain_column_froms=True).order_by(ordered)
        kept = keys.offset(offset).limit(limit).scalar_subquery()
        return statement.where(column.in_(kept)).order_by(ordered)
    statement = statement.order_by(ordered)
    if offset is not None:
        statement = statement.offset(offset)
    return statement.limit(limit)


def _counting(statement: Any, limit: Any) -> Any:
    rows = statement.order_by(None).with_only_columns(literal_column("1"), maintain_column_froms=True)
    if limit is not None:
        rows = rows.limit(limit)
    return select(func.count()).select_from(rows.subquery())


# The bound parameters of statements derived from a reused one (``paginate_rows`` with params).
_LIMIT, _AFTER, _OFFSET, _COUNT_LIMIT = "page_limit", "page_after", "page_offset", "count_limit"
_DERIVED: dict[tuple[int, Any], tuple[Any, Any]] = {}
_DERIVED_LIMIT = 4096
_derived_lock = threading.Lock()


def _wide(value: int | None) -> Any:
    """A key or offset bound as a 64-bit integer: a page number up to 2**31-1 times per_page, or a
    cursor's position (up to ``_LARGEST``), is past a 32-bit one, and PostgreSQL refuses to cast it
    to the key column's ``integer`` ("integer out of range") instead of finding no rows."""
    return None if value is None else bindparam(None, value, type_=BigInteger)


def _derived(statement: Any, shape: tuple[Any, ...]) -> Any:
    """The page or count statement of a reused ``statement`` for ``shape``, built once.

    Keyed by the statement's identity (the entry keeps the statement, so the id stays its own)."""
    key = (id(statement), shape)
    found = _DERIVED.get(key)
    if found is not None:
        return found[1]
    if shape[0] == "count":
        built = _counting(statement, bindparam(_COUNT_LIMIT, type_=Integer) if shape[1] else None)
    else:
        column, descending, after, offset, deferred = shape
        built = _paged(
            statement,
            column,
            descending,
            bindparam(_AFTER, type_=BigInteger) if after else None,
            bindparam(_OFFSET, type_=BigInteger) if offset else None,
            bindparam(_LIMIT, type_=Integer),
            deferred,
        )
    with _derived_lock:
        if len(_DERIVED) >= _DERIVED_LIMIT:
            _DERIVED.clear()
        _DERIVED[key] = (statement, built)
    return built


def _key_column(key: KeyColumn | None) -> tuple[ColumnElement[Any] | None, bool]:
    """The column itself (``expression`` unwraps an ORM attribute) and whether it runs downwards."""
    if key is None:
        return None, False
    if isinstance(key, UnaryExpression) and key.modifier is operators.desc_op:
        return key.element.expression, True
    return key.expression, False


def _key_value(row: Any, column: ColumnElement[Any], statement: Any) -> int:
    """The key column's value in a page's last row: an ORM object, a Row, or a tuple of the
    statement's columns (``select_rows``)."""
    if isinstance(row, Row):
        return int(row._mapping[column])
    if isinstance(row, tuple):
        columns = statement.selected_columns
        return int(next(value for value, selected in zip(row, columns, strict=True) if selected is column))
    return int(getattr(row, str(column.key)))


def _cursor_kind(column: ColumnElement[Any] | None, descending: bool) -> str:
    """What a cursor belongs to, so that one list's cursor is refused by another."""
    if column is None:
        return "ranked"
    table = getattr(getattr(column, "table", None), "name", "")
    return f"{table}.{column.key}{'-' if descending else '+'}"


def cursor_after(key: KeyColumn, after: int, *, page: int) -> str:
    """A cursor for the page that starts after key value ``after`` of a list ordered by ``key``,
    as if walked there (for a benchmark that measures a deep page without walking to it)."""
    column, descending = _key_column(key)
    return encode_cursor(_cursor_kind(column, descending), _Position(page=page, after=after))


def encode_cursor(kind: str, position: _Position) -> str:
    payload = [kind, position.page, position.after, position.offset]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, kind: str) -> _Position:
    """The position a cursor names; anything this list did not give out is a clear error."""
    refused = InvalidField(
        "cursor",
        "is not a cursor this list gave out: pass the next_cursor of the previous page unchanged, "
        "or leave cursor out to start from the first page.",
    )
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise refused
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise refused from None
    if not (isinstance(payload, list) and len(payload) == 4 and payload[0] == kind):
        raise refused
    _, page, after, offset = payload
    if not (_bounded(page, 2) and (after is None or _bounded(after, -_LARGEST)) and _bounded(offset, 0)):
        raise refused
    if (after is None) != (kind == "ranked"):
        raise refused
    return _Position(page=page, after=after, offset=offset)


_LARGEST = 2**62  # well inside a 64-bit integer column, so a forged cursor cannot overflow the driver


def _bounded(value: object, lowest: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lowest <= value <= _LARGEST
