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

NUL characters: PostgreSQL's text refuses them (the statement fails: a 500 and a traceback, from an
unauthenticated ``/authorize?client_id=%00`` too), and no identifier, address or form field of ours
holds one. A path or query string with one is refused (400), and so is the body of a POST to the
OAuth and console endpoints (forms and registration documents, bounded to ``FORM_BODY_LIMIT``;
read here and handed on unchanged). MCP bodies are not read here: the transport bounds and parses
them, and a tool refuses a NUL in its arguments naming the field (``server.tools.arguments``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.metrics import PATH as METRICS_PATH
from server.probes import PROBE_PATHS

PLATFORM_PATHS = PROBE_PATHS | {METRICS_PATH}
# Paths whose bodies the MCP transports read and bound themselves.
MCP_TRANSPORT_PREFIXES = ("/mcp", "/sse", "/messages")
# Sign-in, consent, token, revocation, registration and console forms: a few fields each.
FORM_BODY_LIMIT = 64 * 1024
BACKSLASH = ord("\\")
NUL_REFUSAL = {"error": "invalid_request", "error_description": "NUL characters are not allowed"}

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
        if cors:  # on every answer from here on, refusals included
            send = _with_cors(send, cors)
        if "\x00" in path or b"%00" in scope["query_string"]:
            await _plain(send, 400, NUL_REFUSAL)
            return
        if scope["method"] == "POST" and not path.startswith(MCP_TRANSPORT_PREFIXES):
            body = await read_body(receive, FORM_BODY_LIMIT, headers.get("content-length"))
            if body is None:
                await _plain(send, 413, {"error": "request_too_large", "limit_bytes": FORM_BODY_LIMIT})
                return
            if _holds_nul(body):
                await _plain(send, 400, NUL_REFUSAL)
                return
            receive = replay_body(body, receive)
        await self.app(scope, receive, send)

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


async def read_body(receive: Receive, limit: int, content_length: str | None = None) -> bytes | None:
    """The whole request body, or None when it is (or says it is) larger than ``limit`` bytes: a
    ``Content-Length`` above it is refused before anything is read."""
    if content_length and content_length.isdigit() and int(content_length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":  # the client went away: nothing more comes
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _holds_nul(body: bytes) -> bool:
    """A NUL as a form encodes it (``%00``), as JSON escapes it (``\\u0000`` after an even run of
    backslashes: ``\\\\u0000`` is a backslash and text), or raw."""
    if b"%00" in body or b"\x00" in body:
        return True
    start = body.find(b"\\u0000")
    while start != -1:
        before = start - 1
        while before >= 0 and body[before] == BACKSLASH:  # the backslashes right before this one
            before -= 1
        if (start - 1 - before) % 2 == 0:
            return True
        start = body.find(b"\\u0000", start + 1)
    return False


def replay_body(body: bytes, receive: Receive) -> Receive:
    """``receive`` for an app after the body was read: the body once, then the client's messages
    (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_cors(send: Send, cors: dict[str, str]) -> Send:
    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableHeaders(scope=message)
            for name, value in cors.items():
                response_headers.setdefault(name, value)
        await send(message)

    return send_with_cors


def _strip_header_whitespace(scope: Scope) -> None:
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    if any(value[:1] in (b" ", b"\t") or value[-1:] in (b" ", b"\t") for _, value in raw):
        scope["headers"] = [(name, value.strip(OWS)) for name, value in raw]


async def _plain(send: Send, status: int, body: Mapping[str, object]) -> None:
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
