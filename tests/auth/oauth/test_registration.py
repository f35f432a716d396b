"""Dynamic client registration (RFC 7591) as real clients use it."""

from __future__ import annotations

import httpx
import pytest


async def test_public_client_registration_gets_no_secret(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/register",
        json={
            "client_name": "Claude Code",
            "redirect_uris": ["http://localhost/callback"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in body
    assert body["scope"] == "mcp:read mcp:write"
    assert body["redirect_uris"] == ["http://localhost/callback"]
    assert response.headers["cache-control"] == "no-store"


async def test_omitted_method_means_client_secret_basic_with_a_secret(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/register", json={"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["client_secret"].startswith("hdcs_")
    assert body["client_secret_expires_at"] == 0
    assert body["client_id"].startswith("hdcl_")


async def test_unknown_fields_are_ignored_and_requested_scope_is_kept(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/register",
        json={
            "redirect_uris": ["cursor://anysphere.cursor-mcp/oauth/callback"],
            "application_type": "something-new",
            "grant_types": [
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
            "jwks": {"keys": []},
            "scope": "mcp:read",
            "token_endpoint_auth_method": "client_secret_post",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["scope"] == "mcp:read"
    assert response.json()["grant_types"] == ["authorization_code", "refresh_token"]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://example.com/callback",
        "http://192.168.1.10:8080/callback",
        "https://example.com/callback#fragment",
        "/relative/callback",
    ],
)
async def test_dangerous_redirect_uris_are_refused(http: httpx.AsyncClient, redirect_uri: str) -> None:
    response = await http.post("/register", json={"redirect_uris": [redirect_uri]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"redirect_uris": []},
        {"redirect_uris": "https://a.example/cb"},
        {"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"},
        {"redirect_uris": ["https://a.example/cb"], "grant_types": ["client_credentials"]},
        {"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]},
        [],
    ],
)
async def test_invalid_metadata_is_a_400_never_a_500(http: httpx.AsyncClient, body: object) -> None:
    response = await http.post("/register", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


@pytest.mark.parametrize("body", [b"not json", b"[" * 20_000 + b"]" * 20_000], ids=["not json", "deep"])
async def test_non_json_body_is_invalid_client_metadata(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post("/register", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client_metadata",
        "error_description": "Body is not JSON.",
    }
