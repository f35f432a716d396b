"""Discovery documents exactly as clients read them, CORS on every OAuth endpoint, plain 404s."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.constants import BASE_URL, RESOURCE


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]
)
async def test_protected_resource_metadata_names_the_pasted_url_and_one_server(
    http: httpx.AsyncClient, path: str
) -> None:
    response = await http.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["resource"] == RESOURCE
    assert body["authorization_servers"] == [BASE_URL]
    assert body["scopes_supported"] == ["mcp:read", "mcp:write"]
    assert "offline_access" not in body["scopes_supported"]
    assert body["bearer_methods_supported"] == ["header"]


async def test_authorization_server_metadata_has_what_clients_check(http: httpx.AsyncClient) -> None:
    body = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert body["issuer"] == BASE_URL
    assert body["authorization_endpoint"] == f"{BASE_URL}/authorize"
    assert body["token_endpoint"] == f"{BASE_URL}/token"
    assert body["registration_endpoint"] == f"{BASE_URL}/register"
    assert body["revocation_endpoint"] == f"{BASE_URL}/revoke"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["token_endpoint_auth_methods_supported"] == [
        "none",
        "client_secret_basic",
        "client_secret_post",
    ]
    assert body["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert body["response_types_supported"] == ["code"]
    assert {"mcp:read", "mcp:write"} <= set(body["scopes_supported"])
    assert body["client_id_metadata_document_supported"] is True
    assert body["authorization_response_iss_parameter_supported"] is True


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/mcp",
        "/.well-known/nothing",
    ],
)
async def test_missing_well_known_documents_are_404_with_cors(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, headers={"Origin": "https://inspector.example"})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/.well-known/oauth-protected-resource/mcp", "GET"),
        ("/.well-known/oauth-protected-resource", "GET"),
        ("/.well-known/oauth-authorization-server", "GET"),
        ("/.well-known/openid-configuration", "GET"),
        ("/authorize", "GET"),
        ("/token", "POST"),
        ("/register", "POST"),
        ("/revoke", "POST"),
    ],
)
async def test_every_discovery_and_oauth_endpoint_answers_preflight_and_carries_cors(
    http: httpx.AsyncClient, path: str, method: str
) -> None:
    origin = "http://localhost:6274"
    preflight = await http.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type, mcp-protocol-version",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] in ("*", origin)
    assert method in preflight.headers["access-control-allow-methods"]
    actual = await http.request(method, path, headers={"Origin": origin})
    assert actual.status_code < 500
    assert actual.headers["access-control-allow-origin"] in ("*", origin)
