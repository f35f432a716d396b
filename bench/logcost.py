"""CPU cost of a tool call's log line: `python -m bench.logcost`.

Drives ``server.requestlog.RequestLogMiddleware`` around a do-nothing ASGI app that reports a tool
call (as the audit middleware does), N requests per configuration, and prints the CPU time per
request above the same loop with logging off. The handler writes to a real file (``os.devnull``)
through the formatter ``serve`` uses, so formatting and the write are counted. For contrast it
also prints uvicorn's access log (its default, which ``serve`` no longer uses) on the same loop.
PERFORMANCE.md's budget: ≤ 50 µs of CPU for a call's log lines.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from uvicorn.logging import AccessFormatter

from server.logs import JsonFormatter, TextFormatter
from server.requestlog import RequestLogMiddleware, note_tool_call

SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "POST",
    "path": "/mcp",
    "query_string": b"",
    "client": ("127.0.0.1", 50000),
    "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
}


async def _tool_app(scope: Any, receive: Any, send: Any) -> None:
    note_tool_call(tool="fetchTicket", outcome="ok", agent_id=1, credential="hdk_abcd1234")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


def _uvicorn_access_line() -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "POST", "/mcp", "1.1", 200
    )


async def _loop(n: int, app: Any, extra: Callable[[], None] | None) -> float:
    started = time.process_time()
    for _ in range(n):
        await app(dict(SCOPE), _receive, _send)
        if extra:
            extra()
    return time.process_time() - started


def _handler(formatter: logging.Formatter) -> logging.Handler:
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives for the run
    handler.setFormatter(formatter)
    return handler


def _configure(name: str, formatter: logging.Formatter | None, level: int) -> None:
    logger = logging.getLogger(name)
    logger.handlers = [_handler(formatter)] if formatter else []
    logger.propagate = False
    logger.setLevel(level)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    n = args.requests
    app = RequestLogMiddleware(_tool_app)

    async def run() -> None:
        await _loop(1000, app, None)  # warm up
        _configure("helpdesk.request", None, logging.WARNING)
        base = await _loop(n, app, None)
        print(f"requests: {n}; middleware with logging off: {base / n * 1e6:.1f} µs/request")
        for label, formatter in (("text", TextFormatter()), ("json", JsonFormatter())):
            _configure("helpdesk.request", formatter, logging.INFO)
            spent = await _loop(n, app, None)
            print(f"request log line, {label:<5}: {(spent - base) / n * 1e6:6.1f} µs CPU per call")
        _configure("helpdesk.request", None, logging.WARNING)
        _configure("uvicorn.access", AccessFormatter(), logging.INFO)
        spent = await _loop(n, app, _uvicorn_access_line)
        print(f"uvicorn access log line (old default, for contrast): {(spent - base) / n * 1e6:6.1f} µs CPU")

    asyncio.run(run())


if __name__ == "__main__":
    main()
