"""Who is calling, and the one workspace-visibility rule every query goes through.

An agent sees and changes only what lives in the workspaces it belongs to; an admin sees all.
The caller is resolved from the credential (OAuth grant or API key), never from a tool argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import false
from sqlmodel.sql.expression import Select, SelectOfScalar

from domain.errors import NotFound

S = TypeVar("S", Select[Any], SelectOfScalar[Any])


@dataclass(frozen=True, slots=True)
class Caller:
    agent_id: int
    email: str
    is_admin: bool
    workspace_ids: frozenset[int] = field(default_factory=frozenset)
    scopes: frozenset[str] = frozenset({"mcp:read", "mcp:write"})

    def can_see_workspace(self, workspace_id: int | None) -> bool:
        return self.is_admin or workspace_id in self.workspace_ids


# The account as a whole: an operator at the command line, or an admin's account-wide page.
OPERATOR = Caller(agent_id=0, email="", is_admin=True)


def scope_to_caller(statement: S, workspace_column: Any, caller: Caller) -> S:
    """Restrict ``statement`` to rows in the caller's workspaces (no-op for admins)."""
    if caller.is_admin:
        return statement
    if not caller.workspace_ids:
        return statement.where(false())
    return statement.where(workspace_column.in_(sorted(caller.workspace_ids)))


def ensure_visible(caller: Caller, workspace_id: int | None, resource: str, key: str, value: object) -> None:
    """Raise NotFound (not Forbidden: existence must not leak) for a row outside the caller's reach."""
    if not caller.can_see_workspace(workspace_id):
        raise NotFound(resource, key, value)
