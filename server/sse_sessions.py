"""Legacy SSE sessions belong to the credential that opened them.

With the SSE transport, tool calls POSTed to ``/messages/?session_id=…`` run inside the session
that ``GET /sse`` opened, as that request's caller. Without a check, anyone authenticated who
learnt a session id could act as its owner; so the POST's caller must be the session's owner,
else the session is "not found". Sessions live in one process (the SDK keeps them in memory),
so the owners do too.

A session also keeps the endpoint of the ``GET /sse`` that opened it (its tool list, narrowed by
``X-MCP-*`` headers, and the protected resource its token must cover): its messages run under
that request, so the edge judges each ``POST`` by the same endpoint, whatever headers it sends.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.context import current_request
from server.endpoints import Endpoint

_SESSION_ID = re.compile(rb"session_id=([0-9a-fA-F]{16,64})")


class SseSessionGuard:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner
        self.owners: dict[str, int] = {}
        self.endpoints: dict[str, Endpoint] = {}

    def endpoint_of(self, scope: Scope) -> Endpoint | None:
        """The endpoint of the session a ``POST /messages/?session_id=…`` is for, if it is open."""
        return self.endpoints.get(_session_id(scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = current_request.get()
        owner = request.caller.agent_id
        if scope["method"] == "GET":
            await self._open(scope, receive, send, owner, request.endpoint)
            return
        if not self.owns(scope, owner):
            await _not_found(send)
            return
        await self.inner(scope, receive, send)

    def owns(self, scope: Scope, agent_id: int) -> bool:
        """Whether the session a ``POST /messages/?session_id=…`` names was opened by ``agent_id``."""
        return self.owners.get(_session_id(scope)) == agent_id

    async def _open(
        self, scope: Scope, receive: Receive, send: Send, owner: int, endpoint: Endpoint | None
    ) -> None:
        opened: list[str] = []

        async def sniff(message: Message) -> None:
            if not opened and message["type"] == "http.response.body":
                found = _SESSION_ID.search(message.get("body", b""))
                if found:
                    opened.append(found.group(1).decode())
                    self.owners[opened[0]] = owner
                    if endpoint is not None:
                        self.endpoints[opened[0]] = endpoint
            await send(message)

        try:
            await self.inner(scope, receive, sniff)
        finally:
            if opened:
                self.owners.pop(opened[0], None)
                self.endpoints.pop(opened[0], None)


def _session_id(scope: Scope) -> str:
    query: bytes = scope.get("query_string", b"")
    return parse_qs(query.decode("latin-1")).get("session_id", [""])[0]


async def _not_found(send: Send) -> None:
    body = b'{"error": "unknown_session", "error_description": "No such SSE session for this credential."}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
