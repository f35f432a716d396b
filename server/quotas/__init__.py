"""Tool-call quotas per minute and per calendar month (UTC), for the whole account and per user.

``build_quota_gate`` turns the settings into the gate ``/mcp`` runs before every tool call;
``current_usage`` is the report the ``usage`` command (and the admin pages) show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.usage.models import UsageReport
from domain.usage.service import minute_calls_in_database, usage_report
from domain.usage.user_limits import UserLimits
from server.quotas.gate import QuotaGate, QuotaLimits
from server.quotas.windows import minute_window_store
from server.settings import Settings

__all__ = ["QuotaGate", "QuotaLimits", "build_quota_gate", "current_usage"]


def build_quota_gate(
    settings: Settings,
    *,
    engine: Engine,
    clock: Callable[[], datetime],
    is_tool: Callable[[str], bool] = lambda _name: True,
) -> QuotaGate:
    return QuotaGate(
        engine=engine,
        limits=QuotaLimits(
            per_minute=settings.quota_per_minute,
            per_month=settings.quota_per_month,
            user=user_defaults(settings),
        ),
        minute_store=minute_window_store(settings.quota_minute_storage, settings.redis_url),
        clock=clock,
        is_tool=is_tool,
    )


def current_usage(settings: Settings, *, engine: Engine, now: datetime) -> UsageReport:
    """Calls this minute and this month against the limits, and the month per user and per tool."""
    store = minute_window_store(settings.quota_minute_storage, settings.redis_url)
    with session_scope(engine) as session:
        minute = store.used(now) if store else minute_calls_in_database(session=session, now=now)
        return usage_report(
            session=session,
            now=now,
            per_minute=settings.quota_per_minute,
            per_month=settings.quota_per_month,
            minute_used=minute,
            user_defaults=user_defaults(settings),
            user_minute_used=(lambda agent_id: store.used(now, subject=str(agent_id))) if store else None,
        )


def user_defaults(settings: Settings) -> UserLimits:
    return UserLimits(
        per_minute=settings.quota_per_user_per_minute, per_month=settings.quota_per_user_per_month
    )
