"""Every URL a client may be given is a protected resource of its own (RFC 9728, RFC 8707):
metadata at the path-inserted well-known URL naming that URL, a 401 challenge naming that
metadata, ``resource`` accepted at /authorize and /token, and a token accepted where its audience
covers the URL (the same tools or fewer), never where it would offer more."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.connect.endpoints import ENDPOINTS
from tests.auth.browser import (
    LOOPBACK_REDIRECT,
    Browser,
    authorize_url,
    exchange_code,
    obtain_code,
    pkce_pair,
    query,
    refresh,
    register_client,
)
from tests.auth.constants import BASE_URL
from tests.utils.auth_factories import Person

WELL_KNOWN = "/.well-known/oauth-protected-resource"
URLS = [
    "/mcp",
    "/sse",
    "/mcp/readonly",
    "/mcp/x/tickets",
    "/mcp/x/tickets,assets",
    "/mcp/x/people/readonly",
    "/sse/readonly",
    "/sse/x/tickets,assets",
    "/sse/x/people/readonly",
]
NOT_OURS = [
    "/mcp/x/bogus",
    "/mcp/x/tickets,tickets",
    "/mcp/x/",
    "/sse/x/bogus",
    "/sse/readonly/readonly",
    "/mcp/readonly/readonly",
    "/other",
]
TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}


def mcp_headers(token: str | None = None) -> dict[str, str]:
    headers = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def challenge(response: httpx.Response) -> dict[str, str]:
    value = response.headers["www-authenticate"]
    assert value.startswith("Bearer ")
    return dict(
        (key.strip(), raw.strip().strip('"'))
        for key, _, raw in (part.partition("=") for part in value.removeprefix("Bearer ").split(", "))
    )


async def token_for(
    http: httpx.AsyncClient, browser: Browser, agent: Person, path: str, **authorize: str
) -> dict[str, Any]:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent, resource=BASE_URL + path, **authorize)
    response = await exchange_code(http, client, issued, resource=BASE_URL + path)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    tokens["client"] = client
    return tokens


@pytest.mark.parametrize("path", URLS)
async def test_each_url_has_metadata_naming_itself(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(WELL_KNOWN + path)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["resource"] == BASE_URL + path
    assert document["authorization_servers"] == [BASE_URL]
    expected = ["mcp:read"] if path.endswith("/readonly") else ["mcp:read", "mcp:write"]
    assert document["scopes_supported"] == expected


async def test_the_root_document_describes_mcp(http: httpx.AsyncClient) -> None:
    assert (await http.get(WELL_KNOWN)).json()["resource"] == BASE_URL + "/mcp"


@pytest.mark.parametrize("path", [endpoint.path for endpoint in ENDPOINTS])
async def test_every_url_the_connect_page_lists_is_its_own_protected_resource(
    http: httpx.AsyncClient, path: str
) -> None:
    """The console's Connect page and ``/`` list these URLs: each must be served as itself."""
    document = (await http.get(WELL_KNOWN + path)).json()
    assert document["resource"] == BASE_URL + path
    response = await (
        http.get(path) if path.startswith("/sse") else http.post(path, json=TOOLS_LIST, headers=mcp_headers())
    )
    assert response.status_code == 401
    assert challenge(response)["resource_metadata"] == BASE_URL + WELL_KNOWN + path


@pytest.mark.parametrize("path", NOT_OURS)
async def test_no_metadata_for_a_url_we_do_not_serve(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(WELL_KNOWN + path, headers={"Origin": "https://inspector.example"})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", URLS)
async def test_the_challenge_names_the_urls_own_metadata(http: httpx.AsyncClient, path: str) -> None:
    response = await (
        http.get(path) if path.startswith("/sse") else http.post(path, json=TOOLS_LIST, headers=mcp_headers())
    )
    assert response.status_code == 401
    fields = challenge(response)
    assert fields["resource_metadata"] == BASE_URL + WELL_KNOWN + path
    assert fields["scope"] == ("mcp:read" if path.endswith("/readonly") else "mcp:read mcp:write")


async def test_an_unknown_narrowed_url_is_404_with_the_rule(http: httpx.AsyncClient) -> None:
    response = await http.post("/mcp/x/bogus", json=TOOLS_LIST, headers=mcp_headers())
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_endpoint"
    assert "tickets, assets, people" in response.json()["error_description"]


@pytest.mark.parametrize("path", ["/sse", "/mcp/x/tickets,assets/readonly"])
async def test_authorize_and_token_accept_each_url(
    http: httpx.AsyncClient, browser: Browser, agent: Person, path: str
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(
        browser, client, agent, resource="HTTP" + BASE_URL.removeprefix("http") + path + "/"
    )
    other = await exchange_code(http, client, issued, resource=BASE_URL + "/mcp")
    assert other.status_code == 400 and other.json()["error"] == "invalid_target"
    response = await exchange_code(http, client, issued, resource=BASE_URL + path)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", NOT_OURS)
async def test_authorize_refuses_a_url_we_do_not_serve(http: httpx.AsyncClient, path: str) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    _, code_challenge = pkce_pair()
    url = authorize_url(client["client_id"], LOOPBACK_REDIRECT, code_challenge, resource=BASE_URL + path)
    response = await http.get(url)
    assert response.status_code == 302
    assert query(response.headers["location"])["error"] == "invalid_target"


async def test_a_token_for_a_read_only_url_is_read_only(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    tokens = await token_for(http, browser, agent, "/mcp/readonly", scope="mcp:read mcp:write")
    assert tokens["scope"] == "mcp:read"
    renewed = await refresh(http, tokens["client"], tokens["refresh_token"], scope="mcp:read mcp:write")
    assert renewed.status_code == 400 and renewed.json()["error"] == "invalid_scope"


async def test_a_token_works_where_its_audience_covers_the_url(
    app: Starlette, http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    """RFC 8707 audiences compared as tool sets: a wide token works on narrower URLs of this
    server; a narrow one is refused (401 invalid_token, naming the URL's metadata) on wider ones."""
    accepted = {
        "/mcp": ["/mcp", "/sse", "/mcp/readonly", "/mcp/x/tickets", "/mcp/x/assets,people/readonly"],
        "/mcp/readonly": ["/mcp/readonly", "/mcp/x/tickets/readonly"],
        "/mcp/x/tickets,assets": ["/mcp/x/tickets", "/mcp/x/assets,tickets", "/mcp/x/tickets/readonly"],
    }
    refused = {
        "/mcp": [],
        "/mcp/readonly": ["/mcp", "/sse", "/mcp/x/tickets", "/sse/x/tickets"],
        "/mcp/x/tickets,assets": ["/mcp", "/mcp/readonly", "/mcp/x/people", "/mcp/x/tickets,people"],
    }
    tokens = {
        audience: (await token_for(http, browser, agent, audience))["access_token"] for audience in accepted
    }
    async with app.router.lifespan_context(app):  # the SDK's session manager, for the 200s
        for audience, paths in accepted.items():
            await check_token(http, tokens[audience], accepted=paths, refused=refused[audience])


async def check_token(
    http: httpx.AsyncClient, token: str, *, accepted: list[str], refused: list[str]
) -> None:
    for path in accepted:
        if path.startswith("/sse"):
            continue  # a stream: the SDK client test uses a /mcp token over /sse
        response = await http.post(path, json=TOOLS_LIST, headers=mcp_headers(token))
        assert response.status_code == 200, f"token at {path}: {response.text}"
    for path in refused:
        response = await (
            http.get(path, headers=mcp_headers(token))
            if path.startswith("/sse")
            else http.post(path, json=TOOLS_LIST, headers=mcp_headers(token))
        )
        assert response.status_code == 401, f"token at {path}"
        fields = challenge(response)
        assert fields["error"] == "invalid_token"
        assert fields["resource_metadata"] == BASE_URL + WELL_KNOWN + path
