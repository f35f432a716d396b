"""A database or Redis that does not answer is a ``503`` with ``Retry-After``, never a 500.

``OutageMiddleware`` sits inside the request log and outside every route: an error from the
database driver (connection refused, server gone, pool exhausted) or from Redis that reaches it
before the response has started becomes a JSON ``503 temporarily_unavailable``, and the outage is
logged once (``domain.outages``) until a request gets through again. Errors of any other kind pass
through unchanged.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.outages import outages

RETRY_AFTER_SECONDS = 5
# Successful answers on these paths have read the database (a probe or a discovery document may not).
DATABASE_PATHS = ("/mcp", "/token", "/register", "/authorize", "/revoke", "/admin")


def dependency_of(exc: BaseException) -> str | None:
    """``"database"`` or ``"redis"`` when ``exc`` says that dependency is unreachable, else None."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return "database"
    if isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or type(exc).__name__ in ("OperationalError", "InterfaceError")
    ):
        return "database"
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    if isinstance(exc, RedisConnectionError | RedisTimeout):
        return "redis"
    return None


def log_failure(log: logging.Logger, exc: BaseException, what: str) -> None:
    """A background job's failure (a flush, a refresh): an unreachable database or Redis is the
    outage the request path logs too, once until it ends; anything else is logged with its traceback."""
    dependency = dependency_of(exc)
    if dependency is None:
        log.error(what, exc_info=exc)
    else:
        outages.failed(dependency, exc, consequence=what)


class OutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            dependency = dependency_of(exc)
            if dependency is None or status:
                raise
            consequence = f"answering 503 (Retry-After: {RETRY_AFTER_SECONDS} s)"
            outages.failed(dependency, exc, consequence=consequence)
            await _unavailable(send, dependency)
            return
        if status < 400 and scope["path"].startswith(DATABASE_PATHS):
            outages.recovered("database")  # these answers read the database: it is back


async def _unavailable(send: Send, dependency: str) -> None:
    body = json.dumps(
        {
            "error": "temporarily_unavailable",
            "error_description": f"The service's {dependency} is not reachable; try again in a few seconds.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
