"""Connected apps: OAuth clients and the grants under them; revoking either.

Revoking marks the rows (``auth.oauth.admin``); every token issued under them is looked up on
each request, so the next request with any of them fails with 401 on every worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from auth.oauth.admin import revoke_client, revoke_grant
from auth.oauth.connected_apps import ConnectedApps, connected_apps
from domain.audit.service import last_call_by_credential
from domain.errors import DomainError
from server.console.base import PREFIX, Console, Viewer, redirect, text_field
from server.console.paging import page_number

PATH = f"{PREFIX}/apps"
NOTICES = {
    "grant-revoked": "Access revoked. The app's tokens stop working on their next request.",
    "client-revoked": "App revoked for everyone. All its tokens stop working on their next request.",
    "not-found": "That app or grant no longer exists, or is not yours to revoke.",
}


def _with_last_calls(session: Session, apps: ConnectedApps) -> ConnectedApps:
    """Last used = the later of the last token issued and the last tool call in the audit log."""
    references = [f"oauth_grant:{grant.id}" for client in apps.clients for grant in client.grants]
    last_calls = last_call_by_credential(session=session, credentials=references)
    for client in apps.clients:
        for grant in client.grants:
            call = last_calls.get(f"oauth_grant:{grant.id}")
            if call is not None and (grant.last_used_at is None or call > grant.last_used_at):
                grant.last_used_at = call
        used = [grant.last_used_at for grant in client.grants if grant.last_used_at is not None]
        if used and (client.last_used_at is None or max(used) > client.last_used_at):
            client.last_used_at = max(used)
    return apps


@dataclass
class ConnectedAppsPage:
    console: Console

    async def show(self, request: Request, viewer: Viewer) -> Response:
        page = page_number(request)

        def load(session: Session) -> ConnectedApps | None:
            try:
                apps = connected_apps(
                    session, agent_id=None if viewer.is_admin else viewer.agent_id, page=page
                )
            except DomainError:
                return None
            return _with_last_calls(session, apps)

        apps = await self.console.run(load)
        if apps is None:
            return redirect(PATH)
        return self.console.render(
            request,
            "apps.html",
            viewer=viewer,
            title="Connected apps",
            apps=apps,
            notice=NOTICES.get(request.query_params.get("notice", "")),
        )

    async def revoke_grant(self, request: Request, viewer: Viewer) -> Response:
        form = await self.console.form(request)
        raw = text_field(form, "grant_id", 20)
        if not raw.isdigit():
            return redirect(PATH, notice="not-found")

        def revoke(session: Session) -> bool:
            try:
                owner = None if viewer.is_admin else viewer.agent_id
                revoke_grant(session, grant_id=int(raw), agent_id=owner, now=self.console.clock())
            except DomainError:
                return False
            return True

        done = await self.console.run(revoke)
        return redirect(PATH, notice="grant-revoked" if done else "not-found")

    async def revoke_client(self, request: Request, viewer: Viewer) -> Response:
        form = await self.console.form(request)
        client_id = text_field(form, "client_id", 2048)

        def revoke(session: Session) -> bool:
            try:
                revoke_client(session, client_id=client_id, now=self.console.clock())
            except DomainError:
                return False
            return True

        done = bool(client_id) and await self.console.run(revoke)
        return redirect(PATH, notice="client-revoked" if done else "not-found")
