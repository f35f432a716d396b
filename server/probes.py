"""Health probes for load balancers and orchestrators: ``/healthz`` (the process answers) and
``/readyz`` (the database, and Redis when configured, answer).

Probes come from the platform, addressed to the pod or target IP rather than the public host name,
so ``EdgeMiddleware`` lets these two paths through whatever the ``Host``. A failing probe repeats
every few seconds: readiness logs one line when it changes, never a traceback per probe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

logger = logging.getLogger(__name__)

PROBE_PATHS = frozenset({"/healthz", "/readyz"})
# A probe must answer before the platform's own timeout (commonly 1 s): a dependency that takes
# longer counts as down.
REDIS_TIMEOUT_SECONDS = 0.5

Check = Callable[[], None]


def database_check(engine: Engine) -> Check:
    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return ping


def redis_check(redis_url: str) -> Check:
    from redis import Redis

    client = Redis.from_url(
        redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )

    def ping() -> None:
        client.ping()

    return ping


class Readiness:
    """Runs each dependency's check; remembers the last verdict so that only changes are logged."""

    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self._failing: dict[str, str] | None = None  # None: nothing reported yet

    async def respond(self, _: Request) -> JSONResponse:
        body: dict[str, str] = {}
        failing: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                await anyio.to_thread.run_sync(check)
                body[name] = "ok"
            except Exception as exc:
                body[name] = "unreachable"
                failing[name] = _one_line(exc)
        self._report(failing)
        if failing:
            return JSONResponse({"status": "unavailable", **body}, status_code=503)
        return JSONResponse({"status": "ready", **body})

    def _report(self, failing: dict[str, str]) -> None:
        previous, self._failing = self._failing, failing
        if previous is None and not failing:
            return  # ready from the start: the normal case, nothing to say
        if failing and (previous is None or failing.keys() != previous.keys()):
            reasons = "; ".join(f"{name}: {reason}" for name, reason in failing.items())
            logger.warning("not ready: %s", reasons)
        elif not failing and previous:
            logger.info("ready again: %s answer", ", ".join(self.checks))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


async def _healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def probe_routes(*, engine: Engine, redis_url: str | None) -> list[BaseRoute]:
    checks = {"database": database_check(engine)}
    if redis_url:
        checks["redis"] = redis_check(redis_url)
    return [
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/readyz", Readiness(checks).respond, methods=["GET"]),
    ]
