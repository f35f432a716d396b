"""Rendering of the sign-in, consent and message pages, with the headers every such page carries.

Plain server-rendered HTML: no JavaScript, labelled inputs, a viewport for phones, light and dark
colour schemes. The headers stop the pages from being framed (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``, against clickjacking of the Allow button), cached, sniffed or leaking
the pending request in a ``Referer``. The stylesheet is inline and allowed by its hash, so the
Content-Security-Policy needs no ``unsafe-inline``. ``form-action`` is deliberately not set:
browsers apply it to the redirect that follows the consent form, which goes to the client.
"""

from __future__ import annotations

import base64
import hashlib
import math
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)
STYLESHEET = (TEMPLATES / "style.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLESHEET.encode()).digest()).decode()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


def render_page(template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _environment.get_template(template).render(stylesheet=STYLESHEET, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def message_page(
    *,
    title: str,
    message: str,
    status_code: int,
    detail: str | None = None,
    return_url: str | None = None,
    client_name: str | None = None,
) -> HTMLResponse:
    return render_page(
        "message.html",
        status_code=status_code,
        title=title,
        message=message,
        detail=detail,
        return_url=return_url,
        client_name=client_name or "the app",
    )


def sign_in_refused(retry_after: int) -> HTMLResponse:
    """The answer to a refused sign-in: a page like the sign-in form's others, with ``Retry-After``."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = message_page(
        title="Too many sign-in attempts",
        message=f"Too many sign-in attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        detail="Failed sign-ins are limited per account and network address to stop password guessing.",
        status_code=429,
    )
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response
