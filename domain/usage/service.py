"""Counting tool calls against the account's quotas, atomically, in the database.

Each counter moves with one statement, an upsert whose update is conditional::

    INSERT INTO usage_counter (…, count) VALUES (…, :n)
    ON CONFLICT (granularity, period, scope, subject)
    DO UPDATE SET count = usage_counter.count + :n WHERE usage_counter.count + :n <= :limit
    RETURNING count

PostgreSQL locks the conflicting row and evaluates the condition against its latest committed
version (also under READ COMMITTED); SQLite runs one writer at a time. Either way, with L calls
left and any number of concurrent callers in any number of processes, exactly L statements
return a row. A statement that returns none means the quota is spent: the caller raises, and
the edge's transaction rolls back whatever else this admission had counted (breakdown rows, the
minute window),
so a refused call consumes nothing.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlmodel
from sqlalchemy import Integer, Table, bindparam, delete, select, update
from sqlmodel import Session

from domain.db import upsert_insert
from domain.people.models import Agent
from domain.usage.models import (
    Granularity,
    QuotaWindowUsage,
    ToolUsage,
    UsageCounter,
    UsageReport,
    UsageScope,
    UserUsage,
)
from domain.usage.periods import Window, window_at
from domain.usage.user_limits import UserLimits, apply_override, overrides

NO_USER_LIMITS = UserLimits()

TABLE: Table = UsageCounter.__table__  # type: ignore[attr-defined]
KEY = ("granularity", "period", "scope", "subject")


class QuotaExhausted(Exception):
    """The account (or, with ``scope`` user, the calling user) has no calls left in ``window``;
    nothing of this admission was counted."""

    def __init__(self, window: Window, limit: int, scope: UsageScope = UsageScope.account) -> None:
        super().__init__(f"{limit} tool calls per {window.granularity} used up ({window.period}, {scope})")
        self.window = window
        self.limit = limit
        self.scope = scope


@dataclass(frozen=True, slots=True)
class Consumed:
    """Counts after an admission: the month's, and the minute's when it is kept in the database;
    the user's where a per-user limit applies (else None)."""

    month: int
    minute: int | None
    user_month: int | None = None
    user_minute: int | None = None
    # Calls counted beyond the admission's own, for the caller to admit later (``lease``).
    leased: int = 0


@functools.cache
def _upserts(dialect: str) -> tuple[Any, Any, Any]:
    """The upserts, built once per dialect: unconditional (without and with RETURNING), within a limit.

    Built once with bind parameters, they hit SQLAlchemy's compiled cache on every call:
    constructing the statement anew took most of an admission's time.
    """
    insert = upsert_insert(dialect)
    statement = insert(TABLE).values(
        granularity=bindparam("granularity"),
        period=bindparam("period"),
        scope=bindparam("scope"),
        subject=bindparam("subject"),
        count=bindparam("amount"),
    )
    total = TABLE.c.count + statement.excluded.count
    counted = TABLE.c.count
    unconditional = statement.on_conflict_do_update(index_elements=list(KEY), set_={"count": total})
    within = statement.on_conflict_do_update(
        index_elements=list(KEY), set_={"count": total}, where=total <= bindparam("limit", type_=Integer)
    )
    return unconditional, unconditional.returning(counted), within.returning(counted)


def _upsert(
    session: Session, window: Window, scope: UsageScope, subject: str, amount: int, limit: int = 0
) -> int | None:
    """Add ``amount`` to one counter; with a ``limit`` (> 0), only if the sum stays within it."""
    _, unconditional, within = _upserts(session.get_bind().dialect.name)
    parameters = {
        "granularity": window.granularity,
        "period": window.period,
        "scope": scope,
        "subject": subject,
        "amount": amount,
    }
    if limit:
        parameters["limit"] = limit
    count: int | None = session.execute(within if limit else unconditional, parameters).scalar_one_or_none()
    return count


def _add_breakdown(session: Session, window: Window, agent_id: int | None, tools: Sequence[str]) -> None:
    """Count the calls per tool and (unless ``agent_id`` is None: counted apart, within a limit)
    per user, in one statement (one round trip)."""
    rows = [(UsageScope.user, str(agent_id), len(tools))] if agent_id is not None else []
    rows += [(UsageScope.tool, tool, calls) for tool, calls in sorted(Counter(tools).items())]
    statement, _, _ = _upserts(session.get_bind().dialect.name)
    session.execute(
        statement,
        [
            {
                "granularity": window.granularity,
                "period": window.period,
                "scope": scope,
                "subject": subject,
                "amount": n,
            }
            for scope, subject, n in rows
        ],
    )


def _take(
    session: Session,
    window: Window,
    amount: int,
    limit: int,
    scope: UsageScope = UsageScope.account,
    subject: str = "",
) -> int:
    if limit and amount > limit:
        raise QuotaExhausted(window, limit, scope)
    count = _upsert(session, window, scope, subject, amount, limit)
    if count is None:
        raise QuotaExhausted(window, limit, scope)
    return count


def consume_calls(
    *,
    session: Session,
    now: datetime,
    agent_id: int,
    tools: Sequence[str],
    per_month: int,
    per_minute: int = 0,
    count_minute: bool = True,
    user: UserLimits = NO_USER_LIMITS,
    lease: int = 0,
    lease_share: int = 64,
) -> Consumed:
    """Count ``tools`` (one entry per call) against the month and, if ``count_minute``, the minute,
    for the account and, where ``user`` sets a limit, for the calling user.

    A limit of 0 counts without limiting. Raises ``QuotaExhausted`` for the first window with
    too few calls left; the caller's transaction must then roll back (``session_scope`` does),
    which also undoes the breakdown rows. Rows are always touched in the same order (user's
    month, tools by name, user's minute, account's minute, account's month), so concurrent
    admissions never deadlock; the account rows every admission shares come last, so their
    locks are held for the shortest time.

    ``lease``: once the calls are counted, also count up to this many more on the user's and the
    account's rows (not the tools'), for the caller to admit later without a round trip: at most
    ``1/lease_share`` of the smallest room any limit has left, none near a limit. The transaction
    holds those rows' locks by then (PostgreSQL locks a row an upsert changed until the commit;
    SQLite has one writer), so the room it reads cannot shrink before the lease is added.
    ``Consumed`` then counts the lease in; ``leased`` says how many (``return_calls`` gives back
    what is not spent).
    """
    amount = len(tools)
    subject = str(agent_id)
    month_window = window_at(Granularity.month, now)
    minute_window = window_at(Granularity.minute, now)
    user_month = user_minute = minute = None
    if user.per_month:
        user_month = _take(session, month_window, amount, user.per_month, UsageScope.user, subject)
        _add_breakdown(session, month_window, None, tools)
    else:
        _add_breakdown(session, month_window, agent_id, tools)
    if count_minute:
        if user.per_minute:
            user_minute = _take(session, minute_window, amount, user.per_minute, UsageScope.user, subject)
        minute = _take(session, minute_window, amount, per_minute)
    month = _take(session, month_window, amount, per_month)
    consumed = Consumed(month=month, minute=minute, user_month=user_month, user_minute=user_minute)
    leased = _lease_size(
        lease,
        lease_share,
        [
            (user.per_month, user_month),
            (user.per_minute, user_minute),
            (per_minute, minute),
            (per_month, month),
        ],
    )
    if not leased:
        return consumed

    def add(window: Window, scope: UsageScope = UsageScope.account, who: str = "") -> int:
        return _upsert(session, window, scope, who, leased) or 0  # an unconditional upsert returns a row

    # In the order the admission took the rows (whose locks it holds). The user's month is counted
    # whether or not it has a limit.
    counted = add(month_window, UsageScope.user, subject)
    user_month = counted if user.per_month else None
    if count_minute:
        user_minute = add(minute_window, UsageScope.user, subject) if user.per_minute else None
        minute = add(minute_window)
    return Consumed(add(month_window), minute, user_month, user_minute, leased)


def _lease_size(most: int, share: int, counts: Sequence[tuple[int, int | None]]) -> int:
    """How many calls a lease may take: ``most``, and no more than 1/``share`` of the room any
    limit (> 0) has left after its count."""
    leased = most
    for limit, count in counts:
        if limit and count is not None:
            leased = min(leased, (limit - count) // share)
    return max(0, leased)


def return_calls(*, session: Session, counts: Sequence[tuple[CounterKey, int]]) -> None:
    """Take back calls counted but not spent (``consume_calls``' leases), in one statement.

    Rows go in the order admissions lock them (users' months, users' minutes, the account's
    minutes, the account's months), so this never deadlocks with one. A row already gone (a past
    minute deleted) is left alone.
    """
    if not counts:
        return
    rank = {
        (Granularity.month, UsageScope.user): 0,
        (Granularity.minute, UsageScope.user): 1,
        (Granularity.minute, UsageScope.account): 2,
        (Granularity.month, UsageScope.account): 3,
    }
    ordered = sorted(counts, key=lambda item: (rank[item[0][0], item[0][2]], item[0][1], item[0][3]))
    session.execute(
        _RETURN,
        [
            {"g": g, "p": period, "s": scope, "who": subject, "n": n}
            for (g, period, scope, subject), n in ordered
        ],
    )


CounterKey = tuple[Granularity, str, UsageScope, str]  # granularity, period, scope, subject


_RETURN = (
    update(TABLE)
    .where(
        TABLE.c.granularity == bindparam("g"),
        TABLE.c.period == bindparam("p"),
        TABLE.c.scope == bindparam("s"),
        TABLE.c.subject == bindparam("who"),
    )
    .values(count=TABLE.c.count - bindparam("n", type_=Integer))
)


def add_counts(*, session: Session, counts: dict[CounterKey, int]) -> None:
    """Add counts gathered off the request path (``server.quotas``' memory and Redis modes) to
    their rows, in one statement: a batch of a second's calls is one round trip."""
    if not counts:
        return
    statement, _, _ = _upserts(session.get_bind().dialect.name)
    session.execute(
        statement,
        [
            {"granularity": g, "period": period, "scope": scope, "subject": subject, "amount": n}
            for (g, period, scope, subject), n in sorted(counts.items())
        ],
    )


def counter(*, session: Session, key: CounterKey) -> int:
    """One counter's value (0 where it has no row)."""
    granularity, period, scope, subject = key
    value = session.execute(
        select(TABLE.c.count).where(
            TABLE.c.granularity == granularity,
            TABLE.c.period == period,
            TABLE.c.scope == scope,
            TABLE.c.subject == subject,
        )
    ).scalar_one_or_none()
    return int(value or 0)


def month_counts(*, session: Session, period: str) -> dict[tuple[UsageScope, str], int]:
    """The account's and every user's count for one month (``2026-11``), by (scope, subject)."""
    rows = session.execute(
        select(TABLE.c.scope, TABLE.c.subject, TABLE.c.count).where(
            TABLE.c.granularity == Granularity.month,
            TABLE.c.period == period,
            TABLE.c.scope.in_([UsageScope.account, UsageScope.user]),
        )
    )
    return {(UsageScope(scope), subject): int(count) for scope, subject, count in rows}


def forget_minutes_before(*, session: Session, now: datetime) -> None:
    """Delete the minute counters of past minutes (month counters are kept as history)."""
    current = window_at(Granularity.minute, now).period
    session.execute(delete(TABLE).where(TABLE.c.granularity == Granularity.minute, TABLE.c.period < current))


def _count(session: Session, window: Window, scope: UsageScope, subject: str = "") -> int:
    return counter(session=session, key=(window.granularity, window.period, scope, subject))


def minute_calls_in_database(*, session: Session, now: datetime) -> int:
    return _count(session, window_at(Granularity.minute, now), UsageScope.account)


def _window_usage(window: Window, used: int | None, limit: int) -> QuotaWindowUsage:
    return QuotaWindowUsage(
        granularity=window.granularity,
        period=window.period,
        used=used,
        limit=limit or None,
        remaining=max(0, limit - used) if limit and used is not None else None,
        resets_at=window.resets_at,
    )


def usage_report(
    *,
    session: Session,
    now: datetime,
    per_minute: int,
    per_month: int,
    minute_used: int | None,
    user_defaults: UserLimits = NO_USER_LIMITS,
    user_minute_used: Callable[[int], int | None] | None = None,
    month_used: int | None = None,
) -> UsageReport:
    """The account's calls this minute (as given: it may live outside the database) and this month,
        and each user's against the user's limits (``user_minute_used`` reads a user's minute where it
        lives outside the database). ``month_used`` is the account's month where it is counted outside
    the database (Redis), else the database's row. Users with an admin-set limit are listed even
    without calls."""
    month = window_at(Granularity.month, now)
    rows = session.execute(
        select(TABLE.c.scope, TABLE.c.subject, TABLE.c.count).where(
            TABLE.c.granularity == Granularity.month,
            TABLE.c.period == month.period,
            TABLE.c.scope.in_([UsageScope.user, UsageScope.tool]),
        )
    ).all()
    users = {int(subject): int(count) for scope, subject, count in rows if scope == UsageScope.user}
    overridden = overrides(session)
    for agent_id in overridden:
        users.setdefault(agent_id, 0)
    agents = session.exec(
        sqlmodel.select(Agent.id, Agent.email).where(sqlmodel.col(Agent.id).in_(sorted(users)))
    )
    emails: dict[int | None, str] = dict(agents.all())
    minute = window_at(Granularity.minute, now)

    def line(agent_id: int, calls: int) -> UserUsage:
        limits = apply_override(overridden.get(agent_id), user_defaults)
        minute_calls = None
        if limits.per_minute:
            read = user_minute_used or (lambda a: _count(session, minute, UsageScope.user, str(a)))
            minute_calls = read(agent_id)
        return UserUsage(
            agent_id=agent_id,
            email=emails.get(agent_id),
            calls=calls,
            month_limit=limits.per_month or None,
            minute_calls=minute_calls,
            minute_limit=limits.per_minute or None,
            overridden=agent_id in overridden,
        )

    by_user = [line(agent, calls) for agent, calls in users.items()]
    by_tool = [
        ToolUsage(tool=subject, calls=int(count))
        for scope, subject, count in rows
        if scope == UsageScope.tool
    ]
    return UsageReport(
        as_of=now,
        minute=_window_usage(window_at(Granularity.minute, now), minute_used, per_minute),
        month=_window_usage(
            month, _count(session, month, UsageScope.account) if month_used is None else month_used, per_month
        ),
        by_user=sorted(by_user, key=lambda line: (-line.calls, line.agent_id)),
        by_tool=sorted(by_tool, key=lambda line: (-line.calls, line.tool)),
    )
