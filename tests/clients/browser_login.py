#!/usr/bin/env python3
"""A scripted person at a browser: signs in and approves on the authorization server's pages.

Real clients (mcp-remote, the MCP Inspector) open the authorization URL through ``$BROWSER``
(the ``open`` package runs ``xdg-open``, which runs ``$BROWSER URL`` when no desktop is found).
Pointing ``$BROWSER`` at this script lets them finish OAuth headless::

    BROWSER=tests/clients/browser_login.py mcp-remote http://127.0.0.1:8810/mcp 8811

It does what a person would: GET the URL, keep cookies, fill in the sign-in form (email and
password; the CSRF token and the signed request travel as the form's hidden fields), press
"Allow access" on the consent page, and follow the redirect back to the client's loopback
callback. It uses the standard library only, so any ``python3`` runs it.

Settings come from the environment (the opener passes nothing but the URL):

- ``HELPDESK_BROWSER_EMAIL`` / ``HELPDESK_BROWSER_PASSWORD``: the login (default: the seed's
  demo agent, ``agent@helpdesk.test`` / ``helpdesk-demo``);
- ``HELPDESK_BROWSER_DECISION``: ``approve`` (default) or ``deny``;
- ``HELPDESK_BROWSER_LOG``: a file to append a line per step to (openers discard the output);
- ``HELPDESK_BROWSER_TIMEOUT``: seconds per HTTP request (default 20).

Exit status 0 once the client's callback has been requested; 1 on anything unexpected (a page
without the expected form, an error page, a redirect carrying ``error=``).
"""

from __future__ import annotations

import http.cookiejar
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser

DEFAULT_EMAIL = "agent@helpdesk.test"
DEFAULT_PASSWORD = "helpdesk-demo"  # the seed's published demo password
MAX_STEPS = 12


class BrowserError(Exception):
    """The flow did not go the way a person would expect."""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, label)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.title = ""
        self.text: list[str] = []
        self.alerts: list[str] = []
        self._in_title = False
        self._skip = 0  # inside <style> or <script>
        self._alert = False
        self._button: tuple[str, str] | None = None
        self._button_label: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button = (a.get("name", ""), a.get("value", ""))
            self._button_label = []
        elif tag == "title":
            self._in_title = True
        elif tag in ("style", "script"):
            self._skip += 1
        elif a.get("role") == "alert":
            self._alert = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            name, value = self._button
            self.forms[-1].buttons.append((name, value, " ".join("".join(self._button_label).split())))
            self._button = None
        elif tag == "title":
            self._in_title = False
        elif tag in ("style", "script"):
            self._skip = max(self._skip - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._alert and data.strip():
            self.alerts.append(data.strip())
            self._alert = False
        if self._in_title:
            self.title += data
        if self._button is not None:
            self._button_label.append(data)
        if data.strip():
            self.text.append(data.strip())


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # hand every 3xx back to the caller, which decides where to go


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str | None:
        if self.status in (301, 302, 303, 307, 308):
            return self.headers.get("location")
        return None


@dataclass
class Browser:
    timeout: float = 20.0
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def note(self, line: str) -> None:
        self.log.append(line)
        path = os.environ.get("HELPDESK_BROWSER_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"{time.strftime('%H:%M:%S')} browser[{os.getpid()}] {line}\n")

    def request(self, url: str, data: dict[str, str] | None = None) -> Response:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise BrowserError(f"refusing to open {url!r}")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        method = "POST" if data is not None else "GET"
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - http(s), checked above
        request.add_header("User-Agent", "helpdesk-mcp scripted browser")
        request.add_header("Accept", "text/html,application/xhtml+xml")
        try:
            with self._opener.open(request, timeout=self.timeout) as raw:
                status, headers, payload = raw.status, raw.headers, raw.read()
        except urllib.error.HTTPError as error:  # 3xx (redirects not followed) and 4xx/5xx
            status, headers, payload = error.code, error.headers, error.read()
        charset = headers.get_content_charset() or "utf-8"
        response = Response(
            url=url,
            status=status,
            headers={key.lower(): value for key, value in headers.items()},
            body=payload.decode(charset, errors="replace"),
        )
        self.note(f"{'POST' if data is not None else 'GET'} {_short(url)} -> {status}")
        return response


def _short(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    names = ",".join(sorted(query))
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?[{names}]" if names else "")


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Outcome:
    callback_url: str  # where the server sent the browser back to the client
    params: dict[str, str]  # the callback's query (code, state, iss, or error)
    callback_status: int | None  # the client's answer to the callback, when it was followed


def complete_authorization(
    url: str,
    *,
    email: str = DEFAULT_EMAIL,
    password: str = DEFAULT_PASSWORD,
    decision: str = "approve",
    follow_callback: bool = True,
    timeout: float = 20.0,
    browser: Browser | None = None,
) -> Outcome:
    """From an authorization URL to the client's callback, filling in the forms on the way."""
    browser = browser or Browser(timeout=timeout)
    server = _origin(url)
    response = browser.request(url)
    signed_in = False
    for _ in range(MAX_STEPS):
        location = response.location
        if location is not None:
            target = urllib.parse.urljoin(response.url, location)
            if _origin(target) == server:
                response = browser.request(target)
                continue
            return _back_to_client(browser, target, follow_callback, expect_error=decision != "approve")
        if response.status != 200:
            raise BrowserError(f"{_short(response.url)} answered {response.status}: {_page_text(response)}")
        page = parse(response.body)
        form = _form_with_field(page, "password")
        if form is not None:
            if signed_in:
                raise BrowserError(f"the sign-in page came back: {_page_text(response)}")
            signed_in = True
            browser.note(f"sign-in form: submitting {email}")
            response = _submit(browser, response, form, {"email": email, "password": password})
            continue
        form = _form_with_button(page, "decision", decision)
        if form is not None:
            browser.note(f"consent page ({' '.join(page.text[:1])!r}): pressing {decision}")
            response = _submit(browser, response, form, {"decision": decision})
            continue
        raise BrowserError(f"unexpected page at {_short(response.url)}: {_page_text(response)}")
    raise BrowserError(f"no redirect back to the client after {MAX_STEPS} steps")


def _back_to_client(browser: Browser, target: str, follow: bool, *, expect_error: bool) -> Outcome:
    params = {
        key: values[0] for key, values in urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).items()
    }
    browser.note(f"redirected back to the client: {_short(target)}")
    if "error" in params and not expect_error:
        raise BrowserError(
            f"the server redirected with error={params['error']}: {params.get('error_description', '')}"
        )
    status = None
    if follow:
        status = browser.request(target).status
        if status >= 400:
            raise BrowserError(f"the client's callback {_short(target)} answered {status}")
    return Outcome(callback_url=target, params=params, callback_status=status)


def _form_with_field(page: _Page, name: str) -> Form | None:
    return next((form for form in page.forms if name in form.fields), None)


def _form_with_button(page: _Page, name: str, value: str) -> Form | None:
    for form in page.forms:
        if any(b_name == name and b_value == value for b_name, b_value, _ in form.buttons):
            return form
    return None


def _submit(browser: Browser, response: Response, form: Form, values: dict[str, str]) -> Response:
    if form.method != "post":
        raise BrowserError(f"expected a POST form, got method={form.method!r}")
    if "csrf_token" not in form.fields:
        raise BrowserError("the form carries no CSRF token")
    action = urllib.parse.urljoin(response.url, form.action or response.url)
    return browser.request(action, {**form.fields, **values})


def _page_text(response: Response) -> str:
    page = parse(response.body)
    text = " ".join(page.alerts or page.text)
    return (text[:300] + "…") if len(text) > 300 else text or response.body[:300]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} AUTHORIZATION_URL", file=sys.stderr)
        return 2
    browser = Browser(timeout=float(os.environ.get("HELPDESK_BROWSER_TIMEOUT", "20")))
    try:
        outcome = complete_authorization(
            argv[1],
            email=os.environ.get("HELPDESK_BROWSER_EMAIL", DEFAULT_EMAIL),
            password=os.environ.get("HELPDESK_BROWSER_PASSWORD", DEFAULT_PASSWORD),
            decision=os.environ.get("HELPDESK_BROWSER_DECISION", "approve"),
            browser=browser,
        )
    except (BrowserError, OSError) as error:
        browser.note(f"FAILED: {error}")
        print(f"browser_login: {error}", file=sys.stderr)
        return 1
    browser.note(f"done: callback answered {outcome.callback_status}")
    print(outcome.callback_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
