"""``authenticate_api_key``: who a key speaks for, and when it stops speaking for anyone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from auth.apikeys import authenticate_api_key, create_api_key, find_api_key, revoke_api_key
from domain.people.models import AgentRole
from domain.types import utcnow
from tests.utils.factories import make_agent, make_workspace


def test_a_key_resolves_to_its_owner_with_memberships_and_scopes(session: Session) -> None:
    first, second = make_workspace(session), make_workspace(session)
    agent = make_agent(session, workspaces=[first, second])
    _, key = create_api_key(session, email=agent.email, scopes=["mcp:read"])
    found = authenticate_api_key(session, key, now=utcnow())
    assert found is not None
    caller, reference = found
    assert (caller.agent_id, caller.email, caller.is_admin) == (agent.id, agent.email, False)
    assert caller.workspace_ids == {first.id, second.id}
    assert caller.scopes == {"mcp:read"}
    assert key.startswith(reference + "_")


def test_an_owner_without_workspaces_sees_none_and_an_admin_is_an_admin(session: Session) -> None:
    for role, is_admin in ((AgentRole.agent, False), (AgentRole.admin, True)):
        agent = make_agent(session, role=role)
        _, key = create_api_key(session, email=agent.email)
        found = authenticate_api_key(session, key, now=utcnow())
        assert found is not None
        assert found[0].workspace_ids == frozenset()
        assert found[0].is_admin is is_admin


def test_revoked_key_deactivated_owner_and_wrong_secret_are_refused(session: Session) -> None:
    agent = make_agent(session)
    _, key = create_api_key(session, email=agent.email)
    now = utcnow()
    assert authenticate_api_key(session, key[:-1] + ("A" if key[-1] != "A" else "B"), now=now) is None
    agent.active = False
    session.add(agent)
    assert authenticate_api_key(session, key, now=now) is None
    agent.active = True
    session.add(agent)
    assert authenticate_api_key(session, key, now=now) is not None
    row = find_api_key(session, key)
    assert row is not None
    revoke_api_key(session, key=row)
    assert authenticate_api_key(session, key, now=now) is None


def test_last_used_is_stamped_at_most_once_a_minute(session: Session) -> None:
    agent = make_agent(session)
    _, key = create_api_key(session, email=agent.email)
    start = utcnow()

    def last_used() -> object:
        row = find_api_key(session, key)
        assert row is not None
        session.refresh(row)
        return row.last_used_at

    assert authenticate_api_key(session, key, now=start) is not None
    assert last_used() == start
    assert authenticate_api_key(session, key, now=start + timedelta(seconds=59)) is not None
    assert last_used() == start
    assert authenticate_api_key(session, key, now=start + timedelta(seconds=60)) is not None
    assert last_used() == start + timedelta(seconds=60)
