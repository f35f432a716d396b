"""How a tool is declared: one decorator holding its name, text for the model and its hints.

Each resource module (``server/tools/tickets.py`` …) declares its tools with ``@tool``; the
registry (``server/tools/registry.py``) turns them into SDK tools. A tool function is thin: it
opens a unit of work, calls one domain service with typed arguments and returns a typed model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

READ_SCOPE = "mcp:read"
WRITE_SCOPE = "mcp:write"

# The toolsets a client may narrow the tool list to, in catalogue order; one per resource module.
TOOLSETS = ("tickets", "assets", "people", "onboarding", "catalog", "solutions", "workspaces")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    title: str
    description: str
    writes: bool
    idempotent: bool
    toolset: str

    @property
    def scope(self) -> str:
        return WRITE_SCOPE if self.writes else READ_SCOPE


class Toolset(list[ToolSpec]):
    """The tools of one resource module; its name is the toolset each of them belongs to."""

    def __init__(self, name: str) -> None:
        if name not in TOOLSETS:
            raise ValueError(f"unknown toolset {name!r}; add it to TOOLSETS")
        super().__init__()
        self.name = name


def tool(
    registry: Toolset, *, name: str, title: str, writes: bool = False, idempotent: bool | None = None
) -> Callable[[F], F]:
    """Declare a tool; its description is the function's docstring, written for a model."""

    def decorator(fn: F) -> F:
        description = " ".join((fn.__doc__ or "").split())
        if not description:
            raise ValueError(f"tool {name} needs a docstring: it is the description models read")
        registry.append(
            ToolSpec(
                fn=fn,
                name=name,
                title=title,
                description=description,
                writes=writes,
                idempotent=(not writes) if idempotent is None else idempotent,
                toolset=registry.name,
            )
        )
        return fn

    return decorator
