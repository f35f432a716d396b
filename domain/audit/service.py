"""Writing, reading and expiring the audit log of tool calls.

``record_call`` is the hot path: one INSERT, run after the tool has answered. Reading is for the
admin console and the CLI, newest first, filtered by user, tool and time. ``purge_expired`` is
the retention: it deletes rows older than the retention in batches, each ``DELETE … RETURNING``
reporting exactly the rows it removed, whose per-day counts it adds to ``audit_daily_count`` in
the same transaction. Two workers purging at once therefore never count a row twice: a row
deleted by one is invisible to the other's DELETE.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, or_
from sqlmodel import Session, col, select

from domain.audit.models import (
    AuditDailyCount,
    AuditEntriesPublic,
    AuditEntry,
    AuditEntryPublic,
    DayCount,
    Outcome,
)
from domain.db import append_rows, upsert_insert
from domain.pagination import DEFAULT_PER_PAGE, paginate

ENTRIES: Table = AuditEntry.__table__  # type: ignore[attr-defined]
DAILY: Table = AuditDailyCount.__table__  # type: ignore[attr-defined]
PURGE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """One finished tool call, as the MCP middleware saw it."""

    at: datetime
    agent_id: int | None
    agent_email: str
    credential_kind: str
    credential: str
    tool: str
    arguments: str
    outcome: Outcome
    error: str | None
    duration_ms: int


def _text(value: str, limit: int) -> str:
    """Text from outside (tool names, arguments, error messages echoing them) as a column takes it:
    cut to ``limit`` and without NUL, which PostgreSQL's text type refuses (the whole INSERT fails)."""
    return value[:limit].replace("\x00", "\ufffd")


def entry_values(call: ToolCallRecord) -> dict[str, Any]:
    """The row of ``call``: every column, text cut to its column and without NUL."""
    return {
        "at": call.at,
        "agent_id": call.agent_id,
        "agent_email": call.agent_email[:254],
        "credential_kind": call.credential_kind[:16],
        "credential": call.credential[:64],
        "tool": _text(call.tool, 100),
        "arguments": _text(call.arguments, 1000),
        "outcome": call.outcome,
        "error": _text(call.error, 300) if call.error else None,
        "duration_ms": max(0, call.duration_ms),
    }


def record_call(*, session: Session, call: ToolCallRecord) -> None:
    """Append one row (a plain INSERT: no read, no ORM bookkeeping)."""
    session.execute(insert(ENTRIES).values(**entry_values(call)))


def record_calls(*, session: Session, calls: Sequence[ToolCallRecord]) -> None:
    """Append a batch of rows (``domain.db.append_rows``: COPY on PostgreSQL)."""
    append_rows(session.connection(), ENTRIES, [entry_values(call) for call in calls])


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made an administrative change: an operator at the command line, or an admin in the console."""

    channel: str  # "cli" or "console"
    agent_id: int | None = None
    email: str = ""


CLI_OPERATOR = Actor(channel="cli")
# Administrative changes share the log but are not tool calls: the usage chart leaves them out.
ADMIN_CHANNELS = ("cli", "console")


def record_admin_action(
    *, session: Session, actor: Actor, action: str, subject: str, at: datetime, detail: str = ""
) -> None:
    """Append an administrative change (``agents.deactivate`` of ``subject``) to the same log as
    tool calls, so one trail answers "who did what": ``credential_kind`` is the channel."""
    arguments = json.dumps({"subject": subject, **({"detail": detail} if detail else {})})
    record_call(
        session=session,
        call=ToolCallRecord(
            at=at,
            agent_id=actor.agent_id,
            agent_email=actor.email,
            credential_kind=actor.channel,
            credential=actor.channel,
            tool=action,
            arguments=arguments,
            outcome=Outcome.ok,
            error=None,
            duration_ms=0,
        ),
    )


def list_entries(
    *,
    session: Session,
    agent_email: str | None = None,
    tool: str | None = None,
    since: datetime | None = None,
    upto_id: int | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> AuditEntriesPublic:
    """Entries newest first, filtered; ``upto_id`` (from page 1's answer) keeps later pages stable."""
    if upto_id is None:
        upto_id = session.exec(select(func.max(AuditEntry.id))).one()
    statement = select(AuditEntry)
    if upto_id is not None:
        statement = statement.where(col(AuditEntry.id) <= upto_id)
    if agent_email:
        statement = statement.where(AuditEntry.agent_email == agent_email.strip().lower())
    if tool:
        statement = statement.where(AuditEntry.tool == tool)
    if since is not None:
        statement = statement.where(col(AuditEntry.at) >= since)
    rows, info = paginate(
        session, statement, key=col(AuditEntry.id).desc(), page=page, per_page=per_page, cursor=cursor
    )
    return AuditEntriesPublic(
        **info.model_dump(),
        upto_id=upto_id,
        entries=[AuditEntryPublic.model_validate(row, from_attributes=True) for row in rows],
    )


def last_call_by_credential(*, session: Session, credentials: list[str]) -> dict[str, datetime]:
    """When each credential (``hdk_…``, ``oauth_grant:…``) last made a call still in the log."""
    if not credentials:
        return {}
    rows = session.exec(
        select(AuditEntry.credential, func.max(AuditEntry.at))
        .where(col(AuditEntry.credential).in_(credentials))
        .group_by(col(AuditEntry.credential))
    ).all()
    return {credential: at for credential, at in rows if at is not None}


def _upsert_day(session: Session, day: str, calls: int, errors: int) -> None:
    insert_for = upsert_insert(session.get_bind().dialect.name)
    statement = insert_for(DAILY).values(day=day, calls=calls, errors=errors)
    statement = statement.on_conflict_do_update(
        index_elements=["day"],
        set_={
            "calls": DAILY.c.calls + statement.excluded.calls,
            "errors": DAILY.c.errors + statement.excluded.errors,
        },
    )
    session.execute(statement)


def purge_expired(
    *, session: Session, now: datetime, retention_days: int, admin_retention_days: int | None = None
) -> int:
    """Delete tool calls older than ``retention_days`` (keeping their per-day counts) and
    administrative changes older than ``admin_retention_days`` (default: the same); return how many.

    Administrative changes (who deactivated whom, revoked what) are the trail an admin looks back
    on after an incident, weeks later; tool calls are the bulk of the log and expire sooner.
    """
    kind = col(AuditEntry.credential_kind)
    calls_cutoff = now - timedelta(days=retention_days)
    admin_cutoff = now - timedelta(
        days=retention_days if admin_retention_days is None else admin_retention_days
    )
    expired = or_(
        and_(col(AuditEntry.at) < calls_cutoff, kind.not_in(ADMIN_CHANNELS)),
        and_(col(AuditEntry.at) < admin_cutoff, kind.in_(ADMIN_CHANNELS)),
    )
    removed = 0
    while True:
        ids = session.exec(
            select(AuditEntry.id).where(expired).order_by(col(AuditEntry.id)).limit(PURGE_BATCH)
        ).all()
        if not ids:
            return removed
        deleted = session.execute(
            delete(ENTRIES)
            .where(ENTRIES.c.id.in_(ids))
            .returning(ENTRIES.c.at, ENTRIES.c.outcome, ENTRIES.c.credential_kind)
        ).all()
        calls: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for at, outcome, kind in deleted:
            if kind in ADMIN_CHANNELS:
                continue
            day = at.strftime("%Y-%m-%d")
            calls[day] += 1
            errors[day] += outcome == Outcome.error
        for day in sorted(calls):
            _upsert_day(session, day, calls[day], errors[day])
        removed += len(deleted)
        if len(ids) < PURGE_BATCH:
            return removed


def daily_counts(*, session: Session, start: datetime, end: datetime) -> list[DayCount]:
    """Calls per UTC day in ``[start, end)``: kept counts of purged days plus the live log."""
    first, last = start.strftime("%Y-%m-%d"), (end - timedelta(microseconds=1)).strftime("%Y-%m-%d")
    calls: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for row in session.exec(
        select(AuditDailyCount).where(col(AuditDailyCount.day) >= first, col(AuditDailyCount.day) <= last)
    ):
        calls[row.day] += row.calls
        errors[row.day] += row.errors
    day_of = func.date(ENTRIES.c.at)
    live = session.execute(
        select(day_of, ENTRIES.c.outcome, func.count())
        .where(ENTRIES.c.at >= start, ENTRIES.c.at < end, ENTRIES.c.credential_kind.not_in(ADMIN_CHANNELS))
        .group_by(day_of, ENTRIES.c.outcome)
    ).all()
    for day, outcome, count in live:
        key = str(day)[:10]
        calls[key] += count
        if outcome == Outcome.error:
            errors[key] += count
    days = []
    current = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while current < end:
        key = current.strftime("%Y-%m-%d")
        days.append(DayCount(day=key, calls=calls[key], errors=errors[key]))
        current += timedelta(days=1)
    return days
