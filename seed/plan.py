"""The fixed frame of the dataset: how many rows of each kind a scale gives, the calendar every
timestamp falls in, and the random streams every generator draws from.

Nothing here reads the clock or the global ``random`` state: each part of the dataset draws from
its own ``random.Random`` seeded by a fixed string, so the same scale gives the same rows on
every run and a change to one part (assets, say) does not shift the content of another.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate, islice
from typing import TypeVar

T = TypeVar("T")

SEED = "helpdesk-mcp/seed/v1"

# Every timestamp lies in the first half of 2026 (UTC); "now", for the dataset, is END.
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)
# Tickets are raised from the first working Monday to the day before END.
TICKETS_FROM = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
TICKETS_UNTIL = datetime(2026, 6, 29, 18, 0, tzinfo=UTC)

ARTICLES = 300  # the knowledge base does not grow with the scale


def stream(section: str) -> random.Random:
    """The random stream of one section of the dataset (string seeds hash the same on every run)."""
    return random.Random(f"{SEED}/{section}")


@dataclass(frozen=True, slots=True)
class Sizes:
    agents: int
    requesters: int
    tickets: int
    assets: int
    onboarding_requests: int
    offboarding_requests: int
    articles: int = ARTICLES


def sizes_for(scale: float) -> Sizes:
    """Scale 1 is the documented default; tickets, requesters and assets grow linearly with the
    scale, agents and onboarding/offboarding requests with its square root (a desk ten times
    busier has about three times the staff), the catalog and the knowledge base not at all."""
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    mild = math.sqrt(scale)
    return Sizes(
        agents=max(40, round(40 * mild)),
        requesters=max(60, round(400 * scale)),
        tickets=max(100, round(5000 * scale)),
        assets=max(30, round(1500 * scale)),
        onboarding_requests=max(12, round(36 * mild)),
        offboarding_requests=max(6, round(20 * mild)),
    )


# Tickets are raised in working hours (Monday to Friday, 08:00-18:00 UTC) between these dates.
_WORKING_DAYS = tuple(
    day
    for day in (TICKETS_FROM + timedelta(days=n) for n in range((TICKETS_UNTIL - TICKETS_FROM).days + 1))
    if day.weekday() < 5
)
_WORKDAY_SECONDS = 10 * 3600
WORKING_SECONDS = len(_WORKING_DAYS) * _WORKDAY_SECONDS


def working_time(offset: int) -> datetime:
    """The moment ``offset`` seconds of working time after the first ticket slot."""
    offset = min(max(offset, 0), WORKING_SECONDS - 1)
    day, seconds = divmod(offset, _WORKDAY_SECONDS)
    return _WORKING_DAYS[day].replace(hour=8, minute=0, second=0) + timedelta(seconds=seconds)


def ticket_offset(index: int, total: int) -> int:
    """Working seconds at which ticket ``index`` (0-based) of ``total`` opens its slot: tickets are
    spread evenly over the working hours of the half year in id order, so ids and creation times
    rise together."""
    return WORKING_SECONDS * index // total


def moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole second, uniformly between ``start`` and ``end`` (both included)."""
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(0, max(span, 0)))


def later(rng: random.Random, start: datetime, *, min_hours: float, max_hours: float) -> datetime:
    """A whole second some hours after ``start``; when that would pass END, somewhere before END
    instead (so that recent rows do not all pile up on the last second)."""
    seconds = rng.randint(int(min_hours * 3600), int(max_hours * 3600))
    if start + timedelta(seconds=seconds) > END:
        return moment(rng, min(start, END), END)
    return start + timedelta(seconds=seconds)


def weighted(rng: random.Random, choices: dict[T, float]) -> T:
    """One of ``choices`` by weight: ``rng.choices(list(choices), weights=...)[0]`` step for step
    (one ``rng.random()``, the same cumulative sums and bisection, so the same pick), without
    building the lists ``choices`` needs for k picks: it runs several times per seeded ticket."""
    cumulative = list(accumulate(choices.values()))
    pick = bisect(cumulative, rng.random() * (cumulative[-1] + 0.0), 0, len(cumulative) - 1)
    return next(islice(choices, pick, None))
