"""Bounded suggestions for what a person is typing: ids, emails, names and titles the caller can see.

MCP completions (``completion/complete``) ask for the values an argument may take given what has
been typed so far. Each function here answers one such question with at most ``limit`` values and
the total number of matches, through the same visibility rule as every list (``scope_to_caller``).
What is typed is bounded (``MAX_TYPED`` characters) and matched as a literal: ``%`` and ``_`` are
escaped, never wildcards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_
from sqlmodel import Session, col, select

from domain.assets.models import Asset
from domain.caller import Caller, scope_to_caller
from domain.catalog.models import CatalogItem
from domain.people.models import Requester
from domain.solutions.models import SolutionArticle
from domain.tickets.models import Ticket
from domain.types import MAX_INT
from domain.workspaces.models import Workspace

MAX_TYPED = 200
MAX_SUGGESTIONS = 100  # the most values a completion may carry (MCP specification)
_MAX_ID_DIGITS = len(str(MAX_INT))


@dataclass(frozen=True, slots=True)
class Suggestions:
    values: list[str]
    total: int

    @property
    def has_more(self) -> bool:
        return self.total > len(self.values)


NONE = Suggestions(values=[], total=0)


def _id_prefix(column: Any, typed: str) -> ColumnElement[bool] | None:
    """Ids whose decimal form starts with ``typed``, as ranges the primary-key index can serve
    ("12" is 12, 120-129, 1200-1299, …); None when ``typed`` cannot start an id."""
    digits = typed.strip().lstrip("#")
    if not digits:
        return None
    if not digits.isdigit() or digits.startswith("0") or len(digits) > _MAX_ID_DIGITS:
        return false()
    start = int(digits)
    ranges = []
    for power in range(_MAX_ID_DIGITS - len(digits) + 1):
        low, high = start * 10**power, min((start + 1) * 10**power - 1, MAX_INT)
        if low > MAX_INT:
            break
        ranges.append(column.between(low, high))
    if not ranges:
        return false()
    return or_(*ranges)


@dataclass(frozen=True, slots=True)
class VisibleIds:
    """The ids of one table's rows the caller can see, as a completer."""

    id_column: Any
    workspace_column: Any
    where: Any = None

    def __call__(
        self, *, session: Session, caller: Caller, typed: str, limit: int = MAX_SUGGESTIONS
    ) -> Suggestions:
        """Visible ids starting with ``typed``: in numeric order, or newest first when nothing is typed."""
        if len(typed) > MAX_TYPED:
            return NONE
        condition = _id_prefix(self.id_column, typed)
        statement = scope_to_caller(select(self.id_column), self.workspace_column, caller)
        if self.where is not None:
            statement = statement.where(self.where)
        if condition is not None:
            statement = statement.where(condition)
        total = session.exec(select(func.count()).select_from(statement.subquery())).one()
        order = self.id_column.asc() if condition is not None else self.id_column.desc()
        values = session.exec(statement.order_by(order).limit(_bounded(limit))).all()
        return Suggestions(values=[str(value) for value in values], total=total)


ticket_ids = VisibleIds(col(Ticket.id), Ticket.workspace_id)
asset_display_ids = VisibleIds(col(Asset.display_id), Asset.workspace_id)
catalog_item_ids = VisibleIds(col(CatalogItem.id), CatalogItem.workspace_id, where=col(CatalogItem.active))
article_ids = VisibleIds(col(SolutionArticle.id), SolutionArticle.workspace_id)
workspace_ids = VisibleIds(col(Workspace.id), Workspace.id)


def _texts(session: Session, statement: Any, column: Any, typed: str, limit: int) -> Suggestions:
    """Values of ``column`` containing ``typed`` (ignoring case): those starting with it first.

    Statements that may hold one value twice group by ``column`` (not DISTINCT: PostgreSQL wants
    a DISTINCT query's ORDER BY in its select list)."""
    if len(typed) > MAX_TYPED:
        return NONE
    needle = typed.strip().lower()
    if needle:
        statement = statement.where(func.lower(column).contains(needle, autoescape=True))
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    starts = func.lower(column).startswith(needle, autoescape=True)
    ordered = statement.order_by(starts.desc(), column.asc()) if needle else statement.order_by(column.asc())
    values = session.exec(ordered.limit(_bounded(limit))).all()
    return Suggestions(values=list(values), total=total)


def requester_emails(
    *, session: Session, caller: Caller, typed: str, limit: int = MAX_SUGGESTIONS
) -> Suggestions:
    """Requesters are account-wide (every agent may look them up, as fetchRequesters does)."""
    statement = select(col(Requester.email)).where(col(Requester.active))
    return _texts(session, statement, col(Requester.email), typed, limit)


def catalog_item_names(
    *, session: Session, caller: Caller, typed: str, limit: int = MAX_SUGGESTIONS
) -> Suggestions:
    statement = scope_to_caller(
        select(col(CatalogItem.name)).where(col(CatalogItem.active)), CatalogItem.workspace_id, caller
    ).group_by(col(CatalogItem.name))
    return _texts(session, statement, col(CatalogItem.name), typed, limit)


def article_titles(
    *, session: Session, caller: Caller, typed: str, limit: int = MAX_SUGGESTIONS
) -> Suggestions:
    statement = scope_to_caller(
        select(col(SolutionArticle.title)), SolutionArticle.workspace_id, caller
    ).group_by(col(SolutionArticle.title))
    return _texts(session, statement, col(SolutionArticle.title), typed, limit)


def _bounded(limit: int) -> int:
    return max(1, min(limit, MAX_SUGGESTIONS))
