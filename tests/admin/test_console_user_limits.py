"""An admin sets one user's own quota on the console's Usage page; agents cannot."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

from domain.audit.service import list_entries
from domain.db import session_scope
from domain.usage.user_limits import override_of
from tests.admin.console import Console
from tests.auth.browser import parse_page
from tests.utils.auth_factories import Person


async def test_an_admin_sets_and_clears_one_users_limits(
    console: Console, engine: Engine, admin: Person, agent: Person
) -> None:
    await console.sign_in(admin)
    saved = await console.submit(
        "/admin/usage", action="/admin/usage/limits", email=agent.email.upper(), per_minute="", per_month="7"
    )
    assert saved.status_code == 303 and "notice=limit-set" in saved.headers["location"]
    with session_scope(engine) as session:
        assert override_of(session, agent.id) == (None, 7)
        trail = list_entries(session=session, tool="agents.quota")
        assert trail.entries[0].agent_email == admin.email and trail.entries[0].credential == "console"
    page = await console.http.get(saved.headers["location"])
    assert "The user&#39;s limits are saved" in page.text or "The user's limits are saved" in page.text
    row = next(line for line in page.text.splitlines() if agent.email in line)
    assert "(own limits)" in row
    again = await console.submit(
        "/admin/usage", action="/admin/usage/limits", email=agent.email, per_minute="", per_month="7"
    )
    assert "notice=limit-unchanged" in again.headers["location"]
    cleared = await console.submit(
        "/admin/usage", action="/admin/usage/limits", email=agent.email, per_minute="", per_month=""
    )
    assert "notice=limit-set" in cleared.headers["location"]
    with session_scope(engine) as session:
        assert override_of(session, agent.id) == (None, None)
    bad = await console.submit(
        "/admin/usage", action="/admin/usage/limits", email=agent.email, per_month="ten"
    )
    assert "notice=bad-limit" in bad.headers["location"]
    nobody = await console.submit(
        "/admin/usage", action="/admin/usage/limits", email="nobody@example.test", per_month="3"
    )
    assert "notice=no-agent" in nobody.headers["location"]


async def test_an_agent_cannot_set_limits(console: Console, http: httpx.AsyncClient, agent: Person) -> None:
    await console.sign_in(agent)
    keys = await http.get("/admin/keys")
    token = parse_page(keys.text).forms[0].fields
    form = {**token, "email": agent.email, "per_month": "9999"}
    refused = await http.post("/admin/usage/limits", data=form)
    assert refused.status_code == 403
