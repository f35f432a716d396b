"""Quota windows are calendar periods in UTC: the current minute and the current month.

Calendar windows (rather than rolling ones) give every process the same answer from its clock
alone, make the reset time a plain timestamp a model can read, and name each counter row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.usage.models import Granularity


@dataclass(frozen=True, slots=True)
class Window:
    granularity: Granularity
    period: str
    starts_at: datetime
    resets_at: datetime

    @property
    def seconds(self) -> int:
        """Length of the window (a month is 28 to 31 days)."""
        return int((self.resets_at - self.starts_at).total_seconds())

    def seconds_left(self, now: datetime) -> int:
        """Whole seconds until the reset, at least 1 (what ``Retry-After`` carries)."""
        return max(1, math.ceil((self.resets_at - now).total_seconds()))


def window_at(granularity: Granularity, now: datetime) -> Window:
    """The minute or the calendar month (UTC) that ``now`` falls in."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given; quota windows need an aware UTC time")
    now = now.astimezone(UTC)
    if granularity is Granularity.minute:
        start = now.replace(second=0, microsecond=0)
        return Window(granularity, start.strftime("%Y-%m-%dT%H:%M"), start, start + timedelta(minutes=1))
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return Window(granularity, start.strftime("%Y-%m"), start, following)
