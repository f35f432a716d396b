"""The email + password check for everything a person signs in to (OAuth consent, admin console).

Agents and requesters share the login form, and the answer tells them apart so the page can say
*why* a requester may not continue. Exactly one password verification runs for every attempt,
known email or not (``verify_password`` checks a dummy hash for a missing account), so the time
a login takes does not reveal whether an account exists.
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from auth.web.session import WebSession, session_stamp
from domain.people.models import Agent, AgentRole, Requester
from domain.people.passwords import verify_password

MAX_PASSWORD_LENGTH = 1024


class LoginResult(enum.StrEnum):
    agent = "agent"  # an active admin or agent: may approve clients
    requester = "requester"  # right password, but requesters may not connect clients
    inactive = "inactive"  # right password, deactivated agent
    invalid = "invalid"  # wrong email or password (never says which)


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    result: LoginResult
    agent_id: int | None = None
    stamp: str = ""  # for the session cookie: see ``auth.web.session.session_stamp``


def check_login(session: Session, *, email: str, password: str) -> LoginOutcome:
    email = email.strip().lower()
    if not email or not password or len(password) > MAX_PASSWORD_LENGTH or len(email) > 254:
        verify_password(None, "")
        return LoginOutcome(LoginResult.invalid)
    agent = session.exec(select(Agent).where(func.lower(Agent.email) == email)).first()
    if agent is not None:
        if not verify_password(agent.password_hash, password):
            return LoginOutcome(LoginResult.invalid)
        if not agent.active or agent.role not in (AgentRole.admin, AgentRole.agent):
            return LoginOutcome(LoginResult.inactive)
        return LoginOutcome(LoginResult.agent, agent_id=agent.id, stamp=session_stamp(agent.password_hash))
    requester = session.exec(select(Requester).where(func.lower(Requester.email) == email)).first()
    if verify_password(requester.password_hash if requester else None, password):
        return LoginOutcome(LoginResult.requester)
    return LoginOutcome(LoginResult.invalid)


def active_agent(session: Session, web_session: WebSession) -> Agent | None:
    """The agent behind a session, if it may still approve clients and its password is unchanged."""
    agent = session.get(Agent, web_session.agent_id)
    if agent is None or not agent.active or agent.role not in (AgentRole.admin, AgentRole.agent):
        return None
    if not hmac.compare_digest(session_stamp(agent.password_hash), web_session.stamp):
        return None
    return agent
