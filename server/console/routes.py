"""Every route of the console, and the guard in front of each page.

The guard signs the viewer in (or sends a browser to the sign-in page), refuses agents the
account-wide pages with a 403 page, and checks the CSRF token of every form post before the
page sees it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from auth.oauth.routes import WEB_SECRET
from auth.server_secret import PersistedSecret
from auth.web.csrf import CsrfProtection
from auth.web.login import SignInLimits
from auth.web.session import SessionCookies, cookie_should_be_secure
from auth.web.signing import Signer
from server.console.apps import ConnectedAppsPage
from server.console.audit import AuditPage
from server.console.base import LOGIN_PATH, PREFIX, Console, Viewer, login_redirect
from server.console.connect import ConnectPage
from server.console.keys import ApiKeysPage
from server.console.people import PeoplePage
from server.console.signin import SignIn
from server.console.tools import ToolsPage
from server.console.usage import QuotaUsageSource, UsagePage, UsageSource
from server.settings import Settings
from server.tools.base import ToolSpec

Page = Callable[[Request, Viewer], Awaitable[Response]]
Handler = Callable[[Request], Awaitable[Response]]


def guarded(console: Console, page: Page, *, admin_only: bool = False) -> Handler:
    async def handle(request: Request) -> Response:
        viewer = await console.viewer(request)
        if viewer is None:
            if request.method == "GET":
                return login_redirect(request)
            return console.message(
                request,
                viewer=None,
                title="Your session has ended",
                message="Sign in again, then repeat what you were doing.",
                status_code=401,
            )
        if admin_only and not viewer.is_admin:
            return console.forbidden(request, viewer)
        if request.method == "POST" and not console.csrf_ok(request, await console.form(request)):
            return console.csrf_refused(request, viewer)
        return await page(request, viewer)

    return handle


async def _home(request: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/apps", status_code=303)


def console_routes(
    *,
    settings: Settings,
    engine: Engine,
    specs: Sequence[ToolSpec],
    clock: Callable[[], datetime],
    usage_source: UsageSource | None = None,
    sign_in_limits: SignInLimits | None = None,
) -> list[BaseRoute]:
    signer = Signer(PersistedSecret(engine, WEB_SECRET))
    secure = cookie_should_be_secure(settings.base_url)
    console = Console(
        engine=engine,
        cookies=SessionCookies(signer=signer, secure=secure),
        csrf=CsrfProtection(key=signer.key, secure=secure),
        clock=clock,
    )
    sign_in = SignIn(console, sign_in_limits)
    apps = ConnectedAppsPage(console)
    keys = ApiKeysPage(console)
    connect = ConnectPage(console, settings.base_url)
    usage = UsagePage(console, usage_source or QuotaUsageSource(engine, settings), clock)
    tools = ToolsPage(console, specs)
    people = PeoplePage(console)
    audit = AuditPage(
        console,
        [spec.name for spec in specs],
        settings.audit_retention_days,
        settings.admin_audit_retention_days,
    )
    return [
        Route(PREFIX, _home, methods=["GET"]),
        Route(LOGIN_PATH, sign_in.show, methods=["GET"]),
        Route(LOGIN_PATH, sign_in.submit, methods=["POST"]),
        Route(f"{PREFIX}/logout", sign_in.sign_out, methods=["POST"]),
        Route(f"{PREFIX}/apps", guarded(console, apps.show), methods=["GET"]),
        Route(f"{PREFIX}/apps/revoke-grant", guarded(console, apps.revoke_grant), methods=["POST"]),
        Route(
            f"{PREFIX}/apps/revoke-client",
            guarded(console, apps.revoke_client, admin_only=True),
            methods=["POST"],
        ),
        Route(f"{PREFIX}/connect", guarded(console, connect.show), methods=["GET"]),
        Route(f"{PREFIX}/connect/key", guarded(console, connect.create_key), methods=["POST"]),
        Route(f"{PREFIX}/keys", guarded(console, keys.show), methods=["GET"]),
        Route(f"{PREFIX}/keys", guarded(console, keys.create), methods=["POST"]),
        Route(f"{PREFIX}/keys/revoke", guarded(console, keys.revoke), methods=["POST"]),
        Route(f"{PREFIX}/usage", guarded(console, usage.show, admin_only=True), methods=["GET"]),
        Route(f"{PREFIX}/usage/limits", guarded(console, usage.set_limit, admin_only=True), methods=["POST"]),
        Route(f"{PREFIX}/people", guarded(console, people.show, admin_only=True), methods=["GET"]),
        Route(f"{PREFIX}/people", guarded(console, people.change, admin_only=True), methods=["POST"]),
        Route(
            f"{PREFIX}/people/requesters",
            guarded(console, people.add_requester, admin_only=True),
            methods=["POST"],
        ),
        Route(f"{PREFIX}/tools", guarded(console, tools.show, admin_only=True), methods=["GET"]),
        Route(f"{PREFIX}/tools", guarded(console, tools.switch, admin_only=True), methods=["POST"]),
        Route(f"{PREFIX}/audit", guarded(console, audit.show, admin_only=True), methods=["GET"]),
    ]
