"""Checks every request passes before any route: ``Host`` and ``Origin`` validation and CORS.

Header values reach the app without surrounding whitespace (RFC 9110 §5.5: a field value excludes
leading and trailing OWS). h11 strips it; httptools, uvicorn's parser when installed, does not, and
the SDK compares ``Mcp-Name`` with the body's ``name`` byte for byte (400, -32020, otherwise).

DNS-rebinding protection: a ``Host`` outside the configured list is refused on every path but the
health probes (``/healthz``, ``/readyz``: public, no cookies, asked for by IP); a
present ``Origin`` outside the list is refused on the MCP and console paths (browsers send it;
native clients do not), and on the sign-in and consent forms (``/authorize/…``), which carry the
session cookie. Discovery and OAuth endpoints hold only public data and no cookies, so they answer
CORS for any origin; ``/mcp`` answers CORS only for allowed origins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import PATH as METRICS_PATH
from server.probes import PROBE_PATHS

PLATFORM_PATHS = PROBE_PATHS | {METRICS_PATH}

MCP_ALLOW_HEADERS = (
    "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, "
    "Last-Event-ID, X-API-Key, X-MCP-Toolsets, X-MCP-Readonly"
)
EXPOSE_HEADERS = (
    "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy"
)
# "/authorize/" (with the slash): the sign-in, consent and sign-out forms, which carry the session
# cookie; "/authorize" itself is an OAuth endpoint clients may call from any origin.
ORIGIN_CHECKED_PREFIXES = ("/mcp", "/sse", "/messages", "/admin", "/authorize/")
LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")
OWS = b" \t"


def default_allowed_hosts(base_url: str) -> list[str]:
    parts = urlsplit(base_url)
    host = parts.netloc.lower()
    hosts = [host] if ":" in host.rsplit("]", 1)[-1] else [host, f"{host}:*"]
    return [*hosts, *LOOPBACK_HOSTS]


def default_allowed_origins(base_url: str) -> list[str]:
    return [base_url.lower(), "http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


def _matches(value: str, patterns: Iterable[str]) -> bool:
    value = value.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*" or value == pattern:
            return True
        if pattern.endswith(":*"):
            stem = pattern[:-2]
            if value == stem:
                return True
            head, sep, port = value.rpartition(":")
            if sep and head == stem and port.isdigit():
                return True
    return False


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str], allowed_origins: list[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.allowed_origins = allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        _strip_header_whitespace(scope)
        path: str = scope["path"]
        if path in PLATFORM_PATHS:  # probes and scrapes, addressed by IP: any Host, no CORS
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not _matches(headers.get("host", ""), self.allowed_hosts):
            await _plain(send, 421, {"error": "invalid_host", "error_description": "Host header not allowed"})
            return
        origin = headers.get("origin")
        guarded = path.startswith(ORIGIN_CHECKED_PREFIXES)
        if origin and guarded and not _matches(origin, self.allowed_origins):
            await _plain(send, 403, {"error": "invalid_origin", "error_description": "Origin not allowed"})
            return
        cors = self._cors_headers(origin, guarded)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _preflight(send, cors)
            return
        if not cors:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in cors.items():
                    response_headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _cors_headers(self, origin: str | None, guarded: bool) -> dict[str, str]:
        if not origin:
            return {}
        if guarded and not origin.startswith("null"):
            allow = origin
        elif guarded:
            return {}
        else:
            allow = "*"
        headers = {
            "access-control-allow-origin": allow,
            "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
            "access-control-allow-headers": MCP_ALLOW_HEADERS,
            "access-control-expose-headers": EXPOSE_HEADERS,
            "access-control-max-age": "600",
        }
        if allow != "*":
            headers["vary"] = "Origin"
        return headers


def _strip_header_whitespace(scope: Scope) -> None:
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    if any(value[:1] in (b" ", b"\t") or value[-1:] in (b" ", b"\t") for _, value in raw):
        scope["headers"] = [(name, value.strip(OWS)) for name, value in raw]


async def _plain(send: Send, status: int, body: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _preflight(send: Send, cors: dict[str, str]) -> None:
    headers = [(name.encode(), value.encode()) for name, value in cors.items()]
    await send(
        {"type": "http.response.start", "status": 204, "headers": [*headers, (b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})
