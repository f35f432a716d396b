"""One log line per request, with its request id; the tool call's facts when it was one.

``RequestLogMiddleware`` is the outermost middleware. It takes the caller's ``X-Request-Id`` (when
it is a short token) or makes one, echoes it in the response, and after the response writes one
line: method, path (never the query string: ``/mcp?api_key=…`` must not reach a log), status,
duration, client address and request id. A ``tools/call`` adds, through ``note_tool_call`` (called
where the call's outcome is known), the tool, outcome, agent id and credential (kind and key
prefix or OAuth client id; never a secret). Health probes are not logged while they succeed.

Cost matters: this runs on every request (PERFORMANCE.md: ≤ 50 µs of CPU for a call's log lines),
so the line is one ``logging`` record with a small dict, formatted once.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import count_tool_call

logger = logging.getLogger("helpdesk.request")

REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTED_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
QUIET_PATHS = frozenset({"/healthz", "/readyz"})
# A tool name in the log line is the client's: no tool's is this long, a body's may be megabytes.
MAX_LOGGED_TOOL_NAME = 64


@dataclass(slots=True)
class RequestFacts:
    """What the layers below learn about the request, for its log line."""

    request_id: str
    tools: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    agent_id: int | None = None
    credential: str | None = None


current_facts: ContextVar[RequestFacts | None] = ContextVar("current_facts", default=None)


def note_tool_call(
    *,
    tool: str,
    outcome: str,
    agent_id: int | None = None,
    credential: str | None = None,
    seconds: float | None = None,
) -> None:
    """Record a tool call's outcome ("ok", "tool_error", "refused_quota", …): counted in the
    metrics, and kept for the request's log line."""
    count_tool_call(tool, outcome, seconds)
    facts = current_facts.get()
    if facts is None:
        return
    if len(tool) > MAX_LOGGED_TOOL_NAME:
        tool = tool[:MAX_LOGGED_TOOL_NAME] + "…"
    facts.tools.append(tool)
    facts.outcomes.append(outcome)
    if agent_id is not None:
        facts.agent_id = agent_id
    if credential is not None:
        facts.credential = credential


REFUSALS = {401: "refused_auth", 403: "refused_scope", 413: "refused_size", 429: "refused_quota"}


def refusal_outcome(status: int) -> str:
    """The outcome of a tool call the /mcp edge refused with ``status``."""
    return REFUSALS.get(status, f"refused_{status}")


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if _ACCEPTED_ID.fullmatch(value):
                return value.decode()
            break
    return secrets.token_hex(8)


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        facts = RequestFacts(request_id_of(scope["headers"]))
        token = current_facts.set(facts)
        status = 500  # what the client sees if the app fails before it answers
        echoed = (REQUEST_ID_HEADER, facts.request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_facts.reset(token)
            if status >= 400 or scope["path"] not in QUIET_PATHS:
                _log(scope, status, facts, started)


def _log(scope: Scope, status: int, facts: RequestFacts, started: float) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    fields: dict[str, Any] = {
        "request_id": facts.request_id,
        "method": scope["method"],
        "path": scope["path"],  # the path alone: the query string may carry a key
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "client": client[0] if client else None,
    }
    if facts.tools:
        fields["tool"] = ",".join(facts.tools)
        fields["outcome"] = ",".join(facts.outcomes)
        fields["agent_id"] = facts.agent_id
        fields["credential"] = facts.credential
    logger.info("request", extra={"fields": fields})
