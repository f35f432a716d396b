"""The console in a real browser: headless Chromium (the system's, driven by Playwright) against
uvicorn on a seeded database of its own.

An admin signs in, finds the app an OAuth flow (run with httpx, as tests/auth does) just
connected, revokes it, and the app's next MCP request gets 401; an agent sees only its own
grants and gets the 403 page for an admin page; a tool disabled in the console is gone from
``tools/list``. Along the way each page is photographed: into a temporary folder, or into
``HELPDESK_SCREENSHOTS`` when set (``docs/screenshots`` holds the committed ones).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from auth.apikeys import create_api_key
from auth.oauth import create_preregistered_client
from domain import migrate
from domain.audit.models import AuditDailyCount, Outcome
from domain.audit.service import ToolCallRecord, record_call
from domain.db import make_engine, session_scope
from domain.people.models import Agent
from seed import seed_database
from seed.demo import ADMIN_EMAIL, AGENT_EMAIL, DEMO_PASSWORD
from server.console.usage import month_bounds
from server.settings import load_settings
from server.tools.registry import all_tool_specs
from tests.auth.browser import (
    Browser,
    IssuedCode,
    authorize_url,
    exchange_code,
    pkce_pair,
    query,
    register_client,
)
from tests.auth.conftest import build_app
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.auth_factories import Person
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server, mcp_client
from tests.utils.mcp_calls import call_ok

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_api = pytest.importorskip("playwright.async_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"
)

ADMIN = Person(0, ADMIN_EMAIL, DEMO_PASSWORD)
AGENT = Person(0, AGENT_EMAIL, DEMO_PASSWORD)


def _database_url(tmp: Path) -> str:
    return own_database_url(tmp, "browser")


@dataclass
class Stage:
    url: str
    engine: Engine
    clock: FakeClock
    shots: Path


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    database_url = _database_url(tmp_path_factory.mktemp("browser"))
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    seed_database(engine, scale=0.02)
    clock = FakeClock()
    _usage_history(engine, clock)
    port = free_port()
    settings = load_settings(database_url=database_url, base_url=f"http://127.0.0.1:{port}")
    shots = Path(os.environ.get("HELPDESK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with live_server(build_app(settings, engine, clock, FakeWeb()), port) as url:
        yield Stage(url, engine, clock, shots)
    engine.dispose()


SAMPLE_ARGUMENTS = {
    "fetchTickets": '{"status": "open", "per_page": 30}',
    "fetchTicket": '{"ticket_id": 1042}',
    "fetchSolutionArticleSearch": '{"search_term": "vpn certificate", "per_page": 5}',
    "createTicket": '{"subject": "Outlook keeps asking for my password", "requester_id": 17}',
    "updateTicket": '{"ticket_id": 1187, "status": "pending"}',
    "fetchAssets": '{"state": "in_use", "per_page": 30}',
}
CLIENT_LABELS = ("Claude Code", "Cursor", "n8n workflows", "VS Code", "Copilot Studio", "mcp-remote")


def _usage_history(engine: Engine, clock: FakeClock) -> None:
    """A month of plausible traffic: kept per-day counts for days past the retention, audit rows
    (through the service the server uses) for the last few days, from API keys of seeded agents."""
    start, _ = month_bounds(clock.now)
    tools = [spec.name for spec in all_tool_specs()]
    weights = ["fetchTickets"] * 6 + ["fetchTicket"] * 5 + ["fetchSolutionArticleSearch"] * 3 + tools
    with session_scope(engine) as session:
        emails = list(session.exec(select(Agent.email).order_by(col(Agent.id)).limit(6)))
        keys = [
            f"hdk_{create_api_key(session, email=email, name=label)[0].key_id}"
            for email, label in zip(emails, CLIENT_LABELS, strict=True)
        ]
        day = start
        index = 0
        while day.date() < clock.now.date():
            weekend = day.weekday() >= 5
            calls = (25 if weekend else 110) + (index * 37) % 60
            if clock.now - day > timedelta(days=6):
                session.add(AuditDailyCount(day=day.strftime("%Y-%m-%d"), calls=calls, errors=index % 4))
            else:
                for n in range(calls):
                    user = (n * n + index) % len(emails)
                    tool = weights[(n * 13 + index) % len(weights)]
                    failed = n % 41 == 0
                    record_call(
                        session=session,
                        call=ToolCallRecord(
                            at=day + timedelta(hours=8, minutes=(n * 7) % 540),
                            agent_id=None,
                            agent_email=emails[user],
                            credential_kind="api_key",
                            credential=keys[user],
                            tool=tool,
                            arguments=SAMPLE_ARGUMENTS.get(tool, '{"per_page": 30}'),
                            outcome=Outcome.error if failed else Outcome.ok,
                            error="No ticket with ticket_id 90210 exists (or it is not visible to you)."
                            if failed
                            else None,
                            duration_ms=4 + (n * 11) % 40,
                        ),
                    )
            day += timedelta(days=1)
            index += 1


@pytest.fixture
async def page(stage: Stage) -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1360, "height": 900}, color_scheme="light")
        yield await context.new_page()
        await browser.close()


async def _connect(stage: Stage, name: str, person: Person, **registration: Any) -> dict[str, Any]:
    """Run the OAuth flow for a new client; return the client and its tokens."""
    async with httpx.AsyncClient(base_url=stage.url) as http:
        client = registration.pop("client", None) or await register_client(
            http, client_name=name, token_endpoint_auth_method="none", **registration
        )
        client.setdefault("token_endpoint_auth_method", "none")
        redirect = client.get("redirect_uris", ["http://127.0.0.1:53682/callback"])[0]
        verifier, challenge = pkce_pair()
        url = authorize_url(client["client_id"], redirect, challenge, resource=f"{stage.url}/mcp")
        url = url.replace(BASE_URL, stage.url)
        result = await Browser(http, base_url=stage.url).login_and_consent(
            url, email=person.email, password=person.password
        )
        params = query(result.headers["location"])
        issued = IssuedCode(params["code"], verifier, redirect, params.get("state", ""))
        tokens = await exchange_code(http, client, issued, resource=f"{stage.url}/mcp")
    assert tokens.status_code == 200, tokens.text
    return {"client": client, **tokens.json()}


async def _mcp_status(stage: Stage, token: str) -> int:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{stage.url}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        )
    return response.status_code


async def _sign_in(page: Any, stage: Stage, person: Person, target: str = "/admin/apps") -> None:
    await page.goto(f"{stage.url}{target}")
    await page.get_by_label("Work email").fill(person.email)
    await page.get_by_label("Password").fill(person.password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{stage.url}{target}")


async def _shoot(page: Any, stage: Stage, name: str, *, height: int | None = None) -> None:
    """The whole page, or its top ``height`` pixels."""
    clip = {"x": 0, "y": 0, "width": 1360, "height": height} if height else None
    await page.screenshot(path=str(stage.shots / f"{name}.png"), full_page=True, clip=clip)


async def test_admin_revokes_a_connected_app_and_its_next_request_gets_401(stage: Stage, page: Any) -> None:
    claude = await _connect(stage, "Claude Desktop", ADMIN)
    await _connect(stage, "Cursor", AGENT)
    with session_scope(stage.engine) as session:
        client_id, secret = create_preregistered_client(
            session,
            name="Copilot Studio connector",
            redirect_uris=["https://global.consent.azure-apim.net/redirect/helpdesk"],
            scopes=["mcp:read", "mcp:write"],
        )
    await _connect(
        stage,
        "",
        ADMIN,
        client={
            "client_id": client_id,
            "client_secret": secret,
            "token_endpoint_auth_method": "client_secret_basic",
            "redirect_uris": ["https://global.consent.azure-apim.net/redirect/helpdesk"],
        },
    )
    async with mcp_client(stage.url, key=claude["access_token"]) as client:
        tickets = await call_ok(client, "fetchTickets", {"per_page": 3, "status": "open"})
        await call_ok(client, "fetchTicket", {"ticket_id": tickets["tickets"][0]["id"]})
        await call_ok(client, "fetchSolutionArticleSearch", {"search_term": "VPN", "per_page": 3})
    assert await _mcp_status(stage, claude["access_token"]) == 200

    await _sign_in(page, stage, ADMIN)
    card = page.locator("section.card", has=page.get_by_role("heading", name="Claude Desktop"))
    await card.wait_for()
    assert ADMIN_EMAIL in await card.inner_text()
    assert await page.get_by_role("heading", name="Cursor").count() == 1
    await _shoot(page, stage, "connected-apps")

    await card.get_by_role("button", name="Revoke app").click()
    await page.get_by_role("status").wait_for()
    assert "App revoked for everyone" in await page.get_by_role("status").inner_text()
    assert await page.get_by_role("heading", name="Claude Desktop").count() == 0
    assert await _mcp_status(stage, claude["access_token"]) == 401


async def test_agent_sees_only_its_own_grants_and_not_admin_pages(stage: Stage, page: Any) -> None:
    await _connect(stage, "Cursor (agent laptop)", AGENT)
    await _connect(stage, "Admin-only app", ADMIN)
    await _sign_in(page, stage, AGENT)
    main = await page.locator("main").inner_text()
    assert "Cursor (agent laptop)" in main and AGENT_EMAIL in main
    assert "Admin-only app" not in main and ADMIN_EMAIL not in main
    assert await page.get_by_role("button", name="Revoke app").count() == 0
    assert await page.get_by_role("link", name="Audit log").count() == 0
    response = await page.goto(f"{stage.url}/admin/audit")
    assert response is not None and response.status == 403
    assert "Admins only" in await page.locator("main").inner_text()


async def test_admin_pages_keys_usage_tools_and_audit(stage: Stage, page: Any) -> None:
    await _sign_in(page, stage, ADMIN, "/admin/keys")
    await page.get_by_label("Label").fill("n8n workflows")
    await page.get_by_label("Owner").select_option(AGENT_EMAIL)
    await page.get_by_role("button", name="Create key").click()
    key_field = page.get_by_role("textbox", name="New API key")
    key = await key_field.input_value()
    assert key.startswith("hdk_")
    assert await page.get_by_role("button", name="Copy").is_visible()  # the script ran
    await _shoot(page, stage, "api-keys")

    async with mcp_client(stage.url, key=key) as client:
        await call_ok(client, "fetchWorkspaces")
        await call_ok(
            client,
            "createTicket",
            {"subject": "Laptop will not charge", "requester_id": 1, "description": "Since Monday. " * 20},
        )

    await page.goto(f"{stage.url}/admin/usage")
    assert "This month" in await page.locator("main").inner_text()
    assert await page.locator("svg.chart rect.bar").count() >= 1
    await _shoot(page, stage, "usage")

    await page.goto(f"{stage.url}/admin/tools")
    assert await page.locator("tbody tr").count() == 34
    await page.get_by_role("button", name="Disable createAsset").click()
    await page.get_by_role("status").wait_for()
    await page.get_by_role("button", name="Disable updateSolutionArticle").click()
    await page.get_by_role("status").wait_for()
    await _shoot(page, stage, "tools", height=1400)
    async with mcp_client(stage.url, key=key) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert "createAsset" not in names and "updateSolutionArticle" not in names and len(names) == 32

    await page.goto(f"{stage.url}/admin/audit")
    rows = page.locator("tbody tr")
    assert await rows.count() == 50
    first = await rows.first.inner_text()
    assert "createTicket" in first and "n8n workflows" in first and "(2" in first  # description cut
    await _shoot(page, stage, "audit-log", height=1300)
    await page.get_by_label("Tool").select_option("fetchWorkspaces")
    await page.get_by_label("Since (UTC)").fill(
        stage.clock.now.strftime("%Y-%m-%d")
    )  # today: past the history
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url("**/admin/audit?*tool=fetchWorkspaces*")
    assert await rows.count() == 1


async def test_connect_page_fills_a_new_key_into_the_configurations(stage: Stage, page: Any) -> None:
    await _sign_in(page, stage, AGENT, "/admin/connect")
    assert await page.get_by_role("textbox", name="MCP URL").input_value() == f"{stage.url}/mcp"
    cursor = page.get_by_role("textbox", name="Cursor with an API key")
    assert "hdk_your_key" in await cursor.input_value()
    await _shoot(page, stage, "connect", height=1500)
    await page.get_by_label("Label").fill("Cursor on my laptop")
    await page.get_by_role("button", name="Create a key and fill it in").click()
    key = await page.get_by_role("textbox", name="New API key").input_value()
    assert key.startswith("hdk_")
    assert f"Bearer {key}" in await page.get_by_role("textbox", name="Cursor with an API key").input_value()
    assert await page.get_by_role("button", name="Copy").first.is_visible()  # the script ran
    assert await _mcp_status(stage, key) == 200


async def test_people_page_deactivates_an_agent(stage: Stage, page: Any) -> None:
    with session_scope(stage.engine) as session:
        leaver = session.exec(
            select(Agent).where(col(Agent.email) != ADMIN_EMAIL, col(Agent.email) != AGENT_EMAIL)
        ).first()
        assert leaver is not None
        leaver_email = leaver.email
        key = create_api_key(session, email=leaver_email)[1]
    assert await _mcp_status(stage, key) == 200
    await _sign_in(page, stage, ADMIN, "/admin/people")
    await page.get_by_role("button", name=f"Deactivate {leaver_email}").click()
    await page.get_by_role("status").wait_for()
    assert "Deactivated" in await page.get_by_role("status").inner_text()
    assert await page.get_by_role("button", name=f"Reactivate {leaver_email}").count() == 1
    assert await _mcp_status(stage, key) == 401
    await _shoot(page, stage, "people", height=1100)


async def test_usage_chart_labels_stay_readable_at_phone_width(stage: Stage, page: Any) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await _sign_in(page, stage, ADMIN, "/admin/usage")
    label = page.locator("svg.chart text").nth(1)
    box = await label.bounding_box()
    assert box is not None and box["height"] >= 9, "labels rendered at least 9 px tall"
    chart_card = page.locator("section.card", has=page.locator("svg.chart"))
    await chart_card.screenshot(path=str(stage.shots / "usage-phone.png"))
