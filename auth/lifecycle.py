"""The lifecycle of the people who sign in: deactivate, reactivate, role, workspaces, password.

One function per change, shared by the CLI and the console, so every path goes through the same
rules and leaves the same trail:

- each change is idempotent (asking for the state an agent is already in changes nothing and
  records nothing) and, when it changes something, is written to the audit log;
- the last active admin can be neither deactivated nor demoted: an account with no admin
  could no longer be managed from the console;
- what must end, ends in the same transaction: deactivation revokes the agent's OAuth grants
  (and so their tokens) and API keys, so reactivating brings none of them back; a new password
  ends console sessions (the cookie's stamp no longer matches, ``auth.web.session``) and, on
  request, grants and keys too.

Credentials are checked against the database on every request (``auth.apikeys``,
``auth.oauth.resource``, ``auth.web.login.active_agent``), so each change applies to the next
request on every worker. A cache of authentication must be invalidated from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from auth.apikeys import ApiKey
from auth.oauth import store
from auth.oauth.models import OAuthGrant
from domain.audit.service import Actor, record_admin_action
from domain.errors import Forbidden, InvalidField
from domain.people.models import Agent, AgentPublic, AgentRole, AgentWorkspace, Requester, RequesterPublic
from domain.people.passwords import hash_password
from domain.people.service import (
    MIN_PASSWORD_LENGTH,
    active_admin_count,
    agent_by_email,
    agent_public,
    create_requester,
    existing_workspace_ids,
)


@dataclass(frozen=True, slots=True)
class AgentChange:
    """The agent after a change, and whether anything changed (False: it was already so)."""

    agent: AgentPublic
    changed: bool


@dataclass(frozen=True, slots=True)
class RevokedAccess:
    grants: int
    keys: int


def revoke_access(session: Session, *, agent_id: int, reason: str, now: datetime) -> RevokedAccess:
    """Revoke every live OAuth grant (with its tokens) and API key of one agent."""
    grant_ids = session.exec(
        select(OAuthGrant.id).where(OAuthGrant.agent_id == agent_id, col(OAuthGrant.revoked_at).is_(None))
    ).all()
    for grant_id in grant_ids:
        assert grant_id is not None
        store.revoke_grant_family(session, grant_id=grant_id, reason=reason, now=now)
    keys = session.exec(
        select(ApiKey).where(ApiKey.agent_id == agent_id, col(ApiKey.revoked_at).is_(None))
    ).all()
    for key in keys:
        key.revoked_at = now
        session.add(key)
    session.flush()
    return RevokedAccess(grants=len(grant_ids), keys=len(keys))


def _guard_last_admin(session: Session, agent: Agent, doing: str) -> None:
    if agent.role == AgentRole.admin and agent.active and active_admin_count(session) <= 1:
        raise Forbidden(
            f"{agent.email} is the last active admin, so it cannot be {doing}; "
            "make another agent an admin first."
        )


def _save(session: Session, agent: Agent, now: datetime) -> None:
    agent.updated_at = now
    session.add(agent)
    session.flush()


def _unchanged(session: Session, agent: Agent) -> AgentChange:
    return AgentChange(agent_public(session, agent), changed=False)


def _changed(
    session: Session, agent: Agent, *, actor: Actor, action: str, now: datetime, detail: str = ""
) -> AgentChange:
    _save(session, agent, now)
    record_admin_action(
        session=session, actor=actor, action=action, subject=agent.email, at=now, detail=detail
    )
    return AgentChange(agent_public(session, agent), changed=True)


def deactivate_agent(session: Session, *, email: str, actor: Actor, now: datetime) -> AgentChange:
    """Deactivate: sign-in, console sessions, OAuth tokens and API keys are refused from the next
    request on; grants and keys are revoked, so a later reactivation starts with none."""
    agent = agent_by_email(session, email)
    if not agent.active:
        return _unchanged(session, agent)
    _guard_last_admin(session, agent, "deactivated")
    assert agent.id is not None
    revoked = revoke_access(session, agent_id=agent.id, reason="agent_deactivated", now=now)
    agent.active = False
    detail = f"revoked {revoked.grants} grant(s) and {revoked.keys} API key(s)"
    return _changed(session, agent, actor=actor, action="agents.deactivate", now=now, detail=detail)


def reactivate_agent(session: Session, *, email: str, actor: Actor, now: datetime) -> AgentChange:
    """Let a deactivated agent sign in again (apps must be authorized anew; old keys stay revoked)."""
    agent = agent_by_email(session, email)
    if agent.active:
        return _unchanged(session, agent)
    agent.active = True
    return _changed(session, agent, actor=actor, action="agents.reactivate", now=now)


def set_agent_role(
    session: Session, *, email: str, role: AgentRole | str, actor: Actor, now: datetime
) -> AgentChange:
    """Make an agent an admin (every workspace) or an admin an agent (its own workspaces only)."""
    if not isinstance(role, AgentRole):
        try:
            role = AgentRole(role)
        except ValueError:
            raise InvalidField("role", f"{role!r} is not a role.", [r.value for r in AgentRole]) from None
    agent = agent_by_email(session, email)
    if agent.role == role:
        return _unchanged(session, agent)
    if role == AgentRole.agent:
        _guard_last_admin(session, agent, "made an agent")
        assert agent.id is not None
        if not agent_public(session, agent).workspace_ids:
            raise InvalidField(
                "role",
                f"an agent sees only its workspaces and {agent.email} has none; "
                "add one first (agents workspaces EMAIL --add ID).",
            )
    agent.role = role
    return _changed(session, agent, actor=actor, action="agents.set_role", now=now, detail=role.value)


def change_agent_workspaces(
    session: Session,
    *,
    email: str,
    add: Sequence[int] = (),
    remove: Sequence[int] = (),
    actor: Actor,
    now: datetime,
) -> AgentChange:
    """Add the agent to workspaces and remove it from others; an agent keeps at least one."""
    agent = agent_by_email(session, email)
    assert agent.id is not None
    known = existing_workspace_ids(session)
    unknown = sorted((set(add) | set(remove)) - known)
    if unknown:
        raise InvalidField("workspace", f"no workspace has id {unknown[0]}.", sorted(known))
    if set(add) & set(remove):
        raise InvalidField("workspace", "a workspace cannot be both added and removed.")
    current = set(agent_public(session, agent).workspace_ids)
    wanted = (current | set(add)) - set(remove)
    if wanted == current:
        return _unchanged(session, agent)
    if not wanted and agent.role == AgentRole.agent:
        raise InvalidField("workspace", f"{agent.email} would belong to no workspace; an agent needs one.")
    for workspace_id in sorted(current - wanted):
        row = session.get(AgentWorkspace, (agent.id, workspace_id))
        if row is not None:
            session.delete(row)
    session.add_all(AgentWorkspace(agent_id=agent.id, workspace_id=w) for w in sorted(wanted - current))
    session.flush()
    detail = f"workspaces {sorted(current)} -> {sorted(wanted)}"
    return _changed(session, agent, actor=actor, action="agents.workspaces", now=now, detail=detail)


def reset_agent_password(
    session: Session, *, email: str, password: str, revoke: bool, actor: Actor, now: datetime
) -> RevokedAccess:
    """Set a new password: the agent's console sessions end; with ``revoke``, grants and keys too."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidField("password", f"must be at least {MIN_PASSWORD_LENGTH} characters.")
    agent = agent_by_email(session, email)
    assert agent.id is not None
    agent.password_hash = hash_password(password)
    revoked = RevokedAccess(0, 0)
    if revoke:
        revoked = revoke_access(session, agent_id=agent.id, reason="password_reset", now=now)
    detail = f"revoked {revoked.grants} grant(s) and {revoked.keys} API key(s)" if revoke else ""
    _changed(session, agent, actor=actor, action="agents.reset_password", now=now, detail=detail)
    return revoked


def remove_logins(session: Session, *, emails: Sequence[str], actor: Actor, now: datetime) -> list[str]:
    """End the sign-in of published accounts (the demo logins): the records stay, since tickets and
    notes refer to them, but lose their password; agents are deactivated and lose grants and keys.
    Returns the emails that could sign in before (empty when run again)."""
    removed: list[str] = []
    for email in emails:
        agent = session.exec(select(Agent).where(Agent.email == email)).first()
        if agent is not None and agent.id is not None and (agent.active or agent.password_hash):
            if agent.active:
                _guard_last_admin(session, agent, "removed")
            revoke_access(session, agent_id=agent.id, reason="agent_deactivated", now=now)
            agent.active = False
            agent.password_hash = None
            _changed(session, agent, actor=actor, action="agents.remove_login", now=now)
            removed.append(email)
        requester = session.exec(select(Requester).where(Requester.email == email)).first()
        if requester is not None and requester.password_hash:
            requester.password_hash = None
            requester.updated_at = now
            session.add(requester)
            record_admin_action(
                session=session, actor=actor, action="requesters.remove_login", subject=email, at=now
            )
            removed.append(email)
    session.flush()
    return removed


def add_requester(
    session: Session,
    *,
    email: str,
    first_name: str,
    last_name: str = "",
    department: str = "",
    actor: Actor,
    now: datetime,
) -> RequesterPublic:
    """Create a requester (an end user, who cannot sign in), recorded in the audit log."""
    requester = create_requester(
        session=session, email=email, first_name=first_name, last_name=last_name, department=department
    )
    record_admin_action(
        session=session, actor=actor, action="requesters.create", subject=requester.email, at=now
    )
    return requester
