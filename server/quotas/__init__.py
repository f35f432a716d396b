"""Tool-call quotas per minute and per calendar month (UTC), for the whole account and per user.

``build_quota_gate`` turns the settings into the gate ``/mcp`` runs before every tool call;
``current_usage`` is the report the ``usage`` command (and the admin pages) show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.usage.models import Granularity, UsageReport
from domain.usage.periods import window_at
from domain.usage.service import minute_calls_in_database, usage_report
from domain.usage.user_limits import UserLimits
from server.quotas.counters import Counters, DatabaseCounters, MemoryCounters, Pending
from server.quotas.gate import QuotaGate, QuotaLimits
from server.quotas.overrides import OverrideCache
from server.settings import Settings

__all__ = ["QuotaGate", "QuotaLimits", "build_quota_gate", "current_usage"]


def _redis_counters(redis_url: str, engine: Engine) -> Counters:
    """Imported here: a worker without Redis never loads the client (~7.5 MiB of its memory)."""
    from server.quotas.redis_counters import RedisCounters

    return RedisCounters(redis_url, Pending(engine), DatabaseCounters(engine, leases=False))


def _counters(settings: Settings, engine: Engine) -> Counters:
    store = settings.quota_store
    database = DatabaseCounters(engine)
    if store == "redis":
        if not settings.redis_url:
            raise ValueError("the redis quota storage needs HELPDESK_REDIS_URL")
        return _redis_counters(settings.redis_url, engine)
    if store == "memory":
        return MemoryCounters(engine, Pending(engine))
    return database


def build_quota_gate(
    settings: Settings,
    *,
    engine: Engine,
    clock: Callable[[], datetime],
    is_tool: Callable[[str], bool] = lambda _name: True,
) -> QuotaGate:
    return QuotaGate(
        counters=_counters(settings, engine),
        overrides=OverrideCache(engine, interval=settings.revocation_check_seconds),
        limits=QuotaLimits(
            per_minute=settings.quota_per_minute,
            per_month=settings.quota_per_month,
            user=user_defaults(settings),
        ),
        clock=clock,
        is_tool=is_tool,
    )


def current_usage(
    settings: Settings, *, engine: Engine, now: datetime, gate: QuotaGate | None = None
) -> UsageReport:
    """Calls this minute and this month against the limits, and the month per user and per tool.

    ``gate``: the serving process's own, whose pending counts are written first and whose
    counters give the minute (and, in Redis, the month). Without it (the ``usage`` command, another
    process): Redis is read where configured; in memory mode the minute is unknown and the month
    and breakdown are those of the last flush (at most 1 s old).
    """
    counters: Counters | None = None  # None: the counts of this minute are not known here
    if gate is not None:
        gate.flush()
        counters = gate.counters
    elif settings.quota_store == "redis" and settings.redis_url:
        counters = _redis_counters(settings.redis_url, engine)
    elif settings.quota_store == "database":
        counters = DatabaseCounters(engine)
    minute, month = window_at(Granularity.minute, now), window_at(Granularity.month, now)
    with session_scope(engine) as session:
        if isinstance(counters, DatabaseCounters):
            minute_used: int | None = minute_calls_in_database(session=session, now=now)
            user_minute: Callable[[int], int | None] | None = None  # read from the database
        elif counters is None:
            minute_used, user_minute = None, lambda _agent_id: None
        else:
            minute_used = counters.used(minute)
            user_minute = lambda agent_id: counters.used(minute, str(agent_id))  # noqa: E731
        return usage_report(
            session=session,
            now=now,
            per_minute=settings.quota_per_minute,
            per_month=settings.quota_per_month,
            minute_used=minute_used,
            user_defaults=user_defaults(settings),
            user_minute_used=user_minute,
            month_used=None if counters is None else counters.used(month),
        )


def user_defaults(settings: Settings) -> UserLimits:
    return UserLimits(
        per_minute=settings.quota_per_user_per_minute, per_month=settings.quota_per_user_per_month
    )
