"""The HTTP edge of /mcp: authentication challenges, API keys, Host/Origin, CORS, body limits."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from auth.apikeys import create_api_key, find_api_key, revoke_api_key
from domain import migrate
from domain.db import make_engine, session_scope
from domain.people.models import Agent, AgentRole, Requester
from server.app import create_app
from server.settings import load_settings
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server
from tests.utils.server_log import server_log, tracebacks

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def edge_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """These tests commit rows: a database of their own keeps the shared one empty."""
    return own_database_url(tmp_path_factory.mktemp("edge"), "edge")


@pytest.fixture(scope="module")
def engine(edge_database_url: str) -> Iterator[Engine]:
    engine = make_engine(edge_database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def keys(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        session.add(Agent(email="edge-admin@example.test", first_name="Edge", role=AgentRole.admin))
        session.add(Requester(email="edge-requester@example.test", first_name="Req"))
        session.flush()
        _, full = create_api_key(session, email="edge-admin@example.test", name="edge")
        _, read = create_api_key(session, email="edge-admin@example.test", scopes=["mcp:read"])
        _, doomed = create_api_key(session, email="edge-admin@example.test")
        session.add(Agent(email="edge-leaver@example.test", first_name="Leaver", role=AgentRole.agent))
        session.flush()
        _, leaver = create_api_key(session, email="edge-leaver@example.test")
    return {"full": full, "read": read, "doomed": doomed, "leaver": leaver}


@pytest.fixture(scope="module")
def base_url(engine: Engine, edge_database_url: str) -> Iterator[str]:
    port = free_port()
    settings = load_settings(
        database_url=edge_database_url, base_url=f"http://127.0.0.1:{port}", max_request_bytes=4096
    )
    with live_server(create_app(settings, engine=engine), port) as url:
        yield url


def test_unauthenticated_requests_get_a_challenge_naming_resource_metadata(base_url: str) -> None:
    for method in ("POST", "GET", "DELETE"):
        response = httpx.request(method, f"{base_url}/mcp", json=INIT if method == "POST" else None)
        assert response.status_code == 401, method
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        assert f'resource_metadata="{base_url}/.well-known/oauth-protected-resource/mcp"' in challenge
        assert 'scope="mcp:read mcp:write"' in challenge


def test_api_key_is_accepted_as_bearer_bare_or_custom_header(base_url: str, keys: dict[str, str]) -> None:
    for headers in (
        {"Authorization": f"Bearer {keys['full']}"},
        {"Authorization": keys["full"]},
        {"X-API-Key": keys["full"]},
    ):
        response = httpx.post(f"{base_url}/mcp", json=INIT, headers={**ACCEPT, **headers})
        assert response.status_code == 200, headers
        assert response.json()["result"]["serverInfo"]["name"] == "helpdesk-mcp"


def test_bad_key_gets_invalid_token_challenge(base_url: str, keys: dict[str, str]) -> None:
    tampered = keys["full"][:-2] + ("aa" if not keys["full"].endswith("aa") else "bb")
    for key in (tampered, "hdk_nope", "not-a-key-at-all"):
        response = httpx.post(
            f"{base_url}/mcp", json=INIT, headers={**ACCEPT, "Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_revoked_key_is_refused_on_its_next_request(
    base_url: str, keys: dict[str, str], engine: Engine
) -> None:
    headers = {**ACCEPT, "Authorization": f"Bearer {keys['doomed']}"}
    assert httpx.post(f"{base_url}/mcp", json=INIT, headers=headers).status_code == 200
    with session_scope(engine) as session:
        row = find_api_key(session, keys["doomed"])
        assert row is not None
        revoke_api_key(session, key=row)
    assert httpx.post(f"{base_url}/mcp", json=INIT, headers=headers).status_code == 401


def test_deactivated_agent_is_refused_on_its_next_request(
    base_url: str, keys: dict[str, str], engine: Engine
) -> None:
    headers = {**ACCEPT, "Authorization": f"Bearer {keys['leaver']}"}

    def set_active(active: bool) -> None:
        with session_scope(engine) as session:
            agent = session.exec(select(Agent).where(Agent.email == "edge-leaver@example.test")).one()
            agent.active = active
            session.add(agent)

    assert httpx.post(f"{base_url}/mcp", json=INIT, headers=headers).status_code == 200
    set_active(False)
    response = httpx.post(f"{base_url}/mcp", json=INIT, headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    set_active(True)
    assert httpx.post(f"{base_url}/mcp", json=INIT, headers=headers).status_code == 200


def test_foreign_host_and_origin_are_refused(base_url: str, keys: dict[str, str]) -> None:
    headers = {**ACCEPT, "Authorization": f"Bearer {keys['full']}"}
    bad_host = httpx.post(f"{base_url}/mcp", json=INIT, headers={**headers, "Host": "evil.example"})
    assert bad_host.status_code == 421
    bad_origin = httpx.post(
        f"{base_url}/mcp", json=INIT, headers={**headers, "Origin": "https://evil.example"}
    )
    assert bad_origin.status_code == 403
    local_origin = httpx.post(
        f"{base_url}/mcp", json=INIT, headers={**headers, "Origin": "http://localhost:6274"}
    )
    assert local_origin.status_code == 200
    assert local_origin.headers["access-control-allow-origin"] == "http://localhost:6274"
    assert "WWW-Authenticate" in local_origin.headers["access-control-expose-headers"]


# Every browser-facing route besides /mcp (issue 9.13): a foreign Host is refused everywhere; a
# foreign Origin on the console and the SSE transport (the OAuth endpoints answer CORS to anyone:
# they hold no cookies, and browser-based clients call /token from their own origin).
EDGE_ROUTES = [
    ("GET", "/admin"),
    ("GET", "/admin/login"),
    ("POST", "/admin/login"),
    ("GET", "/sse"),
    ("POST", "/messages/?session_id=0123456789abcdef0123456789abcdef"),
    ("GET", "/authorize"),
    ("POST", "/token"),
]
ORIGIN_CHECKED = [route for route in EDGE_ROUTES if not route[1].startswith(("/authorize", "/token"))]


@pytest.mark.parametrize(("method", "path"), EDGE_ROUTES)
def test_a_foreign_host_is_refused_on_every_route(base_url: str, method: str, path: str) -> None:
    response = httpx.request(method, f"{base_url}{path}", headers={"Host": "evil.example"})
    assert response.status_code == 421
    assert response.json()["error"] == "invalid_host"


@pytest.mark.parametrize(("method", "path"), ORIGIN_CHECKED)
def test_a_foreign_origin_is_refused_on_the_console_and_sse(base_url: str, method: str, path: str) -> None:
    response = httpx.request(method, f"{base_url}{path}", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_origin"


@pytest.mark.parametrize("path", ["/token", "/.well-known/oauth-authorization-server"])
def test_oauth_endpoints_answer_cors_to_any_origin(base_url: str, path: str) -> None:
    response = httpx.request(
        "POST" if path == "/token" else "GET", f"{base_url}{path}", headers={"Origin": "https://app.example"}
    )
    assert response.status_code != 403
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_preflight_on_mcp_allows_mcp_headers(base_url: str) -> None:
    response = httpx.options(
        f"{base_url}/mcp",
        headers={
            "Origin": "http://localhost:6274",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, mcp-protocol-version",
        },
    )
    assert response.status_code == 204
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "mcp-session-id", "mcp-protocol-version", "last-event-id"):
        assert header in allowed


def test_oversized_body_is_refused_before_parsing(base_url: str, keys: dict[str, str]) -> None:
    body = {**INIT, "padding": "x" * 10_000}
    response = httpx.post(
        f"{base_url}/mcp", json=body, headers={**ACCEPT, "Authorization": f"Bearer {keys['full']}"}
    )
    assert response.status_code == 413


def test_api_key_cannot_be_created_for_a_requester(engine: Engine, keys: dict[str, str]) -> None:
    from domain.errors import InvalidField

    with session_scope(engine) as session, pytest.raises(InvalidField, match="requester"):
        create_api_key(session, email="edge-requester@example.test")


def test_health_and_readiness(base_url: str) -> None:
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


def test_whitespace_around_a_header_value_is_not_part_of_it(base_url: str, keys: dict[str, str]) -> None:
    """RFC 9110 §5.5; uvicorn's httptools parser keeps the spaces, so the SDK used to answer 400
    -32020 for ``Mcp-Name: "  fetchWorkspaces  "`` (conformance: http-header-validation). httpx
    refuses to send such a value, hence a raw request."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {
                "name": "fetchWorkspaces",
                "arguments": {},
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
                    "io.modelcontextprotocol/clientCapabilities": {},
                },
            },
        }
    ).encode()
    host, port = base_url.removeprefix("http://").split(":")
    head = (
        "POST /mcp HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization:  Bearer {keys['full']} \r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n"
        "MCP-Protocol-Version: \t2026-07-28\r\n"
        "Mcp-Method: tools/call \r\n"
        "Mcp-Name:   fetchWorkspaces  \r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.split()[1] == b"200", reply.decode(errors="replace")
    payload = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert payload["result"]["isError"] is False, payload


NUL_REFUSAL = {"error": "invalid_request", "error_description": "NUL characters are not allowed"}


def test_a_nul_character_is_refused_before_any_route_reads_it(base_url: str) -> None:
    """PostgreSQL's text refuses NUL: an unauthenticated ``client_id=%00`` was a 500 and a traceback."""
    with server_log() as log:
        answers = [
            httpx.get(f"{base_url}/authorize?client_id=ab%00c&response_type=code"),
            httpx.get(f"{base_url}/admin%00"),
            httpx.post(
                f"{base_url}/register",
                json={"redirect_uris": ["http://localhost/cb"], "client_name": "a\x00b"},
            ),
            httpx.post(f"{base_url}/token", data={"grant_type": "refresh_token", "refresh_token": "a\x00b"}),
            httpx.post(f"{base_url}/token", content=b"grant_type=refresh_token&refresh_token=a\x00b"),
            httpx.post(f"{base_url}/admin/login", data={"email": "a\x00b@x.test", "password": "x"}),
        ]
        # A browser's OAuth client reads the refusal too: it carries CORS like any answer there.
        cross_origin = httpx.post(
            f"{base_url}/token", data={"code": "a\x00b"}, headers={"Origin": "https://app.example"}
        )
    for answer in [*answers, cross_origin]:
        assert (answer.status_code, answer.json()) == (400, NUL_REFUSAL), answer.request.url
    assert cross_origin.headers["access-control-allow-origin"] == "*"
    assert tracebacks(log) == []


def test_text_that_only_looks_like_a_nul_is_handed_on(base_url: str) -> None:
    # A backslash then "u0000", as JSON escapes it: text, not a NUL.
    registered = httpx.post(
        f"{base_url}/register", json={"redirect_uris": ["http://localhost/cb"], "client_name": "a\\u0000b"}
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["client_name"] == "a\\u0000b"


def test_an_oversized_form_is_refused_before_parsing(base_url: str) -> None:
    response = httpx.post(f"{base_url}/token", data={"grant_type": "x", "padding": "x" * (64 * 1024)})
    assert (response.status_code, response.json()) == (
        413,
        {"error": "request_too_large", "limit_bytes": 65536},
    )
