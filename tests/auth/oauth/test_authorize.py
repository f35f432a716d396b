"""``/authorize`` and the sign-in and consent pages: who may approve, what a refusal looks like,
PKCE and resource checks before anyone signs in, CSRF and anti-framing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import Engine

from domain.people.models import AgentRole
from tests.auth.browser import (
    LOOPBACK_REDIRECT,
    Browser,
    authorize_url,
    exchange_code,
    obtain_code,
    parse_page,
    pkce_pair,
    query,
    register_client,
)
from tests.auth.constants import BASE_URL
from tests.auth.fakes import FakeClock
from tests.utils.auth_factories import Person, create_agent, create_requester


async def _login_page(browser: Browser, client: dict[str, str], **extra: str | None) -> httpx.Response:
    _, challenge = pkce_pair()
    page = await browser.go(authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge, **extra))
    assert page.status_code == 200, page.text
    return page


async def test_authorize_shows_sign_in_then_consent_with_client_host_and_scopes(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(
        http, client_name="Claude", redirect_uris=["https://claude.ai/api/mcp/auth_callback"]
    )
    _, challenge = pkce_pair()
    url = authorize_url(
        client["client_id"], "https://claude.ai/api/mcp/auth_callback", challenge, scope="mcp:read"
    )
    first = await http.get(url)
    assert first.status_code == 302
    assert first.headers["location"].startswith(f"{BASE_URL}/authorize/consent?request=")
    login = await browser.go(url)
    assert '<label for="email">' in login.text and '<label for="password">' in login.text
    assert 'name="viewport"' in login.text
    consent = await browser.submit(login, email=agent.email, password=agent.password)
    assert "Claude" in consent.text
    assert "claude.ai" in consent.text
    assert "mcp:read" in consent.text and "mcp:write" not in consent.text
    assert agent.email in consent.text
    assert consent.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in consent.headers["content-security-policy"]
    assert consent.headers["cache-control"] == "no-store"


async def test_state_comes_back_unchanged_with_iss(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    issued = await obtain_code(browser, client, agent, state="a b/c?d=é")
    assert issued.state == "a b/c?d=é"


async def test_deny_redirects_with_access_denied_state_and_iss(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    url = authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge, state="xyz")
    result = await browser.login_and_consent(url, email=agent.email, password=agent.password, decision="deny")
    params = query(result.headers["location"])
    assert result.headers["location"].startswith(LOOPBACK_REDIRECT)
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz"
    assert params["iss"] == BASE_URL
    assert "code" not in params


async def test_admin_may_approve(http: httpx.AsyncClient, browser: Browser, engine: Engine) -> None:
    admin = create_agent(engine, role=AgentRole.admin)
    client = await register_client(http, token_endpoint_auth_method="none")
    assert (await obtain_code(browser, client, admin)).code


async def test_requester_is_refused_with_a_clear_page_and_the_client_gets_access_denied(
    http: httpx.AsyncClient, browser: Browser, engine: Engine
) -> None:
    requester = create_requester(engine)
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client, state="s1")
    refused = await browser.submit(login, email=requester.email, password=requester.password)
    assert refused.status_code == 403
    assert "Requester accounts cannot connect" in refused.text
    links = parse_page(refused.text).links
    assert len(links) == 1
    params = query(links[0].replace("&amp;", "&"))
    assert links[0].startswith(LOOPBACK_REDIRECT)
    assert params["error"] == "access_denied"
    assert params["state"] == "s1"
    assert "helpdesk_session" not in refused.headers.get("set-cookie", "")


async def test_inactive_agent_is_refused(http: httpx.AsyncClient, browser: Browser, engine: Engine) -> None:
    inactive = create_agent(engine, active=False)
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client)
    refused = await browser.submit(login, email=inactive.email, password=inactive.password)
    assert refused.status_code == 403
    assert "deactivated" in refused.text


async def test_wrong_password_shows_the_form_again_without_saying_which_part_was_wrong(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client)
    again = await browser.submit(login, email=agent.email, password="wrong")
    assert again.status_code == 200
    assert "do not match an account" in again.text
    unknown = await browser.submit(login, email="nobody@helpdesk.test", password="wrong")
    assert "do not match an account" in unknown.text


async def test_login_and_consent_without_csrf_token_are_refused(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client)
    no_token = await browser.submit(login, email=agent.email, password=agent.password, csrf_token="")
    assert no_token.status_code == 403
    consent = await browser.submit(login, email=agent.email, password=agent.password)
    assert "Allow access" in consent.text
    forged = await browser.submit(consent, decision="approve", csrf_token="0" * 64)
    assert forged.status_code == 403
    assert not forged.is_redirect
    fields = parse_page(consent.text).forms[0].fields
    del fields["csrf_token"]
    missing = await browser.http.post("/authorize/consent", data={**fields, "decision": "approve"})
    assert missing.status_code == 403


async def test_consent_post_from_another_browser_without_session_asks_to_sign_in(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client)
    consent = await browser.submit(login, email=agent.email, password=agent.password)
    browser.http.cookies.delete("helpdesk_session")
    result = await browser.submit(consent, decision="approve")
    assert result.status_code == 200
    assert 'name="password"' in result.text


async def test_tampered_or_expired_request_shows_an_error_page(
    browser: Browser, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client)
    token = parse_page(login.text).forms[0].fields["request"]
    tampered = await browser.go(f"/authorize/consent?request={token[:-4]}abcd")
    assert tampered.status_code == 400
    assert "expired" in tampered.text
    clock.advance(minutes=16)
    expired = await browser.go(f"/authorize/consent?request={token}")
    assert expired.status_code == 400


async def test_plain_pkce_and_missing_challenge_are_refused(http: httpx.AsyncClient) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    plain = await http.get(
        authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge, code_challenge_method="plain")
    )
    assert plain.status_code == 302
    assert query(plain.headers["location"])["error"] == "invalid_request"
    missing = await http.get(authorize_url(client["client_id"], LOOPBACK_REDIRECT, "", code_challenge=None))
    assert missing.status_code == 302
    assert query(missing.headers["location"])["error"] == "invalid_request"


async def test_foreign_resource_is_invalid_target(http: httpx.AsyncClient) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    response = await http.get(
        authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge, resource="https://other.example/mcp")
    )
    assert response.status_code == 302
    assert query(response.headers["location"])["error"] == "invalid_target"
    assert query(response.headers["location"])["iss"] == BASE_URL


async def test_unregistered_redirect_uri_is_refused_without_redirecting(http: httpx.AsyncClient) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    response = await http.get(authorize_url(client["client_id"], "https://evil.example/cb", challenge))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    unknown = await http.get(authorize_url("hdcl_unknown", LOOPBACK_REDIRECT, challenge))
    assert unknown.status_code == 400


async def test_loopback_redirect_matches_on_any_port(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(
        http,
        token_endpoint_auth_method="none",
        redirect_uris=["http://localhost/callback", "http://127.0.0.1:3000/cb"],
    )
    issued = await obtain_code(browser, client, agent, redirect_uri="http://localhost:61234/callback")
    assert issued.redirect_uri == "http://localhost:61234/callback"
    issued = await obtain_code(browser, client, agent, redirect_uri="http://127.0.0.1:49152/cb")
    assert issued.code
    _, challenge = pkce_pair()
    other_path = await http.get(authorize_url(client["client_id"], "http://localhost:61234/other", challenge))
    assert other_path.status_code == 400
    other_host = await http.get(
        authorize_url(client["client_id"], "http://127.0.0.1:61234/callback", challenge)
    )
    assert other_host.status_code == 400


async def test_sign_out_returns_to_the_sign_in_page(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    client = await register_client(http, token_endpoint_auth_method="none")
    login = await _login_page(browser, client)
    consent = await browser.submit(login, email=agent.email, password=agent.password)
    signed_out = await browser.submit(consent, form_index=1)
    assert signed_out.status_code == 200
    assert 'name="password"' in signed_out.text


@pytest.mark.parametrize(
    "challenge",
    ["short", "a" * 42, "a" * 129, "a" * 42 + "!", "a" * 42 + "=", "é" * 43],
    ids=["short", "42", "129", "bang", "padding", "non-ascii"],
)
async def test_a_malformed_code_challenge_is_invalid_request(http: httpx.AsyncClient, challenge: str) -> None:
    """Issue 9.6: RFC 7636 §4.2 — 43 to 128 characters of the unreserved alphabet."""
    client = await register_client(http, token_endpoint_auth_method="none")
    response = await http.get(authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge))
    assert response.status_code == 302
    error = query(response.headers["location"])
    assert error["error"] == "invalid_request" and "code_challenge" in error["error_description"]


async def test_only_unknown_scopes_are_invalid_scope_and_known_ones_are_granted(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    """Issue 9.7: ``scope=mcp:admin`` used to be widened to ``mcp:read mcp:write``."""
    client = await register_client(http, token_endpoint_auth_method="none")
    _, challenge = pkce_pair()
    for scope in ("mcp:admin", "mcp:admin tickets:delete"):
        response = await http.get(
            authorize_url(client["client_id"], LOOPBACK_REDIRECT, challenge, scope=scope)
        )
        assert response.status_code == 302
        assert query(response.headers["location"])["error"] == "invalid_scope", scope
    issued = await obtain_code(browser, client, agent, scope="mcp:admin mcp:read")
    token = await exchange_code(http, client, issued)
    assert token.status_code == 200 and token.json()["scope"] == "mcp:read"
