"""The email + password check for everything a person signs in to (OAuth consent, admin console).

Agents and requesters share the login form, and the answer tells them apart so the page can say
*why* a requester may not continue. Exactly one password verification runs for every attempt,
known email or not (``verify_password`` checks a dummy hash for a missing account), so the time
a login takes does not reveal whether an account exists.

With ``limits`` (``auth.abuse.AuthRateLimits``), an attempt the sign-in limits refuse is
answered ``locked`` without checking the password, and only a wrong password counts against
them: a correct password never uses up a limit (see the policy in ``auth.abuse``).
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass
from typing import Protocol

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
    locked = "locked"  # too many failed attempts: the password was not checked


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    result: LoginResult
    agent_id: int | None = None
    stamp: str = ""  # for the session cookie: see ``auth.web.session.session_stamp``
    retry_after: int = 0  # seconds, for ``locked``


class SignInLimits(Protocol):
    def login_wait(self, *, email: str, ip: str) -> int | None:
        """Seconds until this address may try this account again, or None if it may now."""
        ...

    def login_failed(self, *, email: str, ip: str) -> None:
        """Count a wrong password for this account from this address."""
        ...


def check_login(
    session: Session, *, email: str, password: str, ip: str = "", limits: SignInLimits | None = None
) -> LoginOutcome:
    """The outcome of one sign-in attempt from ``ip`` (the counted client address)."""
    email = email.strip().lower()
    if limits is None:
        return _check_password(session, email=email, password=password)
    wait = limits.login_wait(email=email, ip=ip)
    if wait is not None:
        return LoginOutcome(LoginResult.locked, retry_after=wait)
    outcome = _check_password(session, email=email, password=password)
    if outcome.result == LoginResult.invalid:
        limits.login_failed(email=email, ip=ip)
    return outcome


def _check_password(session: Session, *, email: str, password: str) -> LoginOutcome:
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
