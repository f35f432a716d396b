"""First contact over HTTP: ``/`` names the MCP URL (HTML for browsers, JSON otherwise), the
console's Connect page gives each client its configuration, a key created there is filled in and
works, the empty Connected apps page points to Connect, and the consent page says where to revoke."""

from __future__ import annotations

import json
from html import unescape

import httpx
from starlette.applications import Starlette

from server.connect.endpoints import ENDPOINTS
from tests.admin.console import Console
from tests.auth.browser import (
    LOOPBACK_REDIRECT,
    Browser,
    authorize_url,
    parse_page,
    pkce_pair,
    register_client,
)
from tests.auth.constants import BASE_URL, RESOURCE
from tests.utils.auth_factories import Person

ACCEPT_MCP = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _textareas(html: str) -> dict[str, str]:
    """The copyable snippets of a page, by id."""
    snippets: dict[str, str] = {}
    for chunk in html.split('<textarea id="')[1:]:
        snippet_id, rest = chunk.split('"', 1)
        snippets[snippet_id] = unescape(rest.split(">", 1)[1].split("</textarea>", 1)[0])
    return snippets


async def test_root_answers_json_to_programs_and_a_page_to_browsers(http: httpx.AsyncClient) -> None:
    facts = (await http.get("/")).json()
    assert facts["mcp_url"] == RESOURCE and facts["console_url"] == f"{BASE_URL}/admin"
    assert [e["url"] for e in facts["endpoints"]] == [f"{BASE_URL}{e.path}" for e in ENDPOINTS]
    assert (await http.get("/", headers={"Accept": "application/json"})).json() == facts
    page = await http.get("/", headers=BROWSER)
    assert page.headers["content-type"].startswith("text/html")
    assert RESOURCE in page.text and f'href="{BASE_URL}/admin"' in page.text


async def test_connect_page_gives_every_client_its_configuration(console: Console, agent: Person) -> None:
    await console.sign_in(agent)
    page = await console.http.get("/admin/connect")
    assert page.status_code == 200
    snippets = _textareas(page.text)
    assert snippets["mcp-url"] == RESOURCE
    for client in ("claude", "claude-code", "cursor", "vscode", "copilot-studio", "mcp-remote"):
        assert RESOURCE in snippets[f"{client}-oauth"], client
    assert "claude-key" not in snippets, "Claude's custom connectors take no header"
    cursor = json.loads(snippets["cursor-key"])
    assert cursor["mcpServers"]["helpdesk"]["headers"]["Authorization"] == "Bearer hdk_your_key"
    assert json.loads(snippets["vscode-oauth"])["servers"]["helpdesk"] == {"type": "http", "url": RESOURCE}
    assert snippets["claude-code-oauth"] == f"claude mcp add --transport http helpdesk {RESOURCE}"
    sse = _textareas((await console.http.get("/admin/connect?endpoint=/sse")).text)
    assert sse["claude-code-oauth"] == f"claude mcp add --transport sse helpdesk {BASE_URL}/sse"


async def test_a_key_created_on_the_connect_page_is_filled_in_and_works(
    app: Starlette, console: Console, agent: Person
) -> None:
    await console.sign_in(agent)
    created = await console.submit("/admin/connect", action="/admin/connect/key", name="Cursor laptop")
    assert created.status_code == 200
    snippets = _textareas(created.text)
    key = snippets["new-key-value"]
    assert key.startswith("hdk_")
    assert (
        json.loads(snippets["cursor-key"])["mcpServers"]["helpdesk"]["headers"]["Authorization"]
        == f"Bearer {key}"
    )
    assert f"Bearer {key}" in snippets["claude-code-key"]
    remote = json.loads(snippets["mcp-remote-key"])["mcpServers"]["helpdesk"]
    assert remote["env"] == {"HELPDESK_API_KEY": key}
    async with app.router.lifespan_context(app):
        listed = await console.http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={**ACCEPT_MCP, "Authorization": f"Bearer {key}"},
        )
    assert listed.status_code == 200 and listed.json()["result"]["tools"]
    again = _textareas((await console.http.get("/admin/connect")).text)
    assert key not in json.dumps(again), "the key is shown once"


async def test_the_empty_connected_apps_page_points_to_connect(console: Console, agent: Person) -> None:
    await console.sign_in(agent)
    page = await console.http.get("/admin/apps")
    assert "/admin/connect" in parse_page(page.text).links


async def test_the_consent_page_links_to_where_access_is_revoked(
    http: httpx.AsyncClient, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    browser = Browser(http)
    login = await browser.go(authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge))
    consent = await browser.submit(login, email=agent.email, password=agent.password)
    assert "Allow access" in consent.text
    assert "/admin/apps" in parse_page(consent.text).links
