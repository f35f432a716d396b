"""The People page (admins only): the lifecycle of ``auth.lifecycle`` through the console's forms,
recorded in the audit log under the admin who acted."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

from domain.audit.service import list_entries
from domain.db import session_scope
from domain.people.models import Agent, AgentRole, AgentWorkspace
from domain.workspaces.models import Workspace
from tests.admin.console import Console
from tests.auth.browser import parse_page
from tests.utils.auth_factories import Person, create_agent


async def test_an_admin_deactivates_reactivates_and_promotes_an_agent(
    console: Console, engine: Engine, admin: Person, agent: Person
) -> None:
    await console.sign_in(admin)
    page = await console.http.get("/admin/people")
    assert page.status_code == 200 and agent.email in page.text
    deactivated = await console.http.post(
        "/admin/people", data={**await _token(console), "email": agent.email, "action": "deactivate"}
    )
    assert deactivated.status_code == 303 and "notice=deactivated" in deactivated.headers["location"]
    with session_scope(engine) as session:
        assert session.get(Agent, agent.id).active is False  # type: ignore[union-attr]
        entry = list_entries(session=session, tool="agents.deactivate").entries[0]
        assert (entry.agent_email, entry.credential) == (admin.email, "console")
    again = await console.http.post(
        "/admin/people", data={**await _token(console), "email": agent.email, "action": "deactivate"}
    )
    assert "notice=unchanged" in again.headers["location"]
    await console.http.post(
        "/admin/people", data={**await _token(console), "email": agent.email, "action": "reactivate"}
    )
    promoted = await console.http.post(
        "/admin/people",
        data={**await _token(console), "email": agent.email, "action": "role", "role": "admin"},
    )
    assert "notice=role" in promoted.headers["location"]
    with session_scope(engine) as session:
        person = session.get(Agent, agent.id)
        assert person is not None and person.active and person.role == AgentRole.admin


async def test_errors_are_shown_on_the_page(console: Console, engine: Engine, admin: Person) -> None:
    with session_scope(engine) as session:
        session.execute(Agent.__table__.update().values(active=False))  # type: ignore[attr-defined]
        session.execute(
            Agent.__table__.update().where(Agent.__table__.c.id == admin.id).values(active=True)  # type: ignore[attr-defined]
        )
    await console.sign_in(admin)
    refused = await console.http.post(
        "/admin/people", data={**await _token(console), "email": admin.email, "action": "deactivate"}
    )
    assert refused.status_code == 400 and "last active admin" in refused.text


async def test_workspaces_password_and_requesters(console: Console, engine: Engine, admin: Person) -> None:
    person = create_agent(engine)
    with session_scope(engine) as session:
        first, second = Workspace(name="People A"), Workspace(name="People B")
        session.add_all([first, second])
        session.flush()
        assert first.id and second.id
        session.add(AgentWorkspace(agent_id=person.id, workspace_id=first.id))
        second_id = second.id
    await console.sign_in(admin)
    added = await console.http.post(
        "/admin/people",
        data={
            **await _token(console),
            "email": person.email,
            "action": "add-workspace",
            "workspace": str(second_id),
        },
    )
    assert "notice=workspaces" in added.headers["location"]
    short = await console.http.post(
        "/admin/people",
        data={**await _token(console), "email": person.email, "action": "password", "password": "short"},
    )
    assert short.status_code == 400 and "at least 12 characters" in short.text
    changed = await console.http.post(
        "/admin/people",
        data={
            **await _token(console),
            "email": person.email,
            "action": "password",
            "password": "a long new passphrase",
            "revoke_access": "on",
        },
    )
    assert "notice=password" in changed.headers["location"]
    created = await console.http.post(
        "/admin/people/requesters",
        data={**await _token(console), "email": "Pat.People@example.test", "first_name": "Pat"},
    )
    assert "notice=requester" in created.headers["location"]
    found = await console.http.get("/admin/people?search=pat.people")
    assert "pat.people@example.test" in found.text


async def test_agents_cannot_open_people(console: Console, http: httpx.AsyncClient, agent: Person) -> None:
    await console.sign_in(agent)
    assert (await http.get("/admin/people")).status_code == 403


async def _token(console: Console) -> dict[str, str]:
    """The CSRF field of the People page's forms."""
    page = await console.http.get("/admin/people")
    fields = parse_page(page.text).forms[-1].fields
    return {name: value for name, value in fields.items() if "csrf" in name}
