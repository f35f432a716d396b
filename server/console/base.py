"""What every console page shares: the signed-in viewer, rendering, CSRF, and database calls.

Pages are rendered with Jinja2 from ``templates/`` around the OAuth pages' stylesheet (so the
console looks like the sign-in it follows) plus the console's own. Both stylesheets and the one
small script (the "Copy" button for a new API key) are inline and allowed by their hashes, so
the Content-Security-Policy needs no ``unsafe-inline``; framing is refused (``frame-ancestors
'none'``, ``X-Frame-Options: DENY``) and forms may only post back here (``form-action 'self'``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from auth.oauth.pages import STYLESHEET as SIGN_IN_STYLESHEET
from auth.web.csrf import CSRF_FIELD, CsrfProtection
from auth.web.login import active_agent
from auth.web.session import SessionCookies
from domain.db import session_scope
from domain.people.models import AgentRole

T = TypeVar("T")
TEMPLATES = Path(__file__).parent / "templates"
PREFIX = "/admin"
LOGIN_PATH = f"{PREFIX}/login"
MAX_FORM_FIELDS = 20

STYLESHEET = SIGN_IN_STYLESHEET + (TEMPLATES / "console.css").read_text(encoding="utf-8")
SCRIPT = (TEMPLATES / "copy.js").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_sha256(STYLESHEET)}'; "
        f"script-src 'sha256-{_sha256(SCRIPT)}'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)


def _when(value: datetime | None, empty: str = "never") -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else empty


_environment.filters["when"] = _when


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in admin or agent."""

    agent_id: int
    email: str
    name: str
    is_admin: bool


@dataclass
class Console:
    """Dependencies of every page, and the helpers they share."""

    engine: Engine
    cookies: SessionCookies
    csrf: CsrfProtection
    clock: Callable[[], datetime]

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a worker thread inside one transaction."""

        def in_session() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await anyio.to_thread.run_sync(in_session)

    async def viewer(self, request: Request) -> Viewer | None:
        web_session = self.cookies.read(request, now=self.clock())
        if web_session is None:
            return None

        def load(session: Session) -> Viewer | None:
            agent = active_agent(session, web_session)
            if agent is None or agent.id is None:
                return None
            name = f"{agent.first_name} {agent.last_name}".strip() or agent.email
            return Viewer(agent.id, agent.email, name, agent.role == AgentRole.admin)

        return await self.run(load)

    def render(
        self,
        request: Request,
        template: str,
        *,
        viewer: Viewer | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        token, nonce = self.csrf.token(request)
        html = _environment.get_template(template).render(
            stylesheet=STYLESHEET,
            script=SCRIPT,
            viewer=viewer,
            csrf_field=CSRF_FIELD,
            csrf_token=token,
            path=request.url.path,
            prefix=PREFIX,
            **context,
        )
        response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
        self.csrf.set_cookie(response, nonce)
        return response

    def message(
        self, request: Request, *, viewer: Viewer | None, title: str, message: str, status_code: int
    ) -> HTMLResponse:
        return self.render(
            request, "message.html", viewer=viewer, status_code=status_code, title=title, message=message
        )

    def forbidden(self, request: Request, viewer: Viewer) -> HTMLResponse:
        return self.message(
            request,
            viewer=viewer,
            title="Admins only",
            message="This page shows the whole account, so only helpdesk admins can open it.",
            status_code=403,
        )

    def csrf_refused(self, request: Request, viewer: Viewer | None) -> HTMLResponse:
        return self.message(
            request,
            viewer=viewer,
            title="Please try again",
            message="This form was not accepted because its security token is missing or stale. "
            "Go back, reload the page and submit it again.",
            status_code=403,
        )

    async def form(self, request: Request) -> FormData:
        return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)

    def csrf_ok(self, request: Request, form: FormData) -> bool:
        return self.csrf.is_valid(request, form.get(CSRF_FIELD))


def redirect(path: str, *, anchor: str = "", **notice: str) -> RedirectResponse:
    """303 to ``path`` with ``notice`` codes (each page maps its codes to fixed sentences, so no
    text from the request is ever echoed) and an optional ``#anchor`` to land back on the row."""
    query = urlencode(notice)
    target = f"{path}?{query}" if query else path
    return RedirectResponse(
        f"{target}#{quote(anchor)}" if anchor else target,
        status_code=303,
        headers={"Cache-Control": "no-store"},
    )


def login_redirect(request: Request) -> Response:
    target = request.url.path
    return RedirectResponse(
        f"{LOGIN_PATH}?next={target}", status_code=303, headers={"Cache-Control": "no-store"}
    )


def text_field(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""
