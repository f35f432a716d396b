"""Per-user quota limits: the settings' default for every user, or an admin's limit for one.

A limit of 0 means none. Servers keep every override in memory (``server.quotas.overrides``,
from ``override_table``) rather than reading one per tool call; ``limits_for`` reads one user's.
``set_user_limits`` is the admin's override, written to the audit log like every change to a
person; its commit moves the identity generation, so every server reads the overrides again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlmodel
from sqlalchemy import Table, bindparam, select
from sqlmodel import Session

from domain.audit.service import Actor, record_admin_action
from domain.errors import InvalidField
from domain.people.models import Agent
from domain.usage.models import UserQuota

USER_QUOTA: Table = UserQuota.__table__  # type: ignore[attr-defined]
OVERRIDE = select(USER_QUOTA.c.per_minute, USER_QUOTA.c.per_month).where(
    USER_QUOTA.c.agent_id == bindparam("agent_id")
)


@dataclass(frozen=True, slots=True)
class UserLimits:
    """Tool calls per minute and per month for one user; 0 means no limit."""

    per_minute: int = 0
    per_month: int = 0


def limits_for(session: Session, *, agent_id: int, defaults: UserLimits) -> UserLimits:
    """The user's limits: an admin's override where set, else ``defaults``."""
    row = session.execute(OVERRIDE, {"agent_id": agent_id}).first()
    return defaults if row is None else _merge(row.per_minute, row.per_month, defaults)


Override = tuple[int | None, int | None]  # (per minute, per month); None keeps the default


def override_table(session: Session) -> dict[int, Override]:
    """Every admin-set limit, by agent id, as plain values (what servers keep in memory)."""
    rows = session.execute(select(USER_QUOTA.c.agent_id, USER_QUOTA.c.per_minute, USER_QUOTA.c.per_month))
    return {int(agent_id): (per_minute, per_month) for agent_id, per_minute, per_month in rows}


def with_override(override: Override | None, defaults: UserLimits) -> UserLimits:
    return defaults if override is None else _merge(override[0], override[1], defaults)


def apply_override(row: UserQuota | None, defaults: UserLimits) -> UserLimits:
    return defaults if row is None else _merge(row.per_minute, row.per_month, defaults)


def _merge(per_minute: int | None, per_month: int | None, defaults: UserLimits) -> UserLimits:
    return UserLimits(
        per_minute=defaults.per_minute if per_minute is None else per_minute,
        per_month=defaults.per_month if per_month is None else per_month,
    )


def overrides(session: Session) -> dict[int, UserQuota]:
    """Every admin-set limit, by agent id."""
    return {row.agent_id: row for row in session.exec(sqlmodel.select(UserQuota))}


def _check(value: int | None, field: str) -> int | None:
    if value is not None and value < 0:
        raise InvalidField(field, f"must be 0 (no limit) or more, got {value}.")
    return value


def set_user_limits(
    session: Session,
    *,
    agent: Agent,
    per_minute: int | None,
    per_month: int | None,
    actor: Actor,
    now: datetime,
) -> bool:
    """Set (or with None, drop) the agent's own limits; True when something changed."""
    assert agent.id is not None
    per_minute, per_month = _check(per_minute, "per_minute"), _check(per_month, "per_month")
    row = session.get(UserQuota, agent.id)
    before = (row.per_minute, row.per_month) if row else (None, None)
    if before == (per_minute, per_month):
        return False
    if per_minute is None and per_month is None:
        assert row is not None
        session.delete(row)
    else:
        row = row or UserQuota(agent_id=agent.id, updated_at=now)
        row.per_minute, row.per_month, row.updated_at = per_minute, per_month, now
        session.add(row)
    session.flush()
    detail = describe_limits(per_minute, per_month)
    record_admin_action(
        session=session, actor=actor, action="agents.quota", subject=agent.email, at=now, detail=detail
    )
    return True


def override_of(session: Session, agent_id: int) -> tuple[int | None, int | None]:
    """The admin-set (per minute, per month) of one agent; None where the default applies."""
    row = session.get(UserQuota, agent_id)
    return (row.per_minute, row.per_month) if row else (None, None)


def describe_limits(per_minute: int | None, per_month: int | None) -> str:
    """ "per minute 10, per month default": how an override reads in the CLI and the audit log."""
    return ", ".join(
        f"{name} {'default' if value is None else value}"
        for name, value in (("per minute", per_minute), ("per month", per_month))
    )
