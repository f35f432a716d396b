"""API keys: create (the key is shown once), list and revoke.

Agents manage their own keys; admins every key and may create one for any agent. A new key is
rendered in the answer to the form post itself and never stored in clear, so it cannot be shown
again; the page says so and offers a "Copy" button (which the inline script shows; without
JavaScript the key sits in a read-only field ready to select).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from auth import apikeys
from domain.errors import DomainError
from domain.people.models import Agent
from server.console.base import PREFIX, Console, Viewer, redirect, text_field

PATH = f"{PREFIX}/keys"
NOTICES = {
    "revoked": "API key revoked. Its next request is refused.",
    "not-found": "That API key no longer exists, or is not yours to revoke.",
}


@dataclass(frozen=True)
class KeysView:
    keys: list[apikeys.ApiKeyPublic]
    owners: list[str]


@dataclass
class ApiKeysPage:
    console: Console

    def _load(self, session: Session, viewer: Viewer) -> KeysView:
        keys = apikeys.list_api_keys(session, agent_id=None if viewer.is_admin else viewer.agent_id)
        owners = (
            list(session.exec(select(Agent.email).where(col(Agent.active)).order_by(col(Agent.email))).all())
            if viewer.is_admin
            else [viewer.email]
        )
        return KeysView(keys=keys, owners=owners)

    def _page(
        self,
        request: Request,
        viewer: Viewer,
        view: KeysView,
        *,
        status_code: int = 200,
        new_key: str | None = None,
        error: str | None = None,
        form: dict[str, object] | None = None,
    ) -> Response:
        return self.console.render(
            request,
            "keys.html",
            viewer=viewer,
            status_code=status_code,
            title="API keys",
            keys=view.keys,
            owners=view.owners,
            new_key=new_key,
            error=error,
            form=form or {"owner": viewer.email, "scopes": list(apikeys.VALID_SCOPES), "name": ""},
            scopes=apikeys.VALID_SCOPES,
            notice=NOTICES.get(request.query_params.get("notice", "")),
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        view = await self.console.run(lambda session: self._load(session, viewer))
        return self._page(request, viewer, view)

    async def create(self, request: Request, viewer: Viewer) -> Response:
        form = await self.console.form(request)
        owner = text_field(form, "owner", 254) if viewer.is_admin else viewer.email
        name = text_field(form, "name", 200)
        scopes = [scope for scope in form.getlist("scopes") if isinstance(scope, str)]
        values: dict[str, object] = {"owner": owner or viewer.email, "scopes": scopes, "name": name}

        def create(session: Session) -> tuple[str | None, str | None, KeysView]:
            if not scopes:
                return None, "Choose at least one scope.", self._load(session, viewer)
            try:
                _, key = apikeys.create_api_key(
                    session, email=owner or viewer.email, scopes=scopes, name=name
                )
            except DomainError as exc:
                return None, str(exc), self._load(session, viewer)
            return key, None, self._load(session, viewer)

        key, error, view = await self.console.run(create)
        if key is None:
            return self._page(request, viewer, view, status_code=400, error=error, form=values)
        return self._page(request, viewer, view, new_key=key)

    async def revoke(self, request: Request, viewer: Viewer) -> Response:
        form = await self.console.form(request)
        raw = text_field(form, "key_id", 20)

        def revoke(session: Session) -> bool:
            row = session.get(apikeys.ApiKey, int(raw)) if raw.isdigit() else None
            if row is None or (not viewer.is_admin and row.agent_id != viewer.agent_id):
                return False
            apikeys.revoke_api_key(session, key=row, now=self.console.clock())
            return True

        done = await self.console.run(revoke)
        return redirect(PATH, notice="revoked" if done else "not-found")
