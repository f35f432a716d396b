"""The quota gate of ``/mcp``: counts every admitted tool call against the account's quotas.

It runs in ``McpEndpoint`` after authentication and scope checks and before the SDK, so a call
it refuses never reaches a tool. Refusals are HTTP 429 with ``Retry-After`` and the rate-limit
fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers,
https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/), and a JSON-RPC error
whose message tells a model which quota ran out, its size and when it resets. Admitted
requests carry the same fields with what is left.

Where the counting happens (database, process memory or Redis) is the ``Counters`` the gate is
given (``server.quotas.counters``); the admins' per-user limits come from memory
(``server.quotas.overrides``). The headers' fixed parts are computed once a minute.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
import anyio.to_thread
from sqlmodel import Session

from domain.usage.models import Granularity, UsageScope
from domain.usage.periods import Window, window_at
from domain.usage.service import QuotaExhausted
from domain.usage.user_limits import UserLimits
from server.context import McpRequest
from server.mcp_endpoint import Refused
from server.mcp_messages import ToolCall
from server.outages import log_failure
from server.quotas.counters import FLUSH_SECONDS, Counters, Plan, Used
from server.quotas.overrides import OverrideCache

logger = logging.getLogger(__name__)

# JSON-RPC leaves -32000..-32099 to implementations; 29 echoes HTTP 429.
QUOTA_EXCEEDED = -32029


@dataclass(frozen=True, slots=True)
class QuotaLimits:
    """Tool calls per calendar minute and per calendar month (UTC) for the account, and the default
    for each user (an admin may set another for one user); 0 means no limit."""

    per_minute: int
    per_month: int
    user: UserLimits = field(default_factory=UserLimits)

    def of(self, granularity: Granularity) -> int:
        return self.per_minute if granularity is Granularity.minute else self.per_month


# A policy per quota, named for the draft's RateLimit fields; the user's carry the prefix "user-".
def _policy_name(scope: UsageScope, granularity: Granularity) -> str:
    return f"user-{granularity}" if scope is UsageScope.user else str(granularity)


def rate_limit_headers(limits: QuotaLimits, user: UserLimits, now: datetime, used: Used) -> dict[str, str]:
    """``RateLimit-Policy`` for every limit, ``RateLimit`` (remaining, seconds to reset) for ``used``."""
    policies, states = [], []
    for scope, granularity, limit in (
        (UsageScope.account, Granularity.minute, limits.per_minute),
        (UsageScope.account, Granularity.month, limits.per_month),
        (UsageScope.user, Granularity.minute, user.per_minute),
        (UsageScope.user, Granularity.month, user.per_month),
    ):
        if not limit:
            continue
        window = window_at(granularity, now)
        name = _policy_name(scope, granularity)
        policies.append(f'"{name}";q={limit};w={window.seconds}')
        if (scope, granularity) in used:
            remaining = max(0, limit - used[scope, granularity])
            states.append(f'"{name}";r={remaining};t={window.seconds_left(now)}')
    headers = {}
    if policies:
        headers["RateLimit-Policy"] = ", ".join(policies)
    if states:
        headers["RateLimit"] = ", ".join(states)
    return headers


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def quota_message(window: Window, limit: int, now: datetime, scope: UsageScope = UsageScope.account) -> str:
    resets = _timestamp(window.resets_at)
    whose = "your own quota as a user" if scope is UsageScope.user else "the account's quota"
    holder = "this user is allowed" if scope is UsageScope.user else "this account allows"
    if window.granularity is Granularity.minute:
        return (
            f"Quota exceeded ({whose}): {holder} {limit} tool calls per minute and has used them all. "
            f"The per-minute quota resets at {resets} (in {window.seconds_left(now)} seconds); "
            "wait until then before calling tools again."
        )
    return (
        f"Quota exceeded ({whose}): {holder} {limit} tool calls per calendar month (UTC) and has used "
        f"them all. The monthly quota resets at {resets}; no tool call can succeed before then, so tell "
        "the user (an admin of the helpdesk can raise the monthly quota)."
    )


def quota_refusal(
    limits: QuotaLimits, user: UserLimits, exhausted: QuotaExhausted, now: datetime, calls: list[ToolCall]
) -> Refused:
    """HTTP 429 with ``Retry-After``, the rate-limit fields and a JSON-RPC error for the request."""
    window = exhausted.window
    retry_after = window.seconds_left(now)
    per_user = "per_user_" if exhausted.scope is UsageScope.user else "per_"
    body: dict[str, Any] = {
        "jsonrpc": "2.0",
        "id": calls[0].id if len(calls) == 1 else None,
        "error": {
            "code": QUOTA_EXCEEDED,
            "message": quota_message(window, exhausted.limit, now, exhausted.scope),
            "data": {
                "quota": f"{per_user}{window.granularity}",
                "limit": exhausted.limit,
                "period": window.period,
                "resets_at": _timestamp(window.resets_at),
                "retry_after_seconds": retry_after,
            },
        },
    }
    headers = {
        "Retry-After": str(retry_after),
        **rate_limit_headers(limits, user, now, {(exhausted.scope, window.granularity): exhausted.limit}),
    }
    return Refused(429, body, headers)


@dataclass(frozen=True, slots=True)
class _Minute:
    """What every admission of one calendar minute shares: its windows, their reset times as
    timestamps, and the ``RateLimit-Policy`` field for each set of user limits seen."""

    minute: Window
    month: Window
    minute_resets: float
    month_resets: float
    policies: dict[UserLimits, str]

    @classmethod
    def at(cls, now: datetime) -> _Minute:
        minute, month = window_at(Granularity.minute, now), window_at(Granularity.month, now)
        return cls(minute, month, minute.resets_at.timestamp(), month.resets_at.timestamp(), {})


class QuotaGate:
    """A ``ToolCallGate``: admits a request's tool calls only if every quota has room for all of them.

    The caller's limits are an admin's override (from memory) or the per-user default; the
    ``counters`` check and count every quota at once, so a refused call consumes nothing
    anywhere. Calls to names that are not tools reach no tool (the SDK answers "unknown tool")
    and are not counted. ``run_forever`` (the application's lifespan runs it) writes the counts
    kept outside the database and keeps the overrides fresh; ``flush`` writes them at once.
    """

    def __init__(
        self,
        *,
        counters: Counters,
        overrides: OverrideCache,
        limits: QuotaLimits,
        clock: Callable[[], datetime],
        is_tool: Callable[[str], bool] = lambda _name: True,
    ) -> None:
        self.counters = counters
        self.overrides = overrides
        self.limits = limits
        self.clock = clock
        self.is_tool = is_tool
        self._minute: tuple[int, _Minute] | None = None

    def admit(
        self, request: McpRequest, calls: list[ToolCall], *, session: Session | None = None
    ) -> dict[str, str]:
        """Headers for admitted calls, or ``Refused`` (429). Thread-safe. ``session``: the caller's,
        used (and committed) where the counting needs the database, instead of a new one; it must
        hold no pending work. In memory mode nothing here touches the database once the month and
        the overrides are loaded (the background task loads them)."""
        tools = [call.name for call in calls if self.is_tool(call.name)]
        if not tools:
            return {}
        now = self.clock()
        timestamp = now.timestamp()
        shared = self._shared(now, timestamp)
        agent_id = request.caller.agent_id
        user = self.overrides.limits(agent_id, self.limits.user, session)
        plan = Plan(
            shared.minute, shared.month, agent_id, tools, self.limits.per_minute, self.limits.per_month, user
        )
        try:
            used = self.counters.take(plan, session)
        except QuotaExhausted as exhausted:
            raise quota_refusal(self.limits, user, exhausted, now, calls) from None
        return self._headers(shared, user, timestamp, used)

    def _shared(self, now: datetime, timestamp: float) -> _Minute:
        index = int(timestamp // 60)
        cached = self._minute
        if cached is None or cached[0] != index:
            cached = (index, _Minute.at(now))
            self._minute = cached
        return cached[1]

    def _headers(self, shared: _Minute, user: UserLimits, timestamp: float, used: Used) -> dict[str, str]:
        """``rate_limit_headers`` with the fixed parts from ``shared`` (same fields, same order)."""
        policy = shared.policies.get(user)
        if policy is None:
            policy = rate_limit_headers(self.limits, user, shared.minute.starts_at, {}).get(
                "RateLimit-Policy", ""
            )
            shared.policies[user] = policy
        if not policy:
            return {}
        states = []
        for scope, granularity, limit in (
            (UsageScope.account, Granularity.minute, self.limits.per_minute),
            (UsageScope.account, Granularity.month, self.limits.per_month),
            (UsageScope.user, Granularity.minute, user.per_minute),
            (UsageScope.user, Granularity.month, user.per_month),
        ):
            count = used.get((scope, granularity))
            if not limit or count is None:
                continue
            resets = shared.minute_resets if granularity is Granularity.minute else shared.month_resets
            left = max(1, math.ceil(resets - timestamp))
            states.append(f'"{_policy_name(scope, granularity)}";r={max(0, limit - count)};t={left}')
        headers = {"RateLimit-Policy": policy}
        if states:
            headers["RateLimit"] = ", ".join(states)
        return headers

    def flush(self) -> int:
        """Write the counts kept outside the database (memory, Redis) now; the counters written."""
        return self.counters.flush()

    def tick(self) -> None:
        """One round of the background task: flush, re-read the overrides' generation, load the
        current month (memory) so that admissions find it."""
        self.flush()
        try:
            self.overrides.refresh(force=True)
            self.counters.prepare(self.clock())
        except Exception as exc:
            log_failure(logger, exc, "could not refresh the quota overrides or month (retried in a moment)")

    async def run_forever(self) -> None:
        """Until cancelled: a ``tick`` at once, then every ``FLUSH_SECONDS`` (or the overrides'
        check interval, if shorter). The lifespan flushes once more after the last request."""
        interval = self.overrides.freshness.interval
        period = min(FLUSH_SECONDS, interval) if interval > 0 else FLUSH_SECONDS
        self.overrides.background = True
        try:
            while True:
                await anyio.to_thread.run_sync(self.tick)
                await anyio.sleep(period)
        finally:
            self.overrides.background = False

    def used(self, window: Window, subject: str = "") -> int | None:
        """The count the counters hold for ``window`` (None: the database's row is the count)."""
        return self.counters.used(window, subject)
