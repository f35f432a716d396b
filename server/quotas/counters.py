"""Where an admission is counted: in the database, in process memory, or in Redis (``redis_counters``).

- **Database**: a transaction of conditional upserts (``domain.usage.service.consume_calls``),
  exact across any number of processes; with room to spare it counts a lease of calls the process
  then admits without one (``DatabaseCounters``).
- **Memory**: the account's and users' minute and month in a dict, checked and moved under one
  lock, so exact while one process serves the database (the single-process default on SQLite).
  A month is loaded from the database on its first use; nothing else on the request path
  touches the database.
- **Redis**: see ``redis_counters``.

In memory and Redis the database learns the month's counts (account, users, tools) from
``Pending``: the admissions since the last flush, written as one batch of increments at most
``FLUSH_SECONDS`` apart by the gate's background task, and once more on shutdown. A process
killed with SIGKILL loses what it gathered since its last flush (the month is then undercounted
by those calls: a later process may admit that many more).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Hashable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.db import session_scope, transaction
from domain.usage.models import Granularity, UsageScope
from domain.usage.periods import Window, window_at
from domain.usage.service import (
    Consumed,
    CounterKey,
    QuotaExhausted,
    add_counts,
    consume_calls,
    forget_minutes_before,
    month_counts,
    return_calls,
)
from domain.usage.user_limits import UserLimits
from server.outages import log_failure

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)  # a lease's set of counters
C = TypeVar("C")  # what a lease remembers of their counts

FLUSH_SECONDS = 0.5
# One admission that asks the database or Redis counts at most this many calls: the call in hand
# and a lease of the rest (``DatabaseCounters``, ``redis_counters``).
LEASE_CALLS = 64
# A lease takes at most this fraction (1/LEASE_SHARE) of the smallest room left under a limit.
LEASE_SHARE = 64
# Pending increments kept across failed flushes (database unreachable) before the oldest go.
MAX_PENDING_KEYS = 100_000

# The counts an admission left, by quota, for the ``RateLimit`` field.
Used = dict[tuple[UsageScope, Granularity], int]


@dataclass(frozen=True, slots=True)
class Plan:
    """One admission: ``tools`` holds one name per call; limits of 0 count without limiting."""

    minute: Window
    month: Window
    agent_id: int
    tools: Sequence[str]
    per_minute: int
    per_month: int
    user: UserLimits

    @property
    def amount(self) -> int:
        return len(self.tools)

    @property
    def subject(self) -> str:
        return str(self.agent_id)


def scoped(session: Session | None, engine: Engine) -> AbstractContextManager[Session]:
    """The caller's session if it gave one, else a transaction of our own."""
    return nullcontext(session) if session is not None else session_scope(engine)


class Counters(Protocol):
    def take(self, plan: Plan, session: Session | None = None) -> Used:
        """Count the plan's calls against every quota, or raise ``QuotaExhausted`` counting none."""
        ...

    def flush(self) -> int:
        """Write what is pending to the database; the number of counters written."""
        ...

    def prepare(self, now: datetime) -> None:
        """Off the request path: load what the next admissions at ``now`` will need."""
        ...

    def used(self, window: Window, subject: str = "") -> int | None:
        """The account's (or a user's) count in ``window`` as the counters see it; None where the
        database's row is the count (or, for memory, from another process: not known here)."""
        ...


class Pending:
    """Month increments admitted but not yet in the database, by counter."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._counts: Counter[CounterKey] = Counter()
        self._lock = threading.Lock()
        # Held while a batch is on its way to the database: whoever reads a row and adds what
        # is pending (a Redis seed) must not see a batch in neither place.
        self.flushing = threading.Lock()

    def add(self, plan: Plan) -> None:
        period = plan.month.period
        month = Granularity.month
        with self._lock:
            counts = self._counts
            counts[month, period, UsageScope.account, ""] += plan.amount
            counts[month, period, UsageScope.user, plan.subject] += plan.amount
            for tool in plan.tools:
                counts[month, period, UsageScope.tool, tool] += 1

    def add_tools(self, plan: Plan) -> None:
        """The per-tool breakdown alone (the user's and account's rows counted the calls already)."""
        period = plan.month.period
        with self._lock:
            counts = self._counts
            for tool in plan.tools:
                counts[Granularity.month, period, UsageScope.tool, tool] += 1

    def of(self, key: CounterKey) -> int:
        with self._lock:
            return self._counts.get(key, 0)

    def flush(self) -> int:
        with self.flushing:
            with self._lock:
                batch, self._counts = self._counts, Counter()
            if not batch:
                return 0
            try:
                with session_scope(self.engine) as session:
                    add_counts(session=session, counts=dict(batch))
            except Exception as exc:
                log_failure(
                    logger, exc, f"could not write {len(batch)} quota counters; retried with the next batch"
                )
                self._keep(batch)
                return 0
            return len(batch)

    def _keep(self, batch: Counter[CounterKey]) -> None:
        with self._lock:
            batch.update(self._counts)
            self._counts = batch
            if len(batch) > MAX_PENDING_KEYS:
                logger.error("quota counters pending: %d keys, dropping the tool breakdown", len(batch))
                for key in [key for key in batch if key[2] is UsageScope.tool]:
                    del batch[key]


@dataclass(slots=True)
class Lease(Generic[C]):
    """Calls counted ahead (in the database or Redis) for one set of counters that this process
    has not admitted yet, with the counts the admission that took them read (the lease included)."""

    left: int
    counts: C


class Leases(Generic[K, C]):
    """This process's leases by set of counters (``DatabaseCounters``, ``redis_counters``), under
    one lock: spent by admissions, taken one at a time per set, handed back at each flush.

    One refill at a time per set of counters: threads that find a lease spent while another is
    taking the next count their own calls alone meanwhile. Without this, every thread of a busy
    worker took a lease of its own at once, and the worker held up to ``threads`` x 63 calls
    (``python -m bench.quota_kill``: 115 counted too many after a SIGKILL, where one lease is 63).
    """

    def __init__(self) -> None:
        self._held: dict[K, Lease[C]] = {}
        self._refilling: set[K] = set()
        self._lock = threading.Lock()

    def spend(self, key: K, amount: int) -> Lease[C] | bool:
        """What the lease on ``key`` holds after ``amount`` calls were spent from it (a copy); else
        whether the caller is to take the next lease (it must then ``settle`` or ``abandon``)."""
        with self._lock:
            held = self._held.get(key)
            if held is not None and held.left >= amount:
                held.left -= amount
                return Lease(held.left, held.counts)
            if key in self._refilling:
                return False
            self._refilling.add(key)
            return True

    def settle(self, key: K, leased: int, counts: C) -> None:
        """End the caller's refill, keeping the ``leased`` calls it took beside what is left of the
        last lease (a rest too small for a batch is kept, not lost)."""
        with self._lock:
            if leased:
                held = self._held.get(key)
                self._held[key] = Lease(leased + (held.left if held else 0), counts)
            self._refilling.discard(key)

    def abandon(self, key: K) -> None:
        """End the caller's refill without a lease (the admission failed or was refused)."""
        with self._lock:
            self._refilling.discard(key)

    def drain(self) -> list[tuple[K, Lease[C]]]:
        """Every lease with calls left, removed: the flush gives them back."""
        with self._lock:
            held, self._held = self._held, {}
        return [(key, lease) for key, lease in held.items() if lease.left]

    def restore(self, unspent: list[tuple[K, Lease[C]]]) -> None:
        """Keep drained leases that could not be given back, for the next flush."""
        with self._lock:
            for key, lease in unspent:
                held = self._held.get(key)
                if held is None:
                    self._held[key] = lease
                else:
                    held.left += lease.left


@dataclass(frozen=True, slots=True)
class _LeaseKey:
    """The counters a lease was counted on (a minute, a month, a user) and the limits it was sized
    under: a call with other limits (an admin's override moved) takes a lease of its own."""

    minute: Window
    month: Window
    subject: str
    per_minute: int
    per_month: int
    user: UserLimits

    def rows(self) -> list[CounterKey]:
        """The rows a lease added to (the user's month always, their minute where limited)."""
        rows: list[CounterKey] = [(Granularity.month, self.month.period, UsageScope.user, self.subject)]
        if self.user.per_minute:
            rows.append((Granularity.minute, self.minute.period, UsageScope.user, self.subject))
        rows.append((Granularity.minute, self.minute.period, UsageScope.account, ""))
        rows.append((Granularity.month, self.month.period, UsageScope.account, ""))
        return rows


class DatabaseCounters:
    """Every counter a row of ``usage_counter``, moved in the admission's transaction.

    Leases, as in Redis (``redis_counters``): with room to spare, the transaction that counts a
    call also counts up to ``LEASE_CALLS`` - 1 more for this process (at most ``1/LEASE_SHARE`` of
    the smallest room a limit has left; none near a limit), which it then admits for the same
    minute, month, user and limits without touching the database. Leased calls are counted like
    admitted ones, so no quota is passed by any number of processes; what is not spent goes back
    at the next ``flush`` (the gate's background task, every ``FLUSH_SECONDS``) and on shutdown.
    Calls admitted from a lease reach the per-tool breakdown through ``pending`` (the same batch).
    A process killed with SIGKILL never returns its leases: the months stay counted too high by
    what they held (at most ``LEASE_CALLS`` - 1 per user and limits in use). ``leases=False``
    counts every call in its own transaction (Redis's fallback during an outage).
    """

    def __init__(self, engine: Engine, pending: Pending | None = None, *, leases: bool = True) -> None:
        self.engine = engine
        self.pending = pending or Pending(engine)
        self.leases = leases
        self._leases: Leases[_LeaseKey, Used] = Leases()

    def take(self, plan: Plan, session: Session | None = None) -> Used:
        key = _LeaseKey(plan.minute, plan.month, plan.subject, plan.per_minute, plan.per_month, plan.user)
        amount = plan.amount
        refill = False
        if self.leases:
            spent = self._leases.spend(key, amount)
            if isinstance(spent, Lease):  # counted in the database already
                self.pending.add_tools(plan)
                return {quota: count - spent.left for quota, count in spent.counts.items()}
            refill = spent
        try:
            consumed = self._count(plan, session, max(0, LEASE_CALLS - amount) if refill else 0)
        except BaseException:
            if refill:
                self._leases.abandon(key)
            raise
        counted: Used = {(UsageScope.account, Granularity.month): consumed.month}
        if consumed.minute is not None:
            counted[UsageScope.account, Granularity.minute] = consumed.minute
        if consumed.user_minute is not None:
            counted[UsageScope.user, Granularity.minute] = consumed.user_minute
        if consumed.user_month is not None:
            counted[UsageScope.user, Granularity.month] = consumed.user_month
        if refill:
            self._leases.settle(key, consumed.leased, counted)
        if consumed.minute is not None and consumed.minute - consumed.leased == plan.amount:
            self._forget_past_minutes(plan, session)
        return {quota: count - consumed.leased for quota, count in counted.items()}

    def _count(self, plan: Plan, session: Session | None, lease: int) -> Consumed:
        if session is None:
            with session_scope(self.engine) as own:
                return self._consume(own, plan, lease)
        try:
            consumed = self._consume(session, plan, lease)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return consumed

    @staticmethod
    def _consume(session: Session, plan: Plan, lease: int) -> Consumed:
        return consume_calls(
            session=session,
            now=plan.minute.starts_at,
            agent_id=plan.agent_id,
            tools=plan.tools,
            per_month=plan.per_month,
            per_minute=plan.per_minute,
            user=plan.user,
            lease=lease,
            lease_share=LEASE_SHARE,
        )

    def _forget_past_minutes(self, plan: Plan, session: Session | None) -> None:
        """First calls of a minute: delete older minute rows, in a transaction of their own (on the
        caller's session when given: the tool call's one connection)."""
        try:
            with session_scope(self.engine) if session is None else transaction(session) as current:
                forget_minutes_before(session=current, now=plan.minute.starts_at)
        except Exception as exc:
            log_failure(logger, exc, "could not delete past minute counters (they are retried next minute)")

    def flush(self) -> int:
        """Give back what the leases did not spend, then write the tools of calls they admitted."""
        self.return_leases()
        return self.pending.flush()

    def return_leases(self) -> None:
        """One transaction for every lease's unspent calls; kept for the next flush on failure."""
        unspent = self._leases.drain()
        if not unspent:
            return
        try:
            with session_scope(self.engine) as session:
                return_calls(
                    session=session,
                    counts=[(row, lease.left) for key, lease in unspent for row in key.rows()],
                )
        except Exception as exc:
            log_failure(logger, exc, f"could not return {len(unspent)} quota leases; retried next flush")
            self._leases.restore(unspent)

    def prepare(self, now: datetime) -> None:
        return None

    def used(self, window: Window, subject: str = "") -> int | None:
        return None


class MemoryCounters:
    """The minute and the month in this process's memory: exact for one process, no I/O per call."""

    def __init__(self, engine: Engine, pending: Pending) -> None:
        self.engine = engine
        self.pending = pending
        self._lock = threading.Lock()
        self._minute: tuple[str, Counter[str]] = ("", Counter())
        # Month period -> (scope, subject) -> count, loaded from the database on first use.
        self._months: dict[str, Counter[tuple[UsageScope, str]]] = {}

    def _month(self, period: str) -> Counter[tuple[UsageScope, str]]:
        month = self._months.get(period)
        if month is not None:
            return month
        with session_scope(self.engine) as reading:  # once a month: the caller's session stays untouched
            loaded = Counter(month_counts(session=reading, period=period))
        with self._lock:
            month = self._months.setdefault(period, loaded)
            for older in sorted(self._months)[:-2]:
                del self._months[older]
        return month

    def take(self, plan: Plan, session: Session | None = None) -> Used:
        month = self._month(plan.month.period)
        amount, subject = plan.amount, plan.subject
        user_month_key = (UsageScope.user, subject)
        with self._lock:
            period, minute = self._minute
            if period != plan.minute.period:
                minute = Counter()
                self._minute = (plan.minute.period, minute)
            checks = [(minute[""], plan.per_minute, plan.minute, UsageScope.account)]
            if plan.user.per_minute:
                checks.append((minute[subject], plan.user.per_minute, plan.minute, UsageScope.user))
            if plan.user.per_month:
                checks.append((month[user_month_key], plan.user.per_month, plan.month, UsageScope.user))
            checks.append((month[UsageScope.account, ""], plan.per_month, plan.month, UsageScope.account))
            for count, limit, window, scope in checks:
                if limit and count + amount > limit:
                    raise QuotaExhausted(window, limit, scope)
            minute[""] += amount
            month[UsageScope.account, ""] += amount
            month[user_month_key] += amount
            used: Used = {
                (UsageScope.account, Granularity.minute): minute[""],
                (UsageScope.account, Granularity.month): month[UsageScope.account, ""],
            }
            if plan.user.per_minute:
                minute[subject] += amount
                used[UsageScope.user, Granularity.minute] = minute[subject]
            if plan.user.per_month:
                used[UsageScope.user, Granularity.month] = month[user_month_key]
            self.pending.add(plan)
        return used

    def flush(self) -> int:
        return self.pending.flush()

    def prepare(self, now: datetime) -> None:
        self._month(window_at(Granularity.month, now).period)

    def used(self, window: Window, subject: str = "") -> int | None:
        with self._lock:
            if window.granularity is Granularity.minute:
                period, minute = self._minute
                return minute[subject] if period == window.period else 0
            month = self._months.get(window.period)
            if month is None:
                return None
            return month[(UsageScope.user, subject) if subject else (UsageScope.account, "")]
