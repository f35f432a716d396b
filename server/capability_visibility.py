"""Resources, prompts and completions follow the tools a request may use.

A narrowed URL (``server.endpoints``: ``/mcp/readonly``, ``/mcp/x/{toolsets}``…) or an admin's
tool switch limits the tools a connection offers; what it reads through resources and prompts is
limited the same way, so narrowing cannot be stepped around: a resource template is offered where
the tool that reads the same record is (``helpdesk://tickets/…`` with ``fetchTicket``), a prompt
where every tool it names is. Elsewhere they are left out of the lists, and reading, getting or
completing them is JSON-RPC -32602 with a sentence naming the missing tool.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mcp.server.context import CallNext, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from server.context import current_request
from server.resources import kind_of
from server.tools.switches import current_disabled_tools

_METHODS = frozenset(
    {"resources/templates/list", "resources/read", "prompts/list", "prompts/get", "completion/complete"}
)


async def _usable_tools() -> Callable[[str], bool] | None:
    """Whether this request may use a tool; None when it may use every tool."""
    request = current_request.get(None)
    if request is None:
        return None
    disabled = await current_disabled_tools()
    narrowed = request.endpoint is not None and not request.endpoint.everything
    if not disabled and not narrowed:
        return None
    return lambda name: name not in disabled and request.offers(name)


def _unavailable(what: str, tools: list[str]) -> MCPError:
    return MCPError(
        code=INVALID_PARAMS,
        message=f"{what} is not available on this connection: it needs the tool {', '.join(tools)}, "
        "which this connection does not offer.",
    )


class CapabilityVisibilityMiddleware:
    def __init__(self, prompt_tools: Mapping[str, tuple[str, ...]]) -> None:
        self._prompt_tools = prompt_tools

    def _missing_for_prompt(self, name: object, usable: Callable[[str], bool]) -> list[str]:
        tools = self._prompt_tools.get(name, ()) if isinstance(name, str) else ()
        return [tool for tool in tools if not usable(tool)]

    @staticmethod
    def _missing_for_uri(uri: object, usable: Callable[[str], bool]) -> list[str]:
        kind = kind_of(uri) if isinstance(uri, str) else None
        return [kind.tool] if kind is not None and not usable(kind.tool) else []

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method not in _METHODS:
            return await call_next(ctx)
        usable = await _usable_tools()
        if usable is None:
            return await call_next(ctx)
        params = ctx.params or {}
        ref = params.get("ref") if ctx.method == "completion/complete" else None
        ref = ref if isinstance(ref, Mapping) else {}
        if ctx.method == "resources/read" or ref.get("type") == "ref/resource":
            uri = params.get("uri") if ctx.method == "resources/read" else ref.get("uri")
            if missing := self._missing_for_uri(uri, usable):
                raise _unavailable(f"The resource {uri}", missing)
        if ctx.method == "prompts/get" or ref.get("type") == "ref/prompt":
            name = params.get("name") if ctx.method == "prompts/get" else ref.get("name")
            if missing := self._missing_for_prompt(name, usable):
                raise _unavailable(f"The prompt {name}", missing)
        result = await call_next(ctx)
        if not isinstance(result, dict):
            return result
        if ctx.method == "resources/templates/list" and isinstance(result.get("resourceTemplates"), list):
            templates = [
                t
                for t in result["resourceTemplates"]
                if not self._missing_for_uri(t.get("uriTemplate"), usable)
            ]
            return {**result, "resourceTemplates": templates}
        if ctx.method == "prompts/list" and isinstance(result.get("prompts"), list):
            prompts = [p for p in result["prompts"] if not self._missing_for_prompt(p.get("name"), usable)]
            return {**result, "prompts": prompts}
        return result
