"""The user's part of the authorization code flow (RFC 6749 §4.1.1 to §4.1.2): sign in, then consent.

``GET /authorize`` is the SDK's handler (it validates the request and redirects here through the
provider). This module serves what follows:

- ``GET  /authorize/consent``: the sign-in page if there is no session, else the consent page
  (client name, where the browser will be sent, scopes, the signed-in agent);
- ``POST /authorize/login``: checks email and password; agents get a session cookie, requesters
  and deactivated agents a refusal page whose only way on is an ``access_denied`` redirect;
- ``POST /authorize/consent``: Allow creates the grant and redirects with ``code``; Deny
  redirects with ``error=access_denied``. Both carry ``state`` unchanged and ``iss`` (RFC 9207);
- ``POST /authorize/logout``: ends the session (the "Not you?" link).

Every form is CSRF-protected (``auth.web.csrf``); the pending request travels signed
(``auth.oauth.authorization_request``) so the browser cannot alter any of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio.to_thread
from mcp.server.auth.provider import construct_redirect_uri
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from auth.oauth import store
from auth.oauth.authorization_request import (
    CONSENT_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    PendingAuthorization,
    PendingAuthorizations,
)
from auth.oauth.clients import HelpdeskClientInformation
from auth.oauth.models import ClientKind, OAuthClient
from auth.oauth.pages import message_page, render_page, sign_in_refused
from auth.oauth.provider import HelpdeskAuthorizationProvider
from auth.oauth.redirects import is_loopback_http
from auth.oauth.scopes import SCOPE_DESCRIPTIONS, SUPPORTED_SCOPES, grantable_scopes
from auth.web.addresses import client_address
from auth.web.csrf import CSRF_FIELD, CsrfProtection
from auth.web.login import LoginOutcome, LoginResult, SignInLimits, active_agent, check_login
from auth.web.session import SessionCookies, WebSession
from domain.db import session_scope

MAX_FORM_FIELDS = 10


@dataclass
class ConsentFlow:
    provider: HelpdeskAuthorizationProvider
    pending: PendingAuthorizations
    cookies: SessionCookies
    csrf: CsrfProtection
    engine: Engine
    issuer: str
    clock: Callable[[], datetime]
    sign_in_limits: SignInLimits | None = None

    # --- pages ---------------------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        """GET /authorize/consent."""
        return await self._continue(request, request.query_params.get("request"))

    async def _continue(self, request: Request, token: object, *, error: str | None = None) -> Response:
        now = self.clock()
        context = await self._load(token, now=now)
        if isinstance(context, Response):
            return context
        pending, client = context
        assert isinstance(token, str)
        web_session = self.cookies.read(request, now=now)
        agent_email = None
        if web_session is not None:
            agent_email = await self._agent_email(web_session)
        if agent_email is None:
            return self._page(request, "login.html", token=token, client=client, pending=pending, error=error)
        return self._page(
            request, "consent.html", token=token, client=client, pending=pending, agent_email=agent_email
        )

    def _page(
        self,
        request: Request,
        template: str,
        *,
        token: str,
        client: HelpdeskClientInformation,
        pending: PendingAuthorization,
        error: str | None = None,
        email: str = "",
        agent_email: str | None = None,
    ) -> Response:
        csrf_token, new_nonce = self.csrf.token(request)
        scopes = grantable_scopes(pending.scope, allowed=client.scope)
        response = render_page(
            template,
            title="Sign in" if template == "login.html" else "Allow access",
            client_name=client_display_name(client),
            client_host=urlsplit(client.client_id).hostname
            if client.kind == ClientKind.metadata_document
            else None,
            redirect_host=redirect_display(pending.redirect_uri),
            scopes=[
                {"name": s, "description": SCOPE_DESCRIPTIONS[s]} for s in SUPPORTED_SCOPES if s in scopes
            ],
            agent_email=agent_email,
            request_token=token,
            csrf_token=csrf_token,
            error=error,
            email=email,
            login_path=LOGIN_PATH,
            consent_path=CONSENT_PATH,
            logout_path=LOGOUT_PATH,
        )
        self.csrf.set_cookie(response, new_nonce)
        return response

    # --- form posts ----------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        """POST /authorize/login."""
        now = self.clock()
        posted = await self._posted(request, now=now)
        if isinstance(posted, Response):
            return posted
        form, token, pending, client = posted
        email, password = form.get("email"), form.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            return self._page(
                request,
                "login.html",
                token=token,
                client=client,
                pending=pending,
                error="Enter your email and password.",
            )
        outcome = await anyio.to_thread.run_sync(self._check_login, email, password, client_address(request))
        if outcome.result == LoginResult.locked:
            return sign_in_refused(outcome.retry_after)
        if outcome.result == LoginResult.agent and outcome.agent_id is not None:
            response = RedirectResponse(f"{CONSENT_PATH}?{urlencode({'request': token})}", status_code=303)
            self.cookies.start(response, agent_id=outcome.agent_id, stamp=outcome.stamp, now=now)
            return response
        if outcome.result == LoginResult.invalid:
            return self._page(
                request,
                "login.html",
                token=token,
                client=client,
                pending=pending,
                error="That email and password do not match an account.",
                email=email,
            )
        message = (
            "Requester accounts cannot connect AI apps to the helpdesk. Only agents and admins can."
            if outcome.result == LoginResult.requester
            else "This agent account is deactivated, so it cannot connect AI apps."
        )
        return message_page(
            title="This account cannot connect apps",
            message=message,
            detail="If you need access, ask a helpdesk admin. Going back tells the app access was denied.",
            status_code=403,
            return_url=self._denied_url(pending, "This account may not authorize apps"),
            client_name=client_display_name(client),
        )

    async def decide(self, request: Request) -> Response:
        """POST /authorize/consent: Allow or Deny."""
        now = self.clock()
        posted = await self._posted(request, now=now)
        if isinstance(posted, Response):
            return posted
        form, token, pending, client = posted
        web_session = self.cookies.read(request, now=now)
        if web_session is None or await self._agent_email(web_session) is None:
            return await self._continue(request, token, error="Your session has ended. Sign in again.")
        if form.get("decision") != "approve":
            return RedirectResponse(self._denied_url(pending, "The user denied the request"), status_code=303)
        scopes = grantable_scopes(pending.scope, allowed=client.scope)

        def approve(session: Session) -> str:
            row = session.get(OAuthClient, client.record_id)
            assert row is not None
            return store.start_grant(
                session,
                client=row,
                agent_id=web_session.agent_id,
                scopes=scopes,
                resource=pending.resource,
                redirect_uri=pending.redirect_uri,
                redirect_uri_provided_explicitly=pending.redirect_uri_provided_explicitly,
                code_challenge=pending.code_challenge,
                now=now,
            )

        code = await self.provider.run(approve)
        location = construct_redirect_uri(
            pending.redirect_uri, code=code, state=pending.state, iss=self.issuer
        )
        return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})

    async def logout(self, request: Request) -> Response:
        """POST /authorize/logout: sign out and show the sign-in page again."""
        form = await self._checked_form(request)
        if isinstance(form, Response):
            return form
        token = form.get("request")
        target = (
            f"{CONSENT_PATH}?{urlencode({'request': token})}"
            if isinstance(token, str) and len(token) < 16_384
            else "/"
        )
        response = RedirectResponse(target, status_code=303)
        self.cookies.end(response)
        return response

    # --- helpers -------------------------------------------------------------------------------

    async def _checked_form(self, request: Request) -> FormData | Response:
        """The posted form, or the refusal when its CSRF token is missing or wrong."""
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        if not self.csrf.is_valid(request, form.get(CSRF_FIELD)):
            return _csrf_refused()
        return form

    async def _posted(
        self, request: Request, *, now: datetime
    ) -> tuple[FormData, str, PendingAuthorization, HelpdeskClientInformation] | Response:
        """A sign-in or consent post: its checked form and the authorization request it continues."""
        form = await self._checked_form(request)
        if isinstance(form, Response):
            return form
        token = form.get("request")
        context = await self._load(token, now=now)
        if isinstance(context, Response):
            return context
        assert isinstance(token, str)  # _load decodes only a string token
        pending, client = context
        return form, token, pending, client

    async def _load(
        self, token: object, *, now: datetime
    ) -> tuple[PendingAuthorization, HelpdeskClientInformation] | Response:
        pending = self.pending.decode(token, now=now)
        if pending is None:
            return message_page(
                title="This sign-in link has expired",
                message="The authorization request is missing, altered or more than 15 minutes old.",
                detail="Go back to your app and connect again.",
                status_code=400,
            )
        client = await self.provider.get_client(pending.client_id)
        if client is None:
            return message_page(
                title="This app is no longer registered",
                message="The app asking for access is unknown or its access has been revoked.",
                detail="Go back to your app and connect again, or ask a helpdesk admin.",
                status_code=400,
            )
        return pending, client

    def _check_login(self, email: str, password: str, ip: str) -> LoginOutcome:
        with session_scope(self.engine) as session:
            return check_login(session, email=email, password=password, ip=ip, limits=self.sign_in_limits)

    async def _agent_email(self, web_session: WebSession) -> str | None:
        def load(session: Session) -> str | None:
            agent = active_agent(session, web_session)
            return agent.email if agent else None

        return await self.provider.run(load)

    def _denied_url(self, pending: PendingAuthorization, description: str) -> str:
        return construct_redirect_uri(
            pending.redirect_uri,
            error="access_denied",
            error_description=description,
            state=pending.state,
            iss=self.issuer,
        )


@dataclass
class IssuerOnErrors:
    """RFC 9207 §2: ``iss`` goes on error redirects too. The SDK's ``/authorize`` handler sends
    errors (``invalid_target``, ``invalid_scope``, PKCE problems) straight back to the client
    without it; this adds it to any redirect that leaves the server."""

    handler: Callable[[Request], Awaitable[Response]]
    issuer: str

    async def handle(self, request: Request) -> Response:
        response = await self.handler(request)
        location = response.headers.get("location")
        if location and not location.startswith(self.issuer + "/") and "error=" in location:
            params = parse_qs(urlsplit(location).query)
            if "iss" not in params:
                response.headers["location"] = construct_redirect_uri(location, iss=self.issuer)
        return response


def client_display_name(client: HelpdeskClientInformation) -> str:
    return client.client_name or urlsplit(client.client_id).hostname or "An unnamed app"


def redirect_display(redirect_uri: str) -> str:
    if is_loopback_http(redirect_uri):
        return "an app on this computer (localhost)"
    parts = urlsplit(redirect_uri)
    return parts.hostname or f"{parts.scheme}:"


def _csrf_refused() -> Response:
    return message_page(
        title="Please try again",
        message="This form was not accepted because its security token is missing or stale.",
        detail="Go back, reload the page and submit it again.",
        status_code=403,
    )
