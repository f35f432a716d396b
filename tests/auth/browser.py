"""A scripted browser for the sign-in and consent pages: it reads forms out of the HTML
(CSRF token included) and submits them, following redirects until the client's redirect URI."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.auth.constants import BASE_URL, RESOURCE


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=attributes.get("action", "")))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1].fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "button" and self.forms and attributes.get("name"):
            self.forms[-1].buttons.setdefault(attributes["name"], []).append(attributes.get("value", ""))
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def parse_page(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    return parser


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def authorize_url(client_id: str, redirect_uri: str, challenge: str, **extra: str | None) -> str:
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "state-" + secrets.token_hex(4),
        "resource": RESOURCE,
    }
    for key, value in extra.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return f"{BASE_URL}/authorize?{urlencode(params)}"


@dataclass
class Browser:
    http: httpx.AsyncClient
    base_url: str = BASE_URL
    last: httpx.Response | None = None

    async def go(self, url: str) -> httpx.Response:
        """GET ``url`` and follow redirects on this server; stop before leaving it."""
        response = await self.http.get(url)
        return await self._follow(response)

    async def _follow(self, response: httpx.Response) -> httpx.Response:
        while response.is_redirect:
            location = response.headers["location"]
            if location.startswith("/"):
                location = self.base_url + location
            if not location.startswith(self.base_url):
                break  # the client's redirect URI: the flow's result
            response = await self.http.get(location)
        self.last = response
        return response

    async def submit(self, response: httpx.Response, *, form_index: int = 0, **values: str) -> httpx.Response:
        """Submit a form of ``response``'s page with ``values`` filled in; follow redirects."""
        form = parse_page(response.text).forms[form_index]
        data: dict[str, Any] = {**form.fields, **values}
        action = form.action if form.action.startswith("http") else self.base_url + form.action
        return await self._follow(await self.http.post(action, data=data))

    async def login_and_consent(
        self, url: str, *, email: str, password: str, decision: str = "approve"
    ) -> httpx.Response:
        """From an /authorize URL to the redirect back to the client (a 303 response)."""
        page = await self.go(url)
        assert page.status_code == 200, page.text
        if 'name="password"' in page.text:
            page = await self.submit(page, email=email, password=password)
            assert page.status_code == 200, page.text
        assert "Allow access" in page.text, page.text
        result = await self.submit(page, decision=decision)
        assert result.is_redirect, result.text
        return result


LOOPBACK_REDIRECT = "http://127.0.0.1:53682/callback"


async def register_client(http: httpx.AsyncClient, **metadata: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"client_name": "Test client", "redirect_uris": [LOOPBACK_REDIRECT]}
    body.update(metadata)
    response = await http.post("/register", json=body)
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


@dataclass
class IssuedCode:
    code: str
    verifier: str
    redirect_uri: str
    state: str


async def obtain_code(
    browser: Browser,
    client: dict[str, Any],
    person: Any,
    *,
    redirect_uri: str = LOOPBACK_REDIRECT,
    **authorize_extra: str | None,
) -> IssuedCode:
    verifier, challenge = pkce_pair()
    url = authorize_url(client["client_id"], redirect_uri, challenge, **authorize_extra)
    result = await browser.login_and_consent(url, email=person.email, password=person.password)
    params = query(result.headers["location"])
    assert "code" in params, result.headers["location"]
    return IssuedCode(params["code"], verifier, redirect_uri, params.get("state", ""))


def client_auth(
    client: dict[str, Any], *, method: str | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(form fields, headers) authenticating ``client`` the way ``method`` (or its own) says."""
    method = method or client.get("token_endpoint_auth_method", "client_secret_basic")
    if method == "client_secret_basic":
        raw = f"{client['client_id']}:{client['client_secret']}".encode()
        return {}, {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    if method == "client_secret_post":
        return {"client_id": client["client_id"], "client_secret": client["client_secret"]}, {}
    return {"client_id": client["client_id"]}, {}


async def exchange_code(
    http: httpx.AsyncClient, client: dict[str, Any], issued: IssuedCode, **extra: str | None
) -> httpx.Response:
    fields, headers = client_auth(client)
    data: dict[str, str] = {
        "grant_type": "authorization_code",
        "code": issued.code,
        "redirect_uri": issued.redirect_uri,
        "code_verifier": issued.verifier,
        "resource": RESOURCE,
        **fields,
    }
    for key, value in extra.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return await http.post("/token", data=data, headers=headers)


async def refresh(
    http: httpx.AsyncClient, client: dict[str, Any], refresh_token: str, **extra: str
) -> httpx.Response:
    fields, headers = client_auth(client)
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **fields, **extra}
    return await http.post("/token", data=data, headers=headers)
