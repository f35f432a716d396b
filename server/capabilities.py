"""Everything the MCP server offers besides tools: resources, prompts, completions, and the
confirmation it asks for before destructive tool calls.

``build_mcp_server`` (``server/tools/registry.py``) builds one ``Capabilities``, passes its
middleware to the SDK server and installs the rest on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.context import ServerMiddleware
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt

from server.capability_visibility import CapabilityVisibilityMiddleware
from server.completions import register_completions
from server.confirmation import ConfirmationMiddleware
from server.prompts import PROMPTS, PromptCheckMiddleware, build_prompts, register_prompts
from server.resources import ResourceLinkMiddleware, register_resources


@dataclass(frozen=True, slots=True)
class Capabilities:
    prompts: list[Prompt] = field(default_factory=build_prompts)

    def middleware(self) -> list[ServerMiddleware[Any]]:
        prompt_tools = {spec.name: spec.tools for spec in PROMPTS}
        return [
            CapabilityVisibilityMiddleware(prompt_tools),
            PromptCheckMiddleware(self.prompts),
            ResourceLinkMiddleware(),
        ]

    def middleware_after_argument_checks(self) -> list[ServerMiddleware[Any]]:
        """Runs once a call's arguments are known to be valid: nobody is asked about a bad call."""
        return [ConfirmationMiddleware()]

    def install(self, server: MCPServer[Any]) -> None:
        register_resources(server)
        register_prompts(server, self.prompts)
        register_completions(server, self.prompts)
