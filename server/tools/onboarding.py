"""Tools of this resource (filled in with the domain services)."""

from server.tools.base import ToolSpec

TOOLS: list[ToolSpec] = []
