"""Factories for people who sign in (agents, admins, requesters) and for OAuth clients.

They commit through their own session because the app under test reads through its own
connections; unique emails keep tests independent on the shared test database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from domain.db import session_scope
from domain.people.models import Agent, AgentRole, Requester

PASSWORD = "correct horse battery staple"
# Cheap parameters: tests verify many passwords and need not be slow about it.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    password: str = PASSWORD


def _email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@helpdesk.test"


def create_agent(engine: Engine, *, role: AgentRole = AgentRole.agent, active: bool = True) -> Person:
    email = _email(role.value)
    with session_scope(engine) as session:
        agent = Agent(
            email=email,
            first_name="Test",
            last_name=role.value.title(),
            role=role,
            active=active,
            password_hash=_fast_hasher.hash(PASSWORD),
        )
        session.add(agent)
        session.flush()
        assert agent.id is not None
        return Person(id=agent.id, email=email)


def create_requester(engine: Engine) -> Person:
    email = _email("requester")
    with session_scope(engine) as session:
        requester = Requester(email=email, first_name="Rita", password_hash=_fast_hasher.hash(PASSWORD))
        session.add(requester)
        session.flush()
        assert requester.id is not None
        return Person(id=requester.id, email=email)
