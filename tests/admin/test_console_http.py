"""The console over HTTP: sign-in and roles, cookie and security headers, CSRF, API keys, tools."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from auth.apikeys import list_api_keys
from domain.audit.models import Outcome
from domain.audit.service import ToolCallRecord, record_call
from domain.db import session_scope
from domain.toolswitches.service import disabled_tools
from server.settings import load_settings
from tests.admin.console import Console
from tests.auth.browser import parse_page
from tests.auth.conftest import build_app
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.auth_factories import Person

ADMIN_PAGES = ("/admin/usage", "/admin/tools", "/admin/audit")


async def test_signed_out_visitors_are_sent_to_sign_in(http: httpx.AsyncClient) -> None:
    for path in ("/admin", "/admin/apps", "/admin/keys", *ADMIN_PAGES):
        response = await http.get(path, follow_redirects=True)
        assert response.status_code == 200
        assert str(response.url).split("?")[0].endswith("/admin/login"), path
        assert "Sign in to the console" in response.text


async def test_requester_cannot_sign_in(console: Console, requester: Person) -> None:
    response = await console.sign_in(requester)
    assert response.status_code == 403
    assert "Requester accounts cannot use the helpdesk console" in response.text
    assert "helpdesk_session" not in response.headers.get("set-cookie", "")
    assert (await console.http.get("/admin/apps")).status_code == 303


async def test_wrong_password_is_refused_without_saying_which(console: Console, agent: Person) -> None:
    response = await console.sign_in(Person(agent.id, agent.email, "wrong"))
    assert response.status_code == 400
    assert "do not match an account" in response.text


async def test_session_cookie_is_httponly_lax_and_not_secure_on_loopback(
    console: Console, admin: Person
) -> None:
    response = await console.sign_in(admin)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("helpdesk_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags


async def test_session_cookie_is_secure_outside_loopback(
    app_database_url: str, engine: Engine, clock: FakeClock, web: FakeWeb, admin: Person
) -> None:
    settings = load_settings(database_url=app_database_url, base_url="https://helpdesk.example.com")
    app = build_app(settings, engine, clock, web)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://helpdesk.example.com") as http:
        response = await Console(http).sign_in(admin)
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    assert all("secure" in {p.strip().lower() for p in c.split(";")} for c in cookies), cookies


async def test_pages_refuse_framing_and_inline_code(console: Console, admin: Person) -> None:
    await console.sign_in(admin)
    for path in ("/admin/login", "/admin/apps", "/admin/keys", *ADMIN_PAGES):
        response = await console.http.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"


async def test_agent_gets_a_403_page_for_account_wide_pages(console: Console, agent: Person) -> None:
    await console.sign_in(agent)
    for path in ADMIN_PAGES:
        response = await console.http.get(path)
        assert response.status_code == 403, path
        assert "Admins only" in response.text
    response = await console.http.post("/admin/tools", data={"tool": "fetchTickets", "action": "disable"})
    assert response.status_code == 403
    nav = (await console.http.get("/admin/apps")).text
    assert "/admin/audit" not in nav and "/admin/keys" in nav


async def test_forms_without_a_valid_csrf_token_are_refused(
    console: Console, admin: Person, engine: Engine, app: Starlette
) -> None:
    await console.sign_in(admin)
    page = await console.http.get("/admin/tools")
    token = parse_page(page.text).forms[-1].fields["csrf_token"]
    for data in (
        {"tool": "fetchTickets", "action": "disable"},
        {"tool": "fetchTickets", "action": "disable", "csrf_token": "forged"},
    ):
        response = await console.http.post("/admin/tools", data=data)
        assert response.status_code == 403
        assert "security token" in response.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as other:
        # Another browser, signed in too, cannot replay this browser's token (its CSRF cookie differs).
        await Console(other).sign_in(admin)
        data = {"tool": "fetchTickets", "action": "disable", "csrf_token": token}
        assert (await other.post("/admin/tools", data=data)).status_code == 403
        # Nor can a sign-in form be posted without the token (login CSRF).
        login = await other.post("/admin/login", data={"email": admin.email, "password": admin.password})
        assert login.status_code == 403
    with session_scope(engine) as session:
        assert "fetchTickets" not in disabled_tools(session)


async def test_agent_creates_sees_and_revokes_only_own_keys(
    console: Console, agent: Person, admin: Person, engine: Engine
) -> None:
    await console.sign_in(agent)
    created = await console.submit(
        "/admin/keys", action="/admin/keys", name="CI bot", scopes="mcp:read", owner=admin.email
    )
    assert created.status_code == 200, created.text
    assert "shown only this once" in created.text
    shown = re.search(r'id="new-key-value" type="text" readonly value="(hdk_[^"]+)"', created.text)
    assert shown is not None
    with session_scope(engine) as session:
        mine = list_api_keys(session, agent_id=agent.id)
        assert [(k.name, k.scopes) for k in mine] == [("CI bot", ["mcp:read"])]
        assert not [k for k in list_api_keys(session, agent_id=admin.id) if k.name == "CI bot"]
    listing = (await console.http.get("/admin/keys")).text
    assert mine[0].prefix in listing and shown.group(1) not in listing
    with session_scope(engine) as session:
        from auth.apikeys import create_api_key

        admins_key, _ = create_api_key(session, email=admin.email, name="admin's")
        admins_key_id = admins_key.id
    assert "admin&#39;s" not in listing
    refused = await console.submit("/admin/keys", action="/admin/keys/revoke", key_id=str(admins_key_id))
    assert refused.headers["location"].endswith("notice=not-found")
    revoked = await console.submit(
        "/admin/keys", action="/admin/keys/revoke", match={"key_id": str(mine[0].id)}
    )
    assert revoked.headers["location"].endswith("notice=revoked")
    with session_scope(engine) as session:
        assert list_api_keys(session, agent_id=agent.id) == []
        assert [k.id for k in list_api_keys(session, agent_id=admin.id)] == [admins_key_id]


async def test_admin_disables_and_enables_a_tool(console: Console, admin: Person, engine: Engine) -> None:
    await console.sign_in(admin)
    page = await console.http.get("/admin/tools")
    assert page.text.count('name="tool"') == 34
    response = await console.submit("/admin/tools", action="/admin/tools", match={"tool": "createAsset"})
    assert response.status_code == 303
    with session_scope(engine) as session:
        assert "createAsset" in disabled_tools(session)
    page = await console.http.get("/admin/tools?notice=disabled")
    assert f"by {admin.email}" in page.text
    await console.submit(
        "/admin/tools", action="/admin/tools", match={"tool": "createAsset", "action": "enable"}
    )
    with session_scope(engine) as session:
        assert "createAsset" not in disabled_tools(session)


async def test_audit_page_filters_and_pages_stay_put_while_calls_arrive(
    console: Console, admin: Person, engine: Engine, clock: FakeClock
) -> None:
    email = f"audited-{admin.id}@x.test"

    def call(minutes_ago: int, tool: str = "fetchTickets") -> None:
        with session_scope(engine) as session:
            record_call(
                session=session,
                call=ToolCallRecord(
                    at=clock.now - timedelta(minutes=minutes_ago),
                    agent_id=None,
                    agent_email=email,
                    credential_kind="oauth",
                    credential="oauth_grant:999999",
                    tool=tool,
                    arguments=f'{{"n": {minutes_ago}}}',
                    outcome=Outcome.ok,
                    error=None,
                    duration_ms=5,
                ),
            )

    for minutes_ago in range(60, 0, -1):
        call(minutes_ago)
    call(0, tool="createTicket")
    await console.sign_in(admin)
    first = await console.http.get("/admin/audit", params={"user": email})
    assert first.status_code == 200
    assert first.text.count("<tr>") == 1 + 50 and "61 calls" in first.text
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older is not None and "upto=" in older.group(1)
    call(0, tool="createTicket")  # a new call must not shift page 2
    second = await console.http.get(older.group(1).replace("&amp;", "&"))
    assert second.text.count("<tr>") == 1 + 11
    assert "{&#34;n&#34;: 60}" in second.text and "{&#34;n&#34;: 50}" in second.text
    tools = await console.http.get("/admin/audit", params={"user": email, "tool": "createTicket"})
    assert tools.text.count("<tr>") == 1 + 2
    since = (clock.now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    recent = await console.http.get("/admin/audit", params={"user": email, "since": since})
    assert recent.text.count("<tr>") == 1 + 7
    bad = await console.http.get("/admin/audit", params={"since": "yesterday"})
    assert "must be a date" in bad.text
    past_the_end = await console.http.get("/admin/audit", params={"user": email, "page": "9"})
    assert "past the end" in past_the_end.text
