"""Quota counters in Redis: every quota of an admission checked and moved by one Lua script.

The script reads every counter of the admission (the account's minute and month, the user's
month, and the user's minute when limited), refuses if any would pass its limit, and otherwise
increments them all: atomic across every worker and replica, one round trip, no database write
on the request path. Minutes expire on their own; months live until a week after their end.

A month is never started from zero by guesswork: a month key Redis does not hold (first use,
a restarted or flushed Redis) makes the script answer "unseeded" without counting anything;
the worker then sets it (``SET NX``: the first worker to do so wins) to the database's row plus
what this worker admitted and has not flushed yet, and runs the script again. Other workers'
unflushed calls (at most their last ``FLUSH_SECONDS``) are missing from a re-seeded month:
after a Redis flush, the month may admit that many calls too many. The database learns the
months (and the per-tool and per-user breakdown) from ``Pending``, as in memory mode.

Leases: with room to spare, one run of the script counts more than the call in hand: it also
reserves up to ``LEASE_CALLS`` - 1 calls for this worker (never more than ``1/LEASE_SHARE`` of the
smallest room any quota has left), which the worker then admits on its own, with no round trip,
for the same minute, month and user. Reserved calls are counted in Redis like admitted ones, so no
quota is ever passed; what a worker has not spent goes back at its next flush (at most
``FLUSH_SECONDS`` later) and when it stops. Until then, another worker may be refused calls that
lease still holds: at most 1/64 of the room left when it was taken, for at most ``FLUSH_SECONDS``;
near a limit (less than 64 calls left) no lease is taken and every call asks Redis. A worker killed
with SIGKILL never returns its lease: its month then stays counted too high by at most
``LEASE_CALLS`` - 1 calls. Under heavy use (the only time a round trip per call costs anything
that matters) a worker asks Redis once per ~64 calls instead of once per call.

Redis unreachable: the admission is counted in the database instead (``DatabaseCounters``,
exact among the workers that fall back); the outage is logged once when it starts and once when
it ends. Calls counted in the database during an outage are not in Redis's months if Redis
kept its data: the month may then admit that many calls too many after the outage. Leases held
when Redis went away are spent first; returning them waits for Redis.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import redis
from redis.exceptions import RedisError
from sqlmodel import Session

from domain.db import session_scope
from domain.outages import outages
from domain.usage.models import Granularity, UsageScope
from domain.usage.periods import Window, window_at
from domain.usage.service import CounterKey, QuotaExhausted, counter
from server.outages import log_failure
from server.quotas.counters import (
    LEASE_CALLS,
    LEASE_SHARE,
    DatabaseCounters,
    Lease,
    Leases,
    Pending,
    Plan,
    Used,
)

logger = logging.getLogger(__name__)

KEY_PREFIX = "helpdesk/quota/"
REDIS_TIMEOUT = 0.5
# Twice the window: a key outlives its minute even when processes' clocks differ a little.
MINUTE_EXPIRY = 120
MONTH_GRACE = timedelta(days=7)
STORAGE = "redis (quota counters)"
SEED_ATTEMPTS = 3

# KEYS: the counters. ARGV[1]: calls to add; ARGV[2]: calls to lease at most beyond them; ARGV[3]:
# the share of the room a lease may take (1/ARGV[3]); then for key i: ARGV[3i+1] its limit (0:
# none), ARGV[3i+2] its expiry in seconds, ARGV[3i+3] "1" when it must exist (a month: seeded
# first). Answers {0, i, ...}: keys i must be seeded, nothing counted; {-1, i}: key i is over its
# limit, nothing counted; {1, leased, count1, count2, ...}: all counted, the lease included.
SCRIPT = """
local amount, most, share = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local counts, missing = {}, {}
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value then
    counts[i] = tonumber(value)
  elseif ARGV[3 * i + 3] == '1' then
    missing[#missing + 1] = i
  else
    counts[i] = 0
  end
end
if #missing > 0 then
  return {0, unpack(missing)}
end
local leased = most
for i = 1, #KEYS do
  local limit = tonumber(ARGV[3 * i + 1])
  if limit > 0 then
    local room = limit - counts[i] - amount
    if room < 0 then
      return {-1, i}
    end
    leased = math.min(leased, math.floor(room / share))
  end
end
local total = amount + leased
local answer = {1, leased}
for i = 1, #KEYS do
  local count = redis.call('INCRBY', KEYS[i], total)
  if count == total then
    redis.call('EXPIRE', KEYS[i], tonumber(ARGV[3 * i + 2]))
  end
  answer[#answer + 1] = count
end
return answer
"""

# Gives back what leases did not spend: KEYS the counters of one lease, ARGV[1] the calls. A key
# that expired meanwhile is not brought back (a minute that is over).
RETURN_SCRIPT = """
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('DECRBY', KEYS[i], tonumber(ARGV[1]))
  end
end
return 1
"""


def _used(quotas: list[tuple[Window, str, int, UsageScope]], lease: Lease[list[int]]) -> Used:
    """The counts an admission leaves, as this worker knows them: Redis's at the lease, less what
    the lease still holds."""
    used: Used = {}
    for (window, _, limit, scope), count in zip(quotas, lease.counts, strict=True):
        if limit or scope is UsageScope.account:
            used[scope, window.granularity] = count - lease.left
    return used


def redis_key(window: Window, subject: str = "") -> str:
    user = f"/user/{subject}" if subject else ""
    return f"{KEY_PREFIX}{window.granularity}/{window.period}{user}"


class RedisCounters:
    def __init__(self, url: str, pending: Pending, fallback: DatabaseCounters) -> None:
        self.client: Any = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        self.script = self.client.register_script(SCRIPT)
        self.return_script = self.client.register_script(RETURN_SCRIPT)
        self.pending = pending
        self.fallback = fallback
        self.engine = fallback.engine
        # Leases by their counters' keys (one minute, one month, one user), with the counters'
        # values in Redis when each was taken (the whole lease included).
        self._leases: Leases[tuple[str, ...], list[int]] = Leases()

    def take(self, plan: Plan, session: Session | None = None) -> Used:
        # The quotas in the order a refusal names them: the first one short of room.
        subject = plan.subject
        quotas: list[tuple[Window, str, int, UsageScope]] = [
            (plan.minute, "", plan.per_minute, UsageScope.account)
        ]
        if plan.user.per_minute:
            quotas.append((plan.minute, subject, plan.user.per_minute, UsageScope.user))
        quotas.append((plan.month, subject, plan.user.per_month, UsageScope.user))
        quotas.append((plan.month, "", plan.per_month, UsageScope.account))
        keys = tuple(redis_key(window, who) for window, who, _, _ in quotas)
        amount = plan.amount
        spent = self._leases.spend(keys, amount)
        if isinstance(spent, Lease):  # counted in Redis already
            self.pending.add(plan)
            return _used(quotas, spent)
        refill = spent
        try:
            month_expiry = int((plan.month.resets_at + MONTH_GRACE - plan.minute.starts_at).total_seconds())
            arguments: list[int] = [amount, max(0, LEASE_CALLS - amount) if refill else 0, LEASE_SHARE]
            for window, _, limit, _ in quotas:
                monthly = window.granularity is Granularity.month
                arguments += [limit, month_expiry if monthly else MINUTE_EXPIRY, 1 if monthly else 0]
            try:
                answer = self._run(list(keys), arguments, quotas, month_expiry)
            except RedisError as exc:
                outages.failed(STORAGE, exc, consequence="counting the quotas in the database")
                return self.fallback.take(plan, session)
            outages.recovered(STORAGE)
            if answer[0] == -1:
                window, _, limit, scope = quotas[int(answer[1]) - 1]
                raise QuotaExhausted(window, limit, scope)
            self.pending.add(plan)
            fresh = Lease(int(answer[1]), [int(count) for count in answer[2:]])
            if refill:
                self._leases.settle(keys, fresh.left, fresh.counts)
                refill = False
            return _used(quotas, fresh)
        finally:
            if refill:
                self._leases.abandon(keys)

    def _run(
        self,
        keys: list[str],
        arguments: list[int],
        quotas: list[tuple[Window, str, int, UsageScope]],
        expiry: int,
    ) -> list[Any]:
        for _ in range(SEED_ATTEMPTS):
            answer: list[Any] = self.script(keys=keys, args=arguments)
            if answer[0] != 0:
                return answer
            for index in answer[1:]:
                window, subject, _, scope = quotas[int(index) - 1]
                self._seed(keys[int(index) - 1], (window.granularity, window.period, scope, subject), expiry)
        raise RedisError("quota month keys vanished while being seeded")

    def _seed(self, key: str, row: CounterKey, expiry: int) -> None:
        """Start a month key at the database's count plus this worker's unflushed calls (in a
        transaction of its own: it is rare, and the caller's session stays untouched)."""
        with self.pending.flushing, session_scope(self.engine) as reading:
            count = counter(session=reading, key=row) + self.pending.of(row)
        self.client.set(key, count, nx=True, ex=max(expiry, 60))

    def flush(self) -> int:
        self.return_leases()
        return self.pending.flush()

    def return_leases(self) -> None:
        """Give Redis back every call a lease holds (one round trip); kept for the next flush if
        Redis cannot be reached."""
        unspent = self._leases.drain()
        if not unspent:
            return
        try:
            with self.client.pipeline(transaction=False) as pipeline:
                for keys, lease in unspent:
                    self.return_script(keys=list(keys), args=[lease.left], client=pipeline)
                pipeline.execute()
        except RedisError as exc:
            log_failure(
                logger, exc, f"could not return {len(unspent)} quota leases to Redis; retried next flush"
            )
            self._leases.restore(unspent)

    def prepare(self, now: datetime) -> None:
        return None

    def used(self, window: Window, subject: str = "") -> int | None:
        """The count in Redis, calls leased and not yet spent included (``flush`` returns this
        worker's first); a month Redis does not hold, or Redis unreachable: None, the database's
        row then."""
        try:
            value = self.client.get(redis_key(window, subject))
        except RedisError:
            return None
        if value is None:
            return 0 if window.granularity is Granularity.minute else None
        return int(value)


def current_minute_key(now: datetime) -> str:
    """The account's minute key at ``now`` (tests read it)."""
    return redis_key(window_at(Granularity.minute, now))
