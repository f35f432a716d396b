"""The MCP endpoints a client can be pointed at: the one list the ``/`` page and the console's
Connect page read.

Add an endpoint here (a narrowed tool set, say) and both pages offer it, with configurations for
every client built from its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Transport = Literal["http", "sse"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str
    title: str
    description: str
    transport: Transport = "http"

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "/mcp",
        "Every tool",
        "Streamable HTTP, every MCP protocol version: the URL for every current client.",
    ),
    Endpoint(
        "/mcp/readonly",
        "Read-only",
        "Only the tools that read: for an assistant that should change nothing.",
    ),
    Endpoint(
        "/mcp/x/tickets,solutions",
        "Chosen toolsets",
        "Only the tools of the toolsets named in the URL, comma-separated (tickets, assets, people, "
        "onboarding, catalog, solutions, workspaces); add /readonly for their read tools.",
    ),
    Endpoint(
        "/mcp/x/tickets,solutions/readonly",
        "Chosen toolsets, read-only",
        "Only the read tools of the toolsets named in the URL: here, reading tickets and the "
        "knowledge base, for an assistant that answers questions and changes nothing.",
    ),
    Endpoint(
        "/sse",
        "Legacy SSE",
        "The HTTP+SSE transport of protocol 2024-11-05, for older clients that need it; "
        "/sse/readonly and /sse/x/<toolsets>[/readonly] narrow it as the /mcp URLs above do.",
        transport="sse",
    ),
)

PRIMARY = ENDPOINTS[0]
