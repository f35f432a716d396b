"""The one pagination envelope shared by every list and search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from domain.errors import InvalidField

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30

T = TypeVar("T")


class PageParams(BaseModel):
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


class PageInfo(BaseModel):
    page: int
    per_page: int
    total: int
    next_page: int | None


def check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise InvalidField("page", f"must be 1 or greater, got {page}.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidField("per_page", f"must be between 1 and {MAX_PER_PAGE}, got {per_page}.")


def paginate(
    session: Session, statement: SelectOfScalar[T], *, page: int, per_page: int
) -> tuple[list[T], PageInfo]:
    """Run ``statement`` (already filtered and stably ordered) for one page, with the total.

    A page past the end is an error a model can act on, except page 1 of an empty result.
    """
    info = _page_info(session, statement, page=page, per_page=per_page)
    rows = list(session.exec(statement.offset((page - 1) * per_page).limit(per_page)).all())
    return rows, info


def paginate_rows(
    session: Session, statement: Select[Any], *, page: int, per_page: int
) -> tuple[list[Sequence[Any]], PageInfo]:
    """``paginate`` for a Core statement (columns, not ORM entities): the same two queries, but
    the page comes back as rows (tuples of column values), which skips building ORM objects."""
    info = _page_info(session, statement, page=page, per_page=per_page)
    rows: list[Sequence[Any]] = list(
        session.exec(statement.offset((page - 1) * per_page).limit(per_page)).all()
    )
    return rows, info


def _page_info(
    session: Session, statement: Select[Any] | SelectOfScalar[Any], *, page: int, per_page: int
) -> PageInfo:
    """Check the page against the total (the first query) and describe it."""
    check_page(page, per_page)
    total = session.exec(select(func.count()).select_from(statement.order_by(None).subquery())).one()
    last_page = max(1, -(-total // per_page))
    if page > last_page:
        raise InvalidField(
            "page", f"is past the end: there are {total} results, {last_page} page(s) of {per_page}."
        )
    next_page = page + 1 if page < last_page else None
    return PageInfo(page=page, per_page=per_page, total=total, next_page=next_page)
