"""Prometheus metrics at ``GET /metrics``: tool calls by tool and outcome, their latency, refusals
at the /mcp edge (auth failures by kind, quota refusals by quota), OAuth events (registrations,
grants, code exchanges, refreshes, revocations), database connections in use.

With ``serve --workers N`` every worker counts into files under ``PROMETHEUS_MULTIPROC_DIR``
(``serve`` makes a fresh directory and exports it before any worker starts), and ``/metrics``
adds them up, so any worker answers for all. Without it (one process, tests) the default registry
is used. Counting is one increment per call, where ``server.requestlog.note_tool_call`` learns the
outcome. ``HELPDESK_METRICS_TOKEN``, when set, must come as ``Authorization: Bearer``.

Calls are labelled with the tools this server has (``label_tools``); a call naming any other tool
is counted as ``unknown``. The name comes from the client, refused calls are counted too (a 401
before any credential is checked), and each label value is a series kept in memory and sent on
every scrape: labelled as sent, any client could grow both without end.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
PATH = "/metrics"

TOOL_CALLS = Counter(
    "helpdesk_tool_calls", "Tool calls by tool and outcome (ok, tool_error, refused_*).", ["tool", "outcome"]
)
TOOL_CALL_SECONDS = Histogram(
    "helpdesk_tool_call_duration_seconds",
    "Time spent in a tool call, from the SDK handing it over to its answer.",
    ["tool"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUTH_FAILURES = Counter(
    "helpdesk_auth_failures", "Requests to the MCP endpoints refused for their credential, by kind.", ["kind"]
)
QUOTA_REFUSALS = Counter(
    "helpdesk_quota_refusals",
    "Tool calls refused by a quota, by quota (per_minute, per_month, per_user_minute, per_user_month).",
    ["quota"],
)
OAUTH_EVENTS = Counter(
    "helpdesk_oauth_events",
    "OAuth events: registration, grant (consent approved), code_exchange, refresh, revocation.",
    ["event"],
)
DB_CONNECTIONS = Gauge(
    "helpdesk_db_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)


UNKNOWN_TOOL = "unknown"  # the tool label of a call naming a tool this server does not have
_known_tools: frozenset[str] = frozenset()
# The labelled counter and histogram of each (tool, outcome) counted so far: both bounded.
_children: dict[tuple[str, str], tuple[Any, Any]] = {}


def label_tools(names: Iterable[str]) -> None:
    """Count calls to ``names`` under their own label (added to those named before); calls to any
    other name are counted as ``unknown``."""
    global _known_tools
    _known_tools = _known_tools | frozenset(names)


def count_tool_call(tool: str, outcome: str, seconds: float | None) -> None:
    label = tool if tool in _known_tools else UNKNOWN_TOOL
    children = _children.get((label, outcome))
    if children is None:  # labels() takes a lock and builds a tuple: once per pair, not per call
        children = TOOL_CALLS.labels(label, outcome), TOOL_CALL_SECONDS.labels(label)
        _children[(label, outcome)] = children
    children[0].inc()
    if seconds is not None:
        children[1].observe(seconds)


def count_auth_failure(kind: str) -> None:
    AUTH_FAILURES.labels(kind).inc()


def count_quota_refusal(quota: str) -> None:
    QUOTA_REFUSALS.labels(quota).inc()


def watch_pool(engine: Engine) -> None:
    """Keep ``helpdesk_db_connections_in_use`` current from the pool's checkout/checkin events."""
    event.listen(engine, "checkout", lambda *_: DB_CONNECTIONS.inc())
    event.listen(engine, "checkin", lambda *_: DB_CONNECTIONS.dec())


_TOKEN_BODY_KEPT = 4096  # enough for any grant_type field; /token bodies are small forms
_OAUTH_PATHS = frozenset({"/register", "/token", "/revoke", "/authorize/consent"})


def _oauth_event(path: str, status: int, location: bytes, token_form: bytes) -> str | None:
    """The OAuth event an answer stands for, read from what the endpoint answered."""
    if path == "/register":
        return "registration" if status == 201 else None
    if path == "/revoke":
        return "revocation" if status == 200 else None
    if path == "/authorize/consent":
        return "grant" if 300 <= status < 400 and b"code=" in location else None
    if status != 200:
        return None
    grant_type = parse_qs(token_form.decode("latin-1")).get("grant_type", [""])[0]
    return {"authorization_code": "code_exchange", "refresh_token": "refresh"}.get(grant_type)


class OAuthMetricsMiddleware:
    """Counts OAuth events from the answers of the OAuth endpoints, so ``auth/`` knows nothing of
    metrics: a 201 from /register, a consent redirect carrying a code, a 200 from /token by its
    grant type, a 200 from /revoke."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "POST" or path not in _OAUTH_PATHS:
            await self.app(scope, receive, send)
            return
        form = bytearray()
        event: str | None = None

        async def receive_watching() -> Message:
            message = await receive()
            if path == "/token" and message["type"] == "http.request" and len(form) < _TOKEN_BODY_KEPT:
                form.extend(message.get("body", b"")[: _TOKEN_BODY_KEPT - len(form)])
            return message

        async def send_watching(message: Message) -> None:
            nonlocal event
            if message["type"] == "http.response.start":
                location = dict(message.get("headers", ())).get(b"location", b"")
                event = _oauth_event(path, message["status"], location, bytes(form))
            await send(message)

        await self.app(scope, receive_watching, send_watching)
        if event is not None:
            OAUTH_EVENTS.labels(event).inc()


def _exposition() -> bytes:
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def metrics_routes(*, token: str | None) -> list[BaseRoute]:
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return JSONResponse(
                    {
                        "error": "unauthorized",
                        "error_description": "Send HELPDESK_METRICS_TOKEN as a Bearer token.",
                    },
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
        return Response(_exposition(), media_type=CONTENT_TYPE_LATEST)

    return [Route(PATH, metrics, methods=["GET"])]
