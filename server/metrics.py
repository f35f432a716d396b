"""Prometheus metrics at ``GET /metrics``: tool calls by tool and outcome, their latency, refusals
at the /mcp edge, database connections in use.

With ``serve --workers N`` every worker counts into files under ``PROMETHEUS_MULTIPROC_DIR``
(``serve`` makes a fresh directory and exports it before any worker starts), and ``/metrics``
adds them up, so any worker answers for all. Without it (one process, tests) the default registry
is used. Counting is one increment per call, where ``server.requestlog.note_tool_call`` learns the
outcome. ``HELPDESK_METRICS_TOKEN``, when set, must come as ``Authorization: Bearer``.
"""

from __future__ import annotations

import hmac
import os

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
DB_CONNECTIONS = Gauge(
    "helpdesk_db_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)


def count_tool_call(tool: str, outcome: str, seconds: float | None) -> None:
    TOOL_CALLS.labels(tool, outcome).inc()
    if seconds is not None:
        TOOL_CALL_SECONDS.labels(tool).observe(seconds)


def count_auth_failure(kind: str) -> None:
    AUTH_FAILURES.labels(kind).inc()


def watch_pool(engine: Engine) -> None:
    """Keep ``helpdesk_db_connections_in_use`` current from the pool's checkout/checkin events."""
    event.listen(engine, "checkout", lambda *_: DB_CONNECTIONS.inc())
    event.listen(engine, "checkin", lambda *_: DB_CONNECTIONS.dec())


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
