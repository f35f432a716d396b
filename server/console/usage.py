"""Usage: tool calls this minute and this month against the quotas, per day, per user, per tool.

The numbers come through ``UsageSource``: the quota counters (the minute, the month and the
month's rankings per user and tool) and the audit log's kept per-day counts for the chart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import anyio.to_thread
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from domain.audit.models import DayCount
from domain.audit.service import Actor, daily_counts
from domain.db import session_scope
from domain.errors import DomainError
from domain.people.service import agent_by_email
from domain.usage.user_limits import set_user_limits
from server.console.base import PREFIX, Console, Viewer, redirect, text_field
from server.quotas import QuotaGate, current_usage
from server.settings import Settings


class WindowUsage(BaseModel):
    used: int | None
    limit: int | None
    resets_at: datetime

    @property
    def percent(self) -> int | None:
        if self.used is None or not self.limit:
            return None
        return min(100, round(100 * self.used / self.limit))


class Ranking(BaseModel):
    name: str
    calls: int


class UserRanking(Ranking):
    """A user's calls against the user's own limits (None: no limit); ``overridden``: an admin's."""

    month_limit: int | None = None
    minute_calls: int | None = None
    minute_limit: int | None = None
    overridden: bool = False


class UsageSnapshot(BaseModel):
    as_of: datetime
    minute: WindowUsage
    month: WindowUsage
    days: list[DayCount]
    by_user: list[UserRanking]
    by_tool: list[Ranking]
    note: str = ""


class UsageSource(Protocol):
    def __call__(self, now: datetime) -> UsageSnapshot: ...


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, following


@dataclass
class QuotaUsageSource:
    """The quota counters for this minute, this month and the month's rankings (exact, the same
    numbers the quota gate enforces); the audit log's per-day counts for the chart."""

    engine: Engine
    settings: Settings
    gate: QuotaGate | None = None

    def __call__(self, now: datetime) -> UsageSnapshot:
        report = current_usage(self.settings, engine=self.engine, now=now, gate=self.gate)
        start, following = month_bounds(now)
        with session_scope(self.engine) as session:
            days = daily_counts(session=session, start=start, end=following)
        return UsageSnapshot(
            as_of=now,
            minute=WindowUsage(
                used=report.minute.used, limit=report.minute.limit, resets_at=report.minute.resets_at
            ),
            month=WindowUsage(
                used=report.month.used, limit=report.month.limit, resets_at=report.month.resets_at
            ),
            days=days,
            by_user=[
                UserRanking(
                    name=user.email or f"agent {user.agent_id}",
                    calls=user.calls,
                    month_limit=user.month_limit,
                    minute_calls=user.minute_calls,
                    minute_limit=user.minute_limit,
                    overridden=user.overridden,
                )
                for user in report.by_user
            ],
            by_tool=[Ranking(name=tool.tool, calls=tool.calls) for tool in report.by_tool],
            note="The daily chart counts calls that reached a tool, from the audit log.",
        )


@dataclass
class UsagePage:
    console: Console
    source: UsageSource
    clock: Callable[[], datetime]

    async def show(self, request: Request, viewer: Viewer) -> Response:
        snapshot = await anyio.to_thread.run_sync(self.source, self.clock())
        peak = max((day.calls for day in snapshot.days), default=0)
        return self.console.render(
            request,
            "usage.html",
            viewer=viewer,
            title="Usage",
            usage=snapshot,
            chart=bar_chart(snapshot.days, peak),
            notice=NOTICES.get(request.query_params.get("notice", "")),
        )

    async def set_limit(self, request: Request, viewer: Viewer) -> Response:
        """POST: one user's own limits (blank: the per-user default; 0: no limit)."""
        form = await self.console.form(request)
        email = text_field(form, "email", 254)
        per_minute, per_month = (
            _limit(text_field(form, "per_minute", 12)),
            _limit(text_field(form, "per_month", 12)),
        )
        if per_minute is False or per_month is False:
            return redirect(PATH, anchor="user-limits", notice="bad-limit")
        actor = Actor(channel="console", agent_id=viewer.agent_id, email=viewer.email)

        def change(session: Session) -> bool:
            agent = agent_by_email(session, email)
            return set_user_limits(
                session,
                agent=agent,
                per_minute=per_minute,
                per_month=per_month,
                actor=actor,
                now=self.clock(),
            )

        try:
            changed = await self.console.run(change)
        except DomainError:
            return redirect(PATH, anchor="user-limits", notice="no-agent")
        return redirect(PATH, anchor="user-limits", notice="limit-set" if changed else "limit-unchanged")


PATH = f"{PREFIX}/usage"
NOTICES = {
    "limit-set": "The user's limits are saved; they apply from the next tool call.",
    "limit-unchanged": "The user already had these limits.",
    "bad-limit": "A limit is a whole number of tool calls (0 for none), or blank for the default.",
    "no-agent": "No admin or agent has that email.",
}


def _limit(value: str) -> int | Literal[False] | None:
    """A form's limit: blank for the default (None), a whole number, else False."""
    if not value:
        return None
    return int(value) if value.isdigit() else False


class Bar(BaseModel):
    x: float
    y: float
    height: float
    error_height: float
    day: str
    calls: int
    errors: int
    label: str | None


class Chart(BaseModel):
    width: int
    height: int
    bar_width: float
    peak: int
    bars: list[Bar]


def bar_chart(days: list[DayCount], peak: int, *, width: int = 720, height: int = 180) -> Chart:
    """Geometry of the month's inline SVG bar chart (one bar per day, every few days labelled)."""
    slot = width / max(1, len(days))
    scale = (height - 24) / peak if peak else 0
    bars = []
    for index, day in enumerate(days):
        bar_height = day.calls * scale
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 2),
                y=round(height - 20 - bar_height, 2),
                height=round(bar_height, 2),
                error_height=round(day.errors * scale, 2),
                day=day.day,
                calls=day.calls,
                errors=day.errors,
                label=day.day[8:] if index % 5 == 0 or index == len(days) - 1 else None,
            )
        )
    return Chart(width=width, height=height, bar_width=round(slot * 0.7, 2), peak=peak, bars=bars)
