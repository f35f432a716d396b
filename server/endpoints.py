"""Which tools one MCP URL offers: the endpoint descriptor, resolved once per request.

As GitHub's and Sentry's hosted servers do, users can narrow the tool list by URL:
``/mcp/readonly`` (read tools only), ``/mcp/x/{toolsets}`` (one or more comma-separated
toolsets) and ``/mcp/x/{toolsets}/readonly``, the same under ``/sse`` for the legacy SSE transport; ``/mcp``
and ``/sse`` offer every tool. Each URL
is an OAuth protected resource of its own (``auth.oauth.protected_resources``).

Clients that cannot change their URL (static headers only, usually with an API key) narrow the
same way with ``X-MCP-Toolsets: tickets,assets`` and ``X-MCP-Readonly: true``. Headers only ever
narrow what the URL offers; the URL stays the protected resource (token audience, challenge).

An ``Endpoint`` is plain data: the protected resource, the names of the tools offered and the
read-only flag. The edge resolves it once per request and every decision about a tool name asks
``Endpoint.offers``: ``tools/list``, the refusal of other ``tools/call``s, the scope check and
the quota gate (a refused call is not counted).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from auth.oauth.protected_resources import ProtectedResource, ResourceCatalog
from server.tools.base import ToolSpec

TOOLSETS_HEADER = "x-mcp-toolsets"
READONLY_HEADER = "x-mcp-readonly"
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


@dataclass(frozen=True, slots=True)
class Endpoint:
    resource: ProtectedResource
    tools: frozenset[str]
    read_only: bool
    toolsets: frozenset[str]
    everything: bool  # every tool of the server: nothing to filter

    def offers(self, name: str) -> bool:
        return self.everything or name in self.tools

    def refusal(self, name: str) -> str:
        """Why ``name`` cannot be called here, in one sentence a model (and a person) can act on."""
        offered = "read tools" if self.read_only else "tools"
        if not (self.resource.everything and self.toolsets == self.resource.toolsets):
            plural = "s" if len(self.toolsets) > 1 else ""
            offered += f" of the {', '.join(sorted(self.toolsets))} toolset{plural}"
        where = self.resource.path
        if self.toolsets != self.resource.toolsets or self.read_only != self.resource.read_only:
            where += " with these X-MCP-Toolsets/X-MCP-Readonly headers"
        return (
            f"The tool {name} is not available on this connection: {where} offers only the "
            f"{offered}. Call one of the tools listed by tools/list, or connect to the /mcp endpoint "
            "for every tool."
        )


class EndpointError(Exception):
    """The request names no endpoint we serve (404) or sends a narrowing header we cannot read (400)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = "unknown_endpoint" if status == 404 else "invalid_request"
        self.description = description


class EndpointBook:
    """Resolves request paths and narrowing headers to ``Endpoint``s (cached: a request costs a
    dictionary look-up)."""

    def __init__(self, resources: ResourceCatalog, specs: Mapping[str, ToolSpec]) -> None:
        self.resources = resources
        self.specs = dict(specs)
        self._resolve = functools.lru_cache(maxsize=512)(self._build)

    def resolve(self, path: str, *, toolsets: str | None = None, read_only: str | None = None) -> Endpoint:
        """The endpoint at ``path``, narrowed by the ``X-MCP-Toolsets``/``X-MCP-Readonly`` values."""
        return self._resolve(path, (toolsets or "").strip().lower(), (read_only or "").strip().lower())

    def _build(self, path: str, toolsets_header: str, read_only_header: str) -> Endpoint:
        resource = self.resources.at_path(path)
        if resource is None:
            names = ", ".join(self.resources.toolsets)
            raise EndpointError(
                404,
                f"No MCP endpoint at {path}. Use /mcp, /mcp/readonly, /mcp/x/<toolsets> or "
                f"/mcp/x/<toolsets>/readonly, with one or more comma-separated toolsets among {names} "
                "(the same under /sse for the legacy SSE transport).",
            )
        toolsets = resource.toolsets & self._header_toolsets(toolsets_header)
        if not toolsets:
            raise EndpointError(400, f"X-MCP-Toolsets names none of the toolsets {path} offers.")
        read_only = resource.read_only or self._header_flag(read_only_header)
        tools = frozenset(
            name
            for name, spec in self.specs.items()
            if spec.toolset in toolsets and not (read_only and spec.writes)
        )
        return Endpoint(
            resource=resource,
            tools=tools,
            read_only=read_only,
            toolsets=toolsets,
            everything=tools == frozenset(self.specs),
        )

    def _header_toolsets(self, value: str) -> frozenset[str]:
        if not value:
            return frozenset(self.resources.toolsets)
        names = frozenset(name.strip() for name in value.split(","))
        unknown = names - frozenset(self.resources.toolsets)
        if unknown:
            raise EndpointError(
                400,
                f"X-MCP-Toolsets names unknown toolsets ({', '.join(sorted(unknown))}); "
                f"known: {', '.join(self.resources.toolsets)}.",
            )
        return names

    @staticmethod
    def _header_flag(value: str) -> bool:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise EndpointError(400, "X-MCP-Readonly must be true or false.")
