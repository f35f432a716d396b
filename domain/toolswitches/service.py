"""Disabling and enabling tools for the account, and reading which are disabled.

The catalogue of tools belongs to the server (``server.tools.registry``); these functions take
the known names from their caller so that a typo is refused rather than stored.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from domain.errors import NotFound
from domain.toolswitches.models import ToolSwitch

DISABLED_NAMES = select(ToolSwitch.tool)


def disabled_tools(session: Session) -> frozenset[str]:
    """Names of the disabled tools: the per-request read (one small query, built once)."""
    return frozenset(session.exec(DISABLED_NAMES).all())


def switches(session: Session) -> dict[str, ToolSwitch]:
    return {row.tool: row for row in session.exec(select(ToolSwitch))}


def _check(name: str, known: Collection[str]) -> None:
    if name not in known:
        raise NotFound("tool", "name", name)


def disable_tool(*, session: Session, name: str, known: Collection[str], by: str, now: datetime) -> bool:
    """Switch ``name`` off; False if it already was."""
    _check(name, known)
    if session.get(ToolSwitch, name) is not None:
        return False
    session.add(ToolSwitch(tool=name, disabled_at=now, disabled_by=by))
    session.flush()
    return True


def enable_tool(*, session: Session, name: str, known: Collection[str]) -> bool:
    """Switch ``name`` back on; False if it was not disabled."""
    _check(name, known)
    result = session.execute(delete(ToolSwitch).where(col(ToolSwitch.tool) == name))
    session.flush()
    return bool(getattr(result, "rowcount", 0))
