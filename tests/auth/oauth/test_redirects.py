"""Redirect URI rules (RFC 6749 §3.1.2, RFC 8252 §7.3) and resource normalisation (RFC 8707)."""

from __future__ import annotations

import pytest

from auth.oauth.protected_resources import normalise_resource
from auth.oauth.redirects import InvalidRedirectUri, check_registrable, redirect_uri_matches


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",
        "http://localhost:33418/callback",
        "http://127.0.0.1/cb",
        "http://[::1]:5000/cb",
        "cursor://anysphere.cursor-mcp/oauth/callback",
        "https://global.consent.azure-apim.net/redirect/helpdesk",
    ],
)
def test_client_redirect_uris_in_use_are_registrable(uri: str) -> None:
    check_registrable(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "http://example.com/cb",
        "https://a.example/#x",
        "callback",
        "https://user:pw@a.example/cb",
        "https://a.example/c b",
    ],
)
def test_dangerous_or_malformed_redirect_uris_are_not(uri: str) -> None:
    with pytest.raises(InvalidRedirectUri):
        check_registrable(uri)


@pytest.mark.parametrize(
    ("registered", "requested", "matches"),
    [
        ("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb", True),
        ("http://localhost:3000/cb", "http://localhost:4000/cb", True),
        ("http://[::1]/cb", "http://[::1]:8080/cb", True),
        ("http://127.0.0.1/cb", "http://127.0.0.1:51234/other", False),
        ("http://127.0.0.1/cb", "http://localhost:51234/cb", False),
        ("http://127.0.0.1/cb?a=1", "http://127.0.0.1:5/cb?a=2", False),
        ("https://claude.ai/api/mcp/auth_callback", "https://claude.ai/api/mcp/auth_callback", True),
        ("https://claude.ai:443/cb", "https://claude.ai:8443/cb", False),
        ("https://claude.ai/cb", "https://claude.ai/cb/", False),
    ],
)
def test_exact_match_except_loopback_port(registered: str, requested: str, matches: bool) -> None:
    assert redirect_uri_matches(registered, requested) is matches


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("https://Helpdesk.Example.com/mcp/", "https://helpdesk.example.com/mcp"),
        ("HTTPS://helpdesk.example.com:443/mcp", "https://helpdesk.example.com/mcp"),
        ("http://127.0.0.1:8000/mcp", "http://127.0.0.1:8000/mcp"),
        ("https://helpdesk.example.com/mcp#frag", None),
        ("ftp://helpdesk.example.com/mcp", None),
        ("not a url", None),
    ],
)
def test_resource_normalisation(value: str, normalised: str | None) -> None:
    assert normalise_resource(value) == normalised
