"""A real uvicorn server on a free loopback port, and an SDK client for it."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx2
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

_next_in_range = 0


def free_port() -> int:
    """A free loopback port: from HELPDESK_TEST_PORTS ("8700-8719") when set, else any.

    Within a range, ports are handed out in turn, so two servers picked before either binds
    never get the same one.
    """
    global _next_in_range
    span = os.environ.get("HELPDESK_TEST_PORTS")
    low, _, high = (span or "0-0").partition("-")
    candidates = list(range(int(low), int(high or low) + 1))
    for step in range(len(candidates)):
        candidate = candidates[(_next_in_range + step) % len(candidates)]
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            _next_in_range = (_next_in_range + step + 1) % len(candidates)
            port: int = sock.getsockname()[1]
            return port
    raise RuntimeError(f"no free port in HELPDESK_TEST_PORTS={span}")


@contextmanager
def live_server(app: ASGIApp, port: int) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:``port`` in a thread; yield its base URL; stop it afterwards."""
    # proxy_headers off, as `serve` runs it: uvicorn's default would believe X-Forwarded-For from
    # 127.0.0.1, the test client itself (the app's own HELPDESK_TRUSTED_PROXIES decides instead).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):
        if server.started:
            started.set()
            break
        started.wait(0.02)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@asynccontextmanager
async def mcp_client(url: str, *, key: str | None = None, mode: str = "legacy") -> AsyncIterator[Client]:
    """The official SDK client over Streamable HTTP, optionally with an API key."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client
