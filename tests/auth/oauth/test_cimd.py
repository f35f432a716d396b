"""Client ID Metadata Documents: fetched through a fake network (the fetcher's transport and
resolver seams), fenced against SSRF, bound to their URL, cached."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from auth.oauth.cimd import is_public_address
from tests.auth.browser import (
    LOOPBACK_REDIRECT,
    Browser,
    authorize_url,
    exchange_code,
    obtain_code,
    pkce_pair,
)
from tests.auth.fakes import FakeClock, FakeWeb
from tests.utils.auth_factories import Person


@pytest.fixture
def doc_url() -> str:
    """A fresh URL per test: documents are cached in the shared database."""
    return f"https://vscode.example/{uuid.uuid4().hex}/client-metadata.json"


def document(client_id: str, **overrides: object) -> httpx.Response:
    body = {
        "client_id": client_id,
        "client_name": "Visual Studio Code",
        "redirect_uris": [LOOPBACK_REDIRECT, "https://vscode.dev/redirect"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
    }
    body.update(overrides)
    return httpx.Response(200, json=body)


async def _authorize_status(http: httpx.AsyncClient, client_id: str) -> int:
    _, challenge = pkce_pair()
    return (await http.get(authorize_url(client_id, LOOPBACK_REDIRECT, challenge))).status_code


async def test_metadata_document_client_completes_the_flow(
    http: httpx.AsyncClient, browser: Browser, agent: Person, web: FakeWeb, doc_url: str
) -> None:
    web.serve(doc_url, document(doc_url))
    client = {"client_id": doc_url, "token_endpoint_auth_method": "none"}
    issued = await obtain_code(browser, client, agent)
    response = await exchange_code(http, client, issued)
    assert response.status_code == 200, response.text
    fetch = web.requests[0]
    assert fetch.url.host == "93.184.216.34"  # connected to the vetted address...
    assert fetch.headers["host"] == "vscode.example"  # ...for the named host
    assert fetch.extensions["sni_hostname"] == "vscode.example"


async def test_consent_names_the_document_host(
    http: httpx.AsyncClient, browser: Browser, agent: Person, web: FakeWeb, doc_url: str
) -> None:
    web.serve(doc_url, document(doc_url))
    _, challenge = pkce_pair()
    login = await browser.go(authorize_url(doc_url, LOOPBACK_REDIRECT, challenge))
    consent = await browser.submit(login, email=agent.email, password=agent.password)
    assert "Visual Studio Code" in consent.text
    assert "vscode.example" in consent.text


async def test_document_whose_client_id_differs_is_refused(
    http: httpx.AsyncClient, web: FakeWeb, doc_url: str
) -> None:
    web.serve(doc_url, document("https://vscode.example/other.json"))
    assert await _authorize_status(http, doc_url) == 400


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:10.1.2.3",
        "100.64.0.1",
        # Issue 9.9: IPv6 transition ranges that embed an IPv4 address (here 10.0.0.1 / 127.0.0.1).
        "2002:a00:1::1",  # 6to4
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo (server 65.54.227.120, client 10.0.0.1)
        "64:ff9b::a00:1",  # NAT64 well-known prefix
        "64:ff9b:1::a00:1",  # NAT64 local-use prefix
        "::7f00:1",  # IPv4-compatible
    ],
)
async def test_document_on_a_non_public_address_is_never_fetched(
    http: httpx.AsyncClient, web: FakeWeb, address: str, doc_url: str
) -> None:
    web.serve(doc_url, document(doc_url), address=address)
    assert await _authorize_status(http, doc_url) == 400
    assert web.requests == []


UNUSABLE: dict[str, Callable[[str], httpx.Response]] = {
    "redirect": lambda url: httpx.Response(302, headers={"Location": "https://elsewhere.example/doc.json"}),
    "over 64 KB": lambda url: httpx.Response(200, content=b"{" + b" " * (70 * 1024) + b"}"),
    "not JSON": lambda url: httpx.Response(200, content=b"not json"),
    "nested 20,000 deep": lambda url: httpx.Response(200, content=b"[" * 20_000 + b"]" * 20_000),
    "server error": lambda url: httpx.Response(500),
    "javascript: redirect URI": lambda url: document(url, redirect_uris=["javascript:alert(1)"]),
    "no redirect URIs": lambda url: document(url, redirect_uris=[]),
    "confidential client": lambda url: document(url, token_endpoint_auth_method="private_key_jwt"),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
async def test_unusable_documents_are_refused(
    http: httpx.AsyncClient, web: FakeWeb, doc_url: str, case: str
) -> None:
    web.serve(doc_url, UNUSABLE[case](doc_url))
    assert await _authorize_status(http, doc_url) == 400
    assert len(web.requests) == 1


@pytest.mark.parametrize(
    "client_id",
    ["http://vscode.example/doc.json", "https://vscode.example/", "https://user:pw@vscode.example/doc"],
)
async def test_only_https_urls_with_a_path_are_fetched(
    http: httpx.AsyncClient, web: FakeWeb, client_id: str
) -> None:
    web.serve(client_id.replace("user:pw@", ""), document(client_id))
    assert await _authorize_status(http, client_id) == 400
    assert web.requests == []


async def test_documents_are_cached_for_an_hour(
    http: httpx.AsyncClient, web: FakeWeb, clock: FakeClock
) -> None:
    url = "https://cache.example/client.json"
    web.serve(url, document(url))
    assert await _authorize_status(http, url) == 302
    assert await _authorize_status(http, url) == 302
    assert len(web.requests) == 1
    clock.advance(minutes=61)
    web.serve(url, document(url, redirect_uris=["https://vscode.dev/redirect"]))
    assert await _authorize_status(http, url) == 400  # refetched: the loopback URI is gone
    assert len(web.requests) == 2


def test_public_address_rules() -> None:
    assert is_public_address("93.184.216.34")
    assert is_public_address("2606:2800:220:1:248:1893:25c8:1946")
    for private in (
        "10.1.1.1",
        "172.16.0.1",
        "192.168.0.1",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
        "::",
        "fe80::1",
        "224.0.0.1",
    ):
        assert not is_public_address(private), private
