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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from limits.errors import StorageError
from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.usage.models import Granularity
from domain.usage.periods import Window, window_at
from domain.usage.service import QuotaExhausted, consume_calls, forget_minutes_before
from server.context import McpRequest
from server.mcp_endpoint import Refused
from server.mcp_messages import ToolCall
from server.quotas.windows import MinuteWindowStore

logger = logging.getLogger(__name__)

# JSON-RPC leaves -32000..-32099 to implementations; 29 echoes HTTP 429.
QUOTA_EXCEEDED = -32029


@dataclass(frozen=True, slots=True)
class QuotaLimits:
    """Tool calls per calendar minute and per calendar month (UTC); 0 means no limit."""

    per_minute: int
    per_month: int

    def of(self, granularity: Granularity) -> int:
        return self.per_minute if granularity is Granularity.minute else self.per_month


def rate_limit_headers(limits: QuotaLimits, now: datetime, used: dict[Granularity, int]) -> dict[str, str]:
    """``RateLimit-Policy`` for every limit, ``RateLimit`` (remaining, seconds to reset) for ``used``."""
    policies, states = [], []
    for granularity in (Granularity.minute, Granularity.month):
        limit = limits.of(granularity)
        if not limit:
            continue
        window = window_at(granularity, now)
        policies.append(f'"{granularity}";q={limit};w={window.seconds}')
        if granularity in used:
            remaining = max(0, limit - used[granularity])
            states.append(f'"{granularity}";r={remaining};t={window.seconds_left(now)}')
    headers = {}
    if policies:
        headers["RateLimit-Policy"] = ", ".join(policies)
    if states:
        headers["RateLimit"] = ", ".join(states)
    return headers


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def quota_message(window: Window, limit: int, now: datetime) -> str:
    resets = _timestamp(window.resets_at)
    if window.granularity is Granularity.minute:
        return (
            f"Quota exceeded: this account allows {limit} tool calls per minute and has used them all. "
            f"The per-minute quota resets at {resets} (in {window.seconds_left(now)} seconds); "
            "wait until then before calling tools again."
        )
    return (
        f"Quota exceeded: this account allows {limit} tool calls per calendar month (UTC) and has used "
        f"them all. The monthly quota resets at {resets}; no tool call can succeed before then, so tell "
        "the user (an admin of the helpdesk can raise the monthly quota)."
    )


def quota_refusal(
    limits: QuotaLimits, exhausted: QuotaExhausted, now: datetime, calls: list[ToolCall]
) -> Refused:
    """HTTP 429 with ``Retry-After``, the rate-limit fields and a JSON-RPC error for the request."""
    window = exhausted.window
    retry_after = window.seconds_left(now)
    body: dict[str, Any] = {
        "jsonrpc": "2.0",
        "id": calls[0].id if len(calls) == 1 else None,
        "error": {
            "code": QUOTA_EXCEEDED,
            "message": quota_message(window, exhausted.limit, now),
            "data": {
                "quota": f"per_{window.granularity}",
                "limit": exhausted.limit,
                "period": window.period,
                "resets_at": _timestamp(window.resets_at),
                "retry_after_seconds": retry_after,
            },
        },
    }
    headers = {
        "Retry-After": str(retry_after),
        **rate_limit_headers(limits, now, {window.granularity: exhausted.limit}),
    }
    return Refused(429, body, headers)


class QuotaGate:
    """A ``ToolCallGate``: admits a request's tool calls only if every quota has room for all of them.

    The minute window is taken first (from ``minute_store``, or inside the database transaction
    when there is none), then the month in the database; a refusal by the month gives the
    minute back, so a refused call consumes nothing anywhere. Calls to names that are not tools
    reach no tool (the SDK answers "unknown tool") and are not counted.
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
        # ``store`` is where the minute was taken, None when it is to be counted in the database.
        store, minute = self._take_minute(now, len(tools), calls)
        try:
            with session_scope(self.engine) as session:
                consumed = consume_calls(
                    session=session,
                    now=now,
                    agent_id=request.caller.agent_id,
                    tools=tools,
                    per_month=self.limits.per_month,
                    per_minute=self.limits.per_minute,
                    count_minute=store is None,
                )
        except QuotaExhausted as exhausted:
            self._give_back_minute(store, now, len(tools))
            raise quota_refusal(self.limits, exhausted, now, calls) from None
        except BaseException:
            self._give_back_minute(store, now, len(tools))
            raise
        if consumed.minute == len(tools):
            self._forget_past_minutes(now)
        minute = consumed.minute if store is None else minute
        assert minute is not None
        return rate_limit_headers(
            self.limits, now, {Granularity.minute: minute, Granularity.month: consumed.month}
        )

    def _take_minute(
        self, now: datetime, amount: int, calls: list[ToolCall]
    ) -> tuple[MinuteWindowStore | None, int | None]:
        """Take from the minute store, if there is one: (the store to give back to, the count).

        A store that fails (Redis unreachable) admits on the monthly quota alone rather than
        failing every tool call: the month, in the database, stays exact.
        """
        store = self.minute_store
        if store is None:
            return None, None
        try:
            minute = store.take(now, amount, self.limits.per_minute)
        except StorageError:
            logger.warning(
                "minute quota storage unavailable; admitting on the monthly quota alone", exc_info=True
            )
            return None, None
        if minute is None:
            exhausted = QuotaExhausted(window_at(Granularity.minute, now), self.limits.per_minute)
            raise quota_refusal(self.limits, exhausted, now, calls)
        return store, minute

    @staticmethod
    def _give_back_minute(store: MinuteWindowStore | None, now: datetime, amount: int) -> None:
        if store is None:
            return
        try:
            store.give_back(now, amount)
        except StorageError:
            logger.warning("could not give back %d call(s) to the minute window", amount, exc_info=True)

    def _forget_past_minutes(self, now: datetime) -> None:
        """First calls of a minute: delete older minute rows, in a transaction of their own."""
        try:
            with session_scope(self.engine) as session:
                forget_minutes_before(session=session, now=now)
        except Exception:
            logger.exception("could not delete past minute counters (they are retried next minute)")
