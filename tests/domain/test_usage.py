"""Usage counters: calendar windows, atomic conditional counting, rollback on refusal, the report.

Counting tests commit through ``session_scope`` (as the quota gate does) on months no other test
uses; the report test works inside the rolled-back ``session``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.db import session_scope
from domain.people.models import AgentRole
from domain.usage.models import Granularity
from domain.usage.periods import window_at
from domain.usage.service import (
    QuotaExhausted,
    consume_calls,
    forget_minutes_before,
    minute_calls_in_database,
    usage_report,
)
from tests.utils.factories import make_agent
from tests.utils.quotas import fresh_moment


def _consume(engine: Engine, now: datetime, tools: list[str], **limits: int) -> int:
    with session_scope(engine) as session:
        return consume_calls(session=session, now=now, agent_id=1, tools=tools, **limits).month


def _report(engine: Engine, now: datetime) -> tuple[int, int | None]:
    with session_scope(engine) as session:
        report = usage_report(session=session, now=now, per_minute=0, per_month=0, minute_used=None)
        return report.month.used or 0, minute_calls_in_database(session=session, now=now)


def test_windows_are_the_calendar_minute_and_month_in_utc() -> None:
    now = datetime(2031, 12, 31, 23, 59, 30, tzinfo=UTC)
    minute, month = window_at(Granularity.minute, now), window_at(Granularity.month, now)
    assert (minute.period, minute.resets_at, minute.seconds_left(now)) == (
        "2031-12-31T23:59",
        datetime(2032, 1, 1, tzinfo=UTC),
        30,
    )
    assert (month.period, month.resets_at, month.seconds) == (
        "2031-12",
        datetime(2032, 1, 1, tzinfo=UTC),
        31 * 86400,
    )
    assert window_at(Granularity.month, datetime(2032, 2, 10, tzinfo=UTC)).seconds == 29 * 86400
    with pytest.raises(ValueError, match="naive"):
        window_at(Granularity.minute, datetime(2031, 1, 1))


def test_concurrent_admissions_take_exactly_the_calls_left(engine: Engine) -> None:
    now = fresh_moment()
    _consume(engine, now, ["a"] * 3, per_month=10)

    def attempt(_: int) -> bool:
        try:
            _consume(engine, now, ["fetchTickets"], per_month=10, per_minute=100)
        except QuotaExhausted:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        admitted = list(pool.map(attempt, range(24)))
    assert admitted.count(True) == 7
    assert _report(engine, now) == (10, 10)


def test_a_refusal_by_the_month_rolls_back_the_minute(engine: Engine) -> None:
    now = fresh_moment()
    _consume(engine, now, ["a", "b"], per_month=3, per_minute=10)
    with pytest.raises(QuotaExhausted) as refused:
        _consume(engine, now, ["a", "b"], per_month=3, per_minute=10)
    assert refused.value.window.granularity is Granularity.month
    assert refused.value.limit == 3
    assert _report(engine, now) == (2, 2)


def test_a_refusal_by_the_minute_leaves_the_month_alone(engine: Engine) -> None:
    now = fresh_moment()
    _consume(engine, now, ["a"], per_month=100, per_minute=1)
    with pytest.raises(QuotaExhausted) as refused:
        _consume(engine, now, ["a"], per_month=100, per_minute=1)
    assert refused.value.window.granularity is Granularity.minute
    assert _report(engine, now) == (1, 1)


def test_a_batch_larger_than_the_limit_is_refused_whole(engine: Engine) -> None:
    now = fresh_moment()
    with pytest.raises(QuotaExhausted):
        _consume(engine, now, ["a"] * 4, per_month=3)
    assert _report(engine, now) == (0, 0)


def test_limits_of_zero_count_without_limiting(engine: Engine) -> None:
    now = fresh_moment()
    for _ in range(3):
        _consume(engine, now, ["a"] * 5, per_month=0, per_minute=0)
    assert _report(engine, now) == (15, 15)


def test_past_minutes_are_forgotten_and_months_kept(engine: Engine) -> None:
    now = fresh_moment()
    _consume(engine, now, ["a"], per_month=0)
    later = now + timedelta(minutes=1)
    _consume(engine, later, ["a"], per_month=0)
    with session_scope(engine) as session:
        forget_minutes_before(session=session, now=later)
    assert _report(engine, now) == (2, 0)
    assert _report(engine, later) == (2, 1)


def test_report_breaks_the_month_down_by_user_and_tool(session: Session) -> None:
    now = fresh_moment()
    busy = make_agent(session, role=AgentRole.admin)
    quiet = make_agent(session)
    assert busy.id is not None and quiet.id is not None
    consume_calls(
        session=session, now=now, agent_id=busy.id, tools=["fetchTickets", "createTicket"], per_month=50
    )
    consume_calls(session=session, now=now, agent_id=busy.id, tools=["fetchTickets"], per_month=50)
    consume_calls(session=session, now=now, agent_id=quiet.id, tools=["fetchAssets"], per_month=50)

    report = usage_report(session=session, now=now, per_minute=10, per_month=50, minute_used=4)

    assert (report.month.used, report.month.limit, report.month.remaining) == (4, 50, 46)
    assert (report.minute.used, report.minute.limit, report.minute.remaining) == (4, 10, 6)
    assert [(line.agent_id, line.email, line.calls) for line in report.by_user] == [
        (busy.id, busy.email, 3),
        (quiet.id, quiet.email, 1),
    ]
    assert [(line.tool, line.calls) for line in report.by_tool] == [
        ("fetchTickets", 2),
        ("createTicket", 1),
        ("fetchAssets", 1),
    ]
    assert report.month.resets_at == window_at(Granularity.month, now).resets_at
