"""Which tools a request sees: those its URL offers (``server.endpoints``) and an admin did not
switch off. Others are hidden from ``tools/list`` and refused by ``tools/call``: a tool the URL
does not offer with a JSON-RPC error (-32602, as an unknown tool), a switched-off tool with a
tool error the model can read. Neither counts against the quotas (the edge leaves both out).

The set of disabled tools normally arrives with the request: the ``/mcp`` edge keeps it in memory
with the identities (``server.identity_cache``) until a switch moves the identity generation, so
a switch applies at once in the process that made it and on every other worker within a second.
Messages that carry no such set (the legacy SSE transport runs them under the
long-lived ``GET /sse`` request) read it from the database themselves.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from mcp.server.context import CallNext, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolResult, TextContent
from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.toolswitches.service import disabled_tools
from server.context import current_request
from server.endpoints import Endpoint


def disabled_message(name: str) -> str:
    return (
        f"The tool {name} has been disabled by an admin of this helpdesk, so it cannot be called. "
        "Use another tool, or ask a helpdesk admin to enable it again."
    )


def _load(engine: Engine) -> frozenset[str]:
    with session_scope(engine) as session:
        return disabled_tools(session)


async def current_disabled_tools() -> frozenset[str]:
    request = current_request.get(None)
    if request is None:
        return frozenset()
    if request.disabled_tools is not None:
        return request.disabled_tools
    return await anyio.to_thread.run_sync(_load, request.engine)


class ToolVisibilityMiddleware:
    """SDK middleware: filters ``tools/list`` and refuses calls to tools the request may not see."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method not in ("tools/list", "tools/call"):
            return await call_next(ctx)
        request = current_request.get(None)
        endpoint = request.endpoint if request is not None else None
        narrowed = endpoint is not None and not endpoint.everything
        if ctx.method == "tools/call":
            name = ctx.params.get("name") if ctx.params is not None else None
            if endpoint is not None and isinstance(name, str) and not endpoint.offers(name):
                raise MCPError(INVALID_PARAMS, endpoint.refusal(name))
        disabled = await current_disabled_tools()
        if not disabled and not narrowed:
            return await call_next(ctx)
        if ctx.method == "tools/call":
            name = ctx.params.get("name") if ctx.params is not None else None
            if isinstance(name, str) and name in disabled:
                return CallToolResult(
                    content=[TextContent(type="text", text=disabled_message(name))], is_error=True
                )
            return await call_next(ctx)
        result = await call_next(ctx)
        if isinstance(result, dict) and isinstance(result.get("tools"), list):
            tools = [
                tool
                for tool in result["tools"]
                if not isinstance(tool, dict) or _visible(tool.get("name"), endpoint, disabled)
            ]
            result = {**result, "tools": tools}
        return result


def _visible(name: object, endpoint: Endpoint | None, disabled: frozenset[str]) -> bool:
    if not isinstance(name, str):
        return True
    return name not in disabled and (endpoint is None or endpoint.offers(name))
