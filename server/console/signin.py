"""Signing in to and out of the console: the OAuth pages' login check and session cookie.

Admins and agents get the session cookie the consent pages use (one sign-in serves both);
requesters and deactivated agents get a 403 page saying why. ``next`` only ever points inside
the console, so the sign-in cannot be used to bounce a browser elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from auth.oauth.pages import sign_in_refused
from auth.web.addresses import client_address
from auth.web.login import LoginOutcome, LoginResult, SignInLimits, check_login
from server.console.base import LOGIN_PATH, PREFIX, Console, text_field


def safe_next(value: object) -> str:
    if isinstance(value, str) and value.startswith(PREFIX) and "//" not in value and "\\" not in value:
        return value[:200]
    return PREFIX


@dataclass
class SignIn:
    console: Console
    limits: SignInLimits | None = None

    async def show(self, request: Request) -> Response:
        """GET /admin/login (straight on to the console when already signed in)."""
        target = safe_next(request.query_params.get("next"))
        if await self.console.viewer(request) is not None:
            return RedirectResponse(target, status_code=303)
        return self._page(request, target)

    def _page(self, request: Request, target: str, *, email: str = "", error: str | None = None) -> Response:
        return self.console.render(
            request,
            "login.html",
            viewer=None,
            status_code=200 if error is None else 400,
            title="Sign in",
            next=target,
            email=email,
            error=error,
            login_path=LOGIN_PATH,
        )

    async def submit(self, request: Request) -> Response:
        """POST /admin/login."""
        form = await self.console.form(request)
        if not self.console.csrf_ok(request, form):
            return self.console.csrf_refused(request, None)
        target = safe_next(form.get("next"))
        email, password = text_field(form, "email", 254), form.get("password")
        if not email or not isinstance(password, str) or not password:
            return self._page(request, target, email=email, error="Enter your email and password.")

        ip = client_address(request)

        def check(session: Session) -> LoginOutcome:
            return check_login(session, email=email, password=password, ip=ip, limits=self.limits)

        outcome = await self.console.run(check)
        if outcome.result == LoginResult.locked:
            return sign_in_refused(outcome.retry_after)
        if outcome.result == LoginResult.agent and outcome.agent_id is not None:
            response = RedirectResponse(target, status_code=303)
            self.console.cookies.start(
                response, agent_id=outcome.agent_id, stamp=outcome.stamp, now=self.console.clock()
            )
            return response
        if outcome.result == LoginResult.invalid:
            return self._page(
                request, target, email=email, error="That email and password do not match an account."
            )
        message = (
            "Requester accounts cannot use the helpdesk console. It is for agents and admins."
            if outcome.result == LoginResult.requester
            else "This agent account is deactivated, so it cannot use the console."
        )
        return self.console.message(
            request, viewer=None, title="This account cannot sign in here", message=message, status_code=403
        )

    async def sign_out(self, request: Request) -> Response:
        """POST /admin/logout."""
        form = await self.console.form(request)
        if not self.console.csrf_ok(request, form):
            return self.console.csrf_refused(request, None)
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        self.console.cookies.end(response)
        return response
