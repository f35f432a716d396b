"""The one pagination envelope shared by every list and search."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

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
    check_page(page, per_page)
    total = session.exec(select(func.count()).select_from(statement.order_by(None).subquery())).one()
    last_page = max(1, -(-total // per_page))
    if page > last_page:
        raise InvalidField(
            "page", f"is past the end: there are {total} results, {last_page} page(s) of {per_page}."
        )
    rows = list(session.exec(statement.offset((page - 1) * per_page).limit(per_page)).all())
    next_page = page + 1 if page < last_page else None
    return rows, PageInfo(page=page, per_page=per_page, total=total, next_page=next_page)
