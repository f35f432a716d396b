"""The quota gate of ``/mcp``: counts every admitted tool call against the account's quotas.

It runs in ``McpEndpoint`` after authentication and scope checks and before the SDK, so a call
it refuses never reaches a tool. Refusals are HTTP 429 with ``Retry-After`` and the rate-limit
fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers,
https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/), and a JSON-RPC error
whose message tells a model which quota ran out, its size and when it resets. Admitted
requests carry the same fields with what is left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from limits.errors import StorageError
from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.outages import outages
from domain.usage.models import Granularity, UsageScope
from domain.usage.periods import Window, window_at
from domain.usage.service import Consumed, QuotaExhausted, consume_calls, forget_minutes_before
from domain.usage.user_limits import UserLimits, limits_for
from server.context import McpRequest
from server.mcp_endpoint import Refused
from server.mcp_messages import ToolCall
from server.quotas.windows import MinuteWindowStore

logger = logging.getLogger(__name__)

# Redis down: the minute windows are counted in the database (exact, slower) until it is back;
# the outage is logged once when it starts and once when it ends (``domain.outages``).
MINUTE_STORAGE = "redis (minute quota window)"

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
Used = dict[tuple[UsageScope, Granularity], int]


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


class QuotaGate:
    """A ``ToolCallGate``: admits a request's tool calls only if every quota has room for all of them.

    One transaction reads the caller's limits (an admin's override, else the per-user default),
    takes the minute windows (the account's, then the user's, from ``minute_store``; or inside
    the transaction when there is none), then the months in the database. A refusal anywhere
    gives back what was taken, so a refused call consumes nothing anywhere. Calls to names that
    are not tools reach no tool (the SDK answers "unknown tool") and are not counted.
    """

    def __init__(
        self,
        *,
        engine: Engine,
        limits: QuotaLimits,
        minute_store: MinuteWindowStore | None,
        clock: Callable[[], datetime],
        is_tool: Callable[[str], bool] = lambda _name: True,
    ) -> None:
        self.engine = engine
        self.limits = limits
        self.minute_store = minute_store
        self.clock = clock
        self.is_tool = is_tool

    def admit(self, request: McpRequest, calls: list[ToolCall]) -> dict[str, str]:
        tools = [call.name for call in calls if self.is_tool(call.name)]
        if not tools:
            return {}
        now = self.clock()
        agent_id = request.caller.agent_id
        user = self.limits.user
        # What was taken from the minute store, to give back if the admission fails: subjects.
        taken: list[str] = []
        try:
            with session_scope(self.engine) as session:
                user = limits_for(session, agent_id=agent_id, defaults=self.limits.user)
                in_store = self._take_minutes(now, len(tools), agent_id, user, taken, calls)
                consumed = consume_calls(
                    session=session,
                    now=now,
                    agent_id=agent_id,
                    tools=tools,
                    per_month=self.limits.per_month,
                    per_minute=self.limits.per_minute,
                    count_minute=in_store is None,
                    user=user,
                )
        except QuotaExhausted as exhausted:
            self._give_back(taken, now, len(tools))
            raise quota_refusal(self.limits, user, exhausted, now, calls) from None
        except BaseException:
            self._give_back(taken, now, len(tools))
            raise
        if consumed.minute == len(tools):
            self._forget_past_minutes(now)
        return rate_limit_headers(self.limits, user, now, _used(consumed, in_store, str(agent_id)))

    def _take_minutes(
        self,
        now: datetime,
        amount: int,
        agent_id: int,
        user: UserLimits,
        taken: list[str],
        calls: list[ToolCall],
    ) -> dict[str, int] | None:
        """Take the account's minute, then the user's (if limited), from the minute store, if there
        is one: the counts by subject ("" for the account), or None to count in the database.

        A store that fails (Redis unreachable) gives back what it took and lets the database
        count the minutes: the months, in the database, stay exact.
        """
        store = self.minute_store
        if store is None:
            return None
        wanted = [("", self.limits.per_minute, UsageScope.account)]
        if user.per_minute:
            wanted.append((str(agent_id), user.per_minute, UsageScope.user))
        counts: dict[str, int] = {}
        try:
            for subject, limit, scope in wanted:
                count = store.take(now, amount, limit, subject=subject)
                if count is None:
                    raise QuotaExhausted(window_at(Granularity.minute, now), limit, scope)
                taken.append(subject)
                counts[subject] = count
        except StorageError as exc:
            outages.failed(MINUTE_STORAGE, exc, consequence="counting the minute quotas in the database")
            self._give_back(taken, now, amount)
            taken.clear()
            return None
        outages.recovered(MINUTE_STORAGE)
        return counts

    def _give_back(self, taken: list[str], now: datetime, amount: int) -> None:
        store = self.minute_store
        if store is None:
            return
        for subject in taken:
            try:
                store.give_back(now, amount, subject=subject)
            except StorageError as exc:  # the outage is logged once, where it was first seen
                outages.failed(MINUTE_STORAGE, exc, consequence="counting the minute quotas in the database")

    def _forget_past_minutes(self, now: datetime) -> None:
        """First calls of a minute: delete older minute rows, in a transaction of their own."""
        try:
            with session_scope(self.engine) as session:
                forget_minutes_before(session=session, now=now)
        except Exception:
            logger.exception("could not delete past minute counters (they are retried next minute)")


def _used(consumed: Consumed, in_store: dict[str, int] | None, subject: str) -> Used:
    """The counts an admission left, for the ``RateLimit`` field."""
    used: Used = {(UsageScope.account, Granularity.month): consumed.month}
    minute = consumed.minute if in_store is None else in_store.get("")
    user_minute = consumed.user_minute if in_store is None else in_store.get(subject)
    if minute is not None:
        used[UsageScope.account, Granularity.minute] = minute
    if user_minute is not None:
        used[UsageScope.user, Granularity.minute] = user_minute
    if consumed.user_month is not None:
        used[UsageScope.user, Granularity.month] = consumed.user_month
    return used
