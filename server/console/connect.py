"""Connect: the server's MCP URLs and a ready-to-paste configuration for each client.

Every signed-in admin or agent sees it. The endpoints come from ``server.connect.endpoints`` (one
list, shared with ``/``); the configurations from ``server.connect.configs``. Creating an API key
here makes a key for the viewer and shows the page again with the key filled into every API-key
configuration, once (it is never stored in clear, so a reload shows the placeholder again).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from auth import apikeys
from domain.errors import DomainError
from server.connect.configs import client_guides
from server.connect.endpoints import ENDPOINTS, PRIMARY, Endpoint
from server.console.base import PREFIX, Console, Viewer, text_field

PATH = f"{PREFIX}/connect"
DEFAULT_KEY_NAME = "Connect page"


def _endpoint(path: str) -> Endpoint:
    return next((e for e in ENDPOINTS if e.path == path), PRIMARY)


@dataclass
class ConnectPage:
    console: Console
    base_url: str

    def _page(
        self,
        request: Request,
        viewer: Viewer,
        endpoint: Endpoint,
        *,
        new_key: str | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Response:
        url = endpoint.url(self.base_url)
        return self.console.render(
            request,
            "connect.html",
            viewer=viewer,
            status_code=status_code,
            title="Connect",
            endpoints=[(e, e.url(self.base_url)) for e in ENDPOINTS],
            selected=endpoint,
            url=url,
            guides=client_guides(url, endpoint.transport, new_key),
            new_key=new_key,
            error=error,
            scopes=apikeys.VALID_SCOPES,
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        return self._page(request, viewer, _endpoint(request.query_params.get("endpoint", "")))

    async def create_key(self, request: Request, viewer: Viewer) -> Response:
        """POST: a key for the viewer, filled into the configurations below."""
        form = await self.console.form(request)
        endpoint = _endpoint(text_field(form, "endpoint", 200))
        name = text_field(form, "name", 200) or DEFAULT_KEY_NAME
        scopes = [scope for scope in form.getlist("scopes") if isinstance(scope, str)]
        if not scopes:
            return self._page(request, viewer, endpoint, error="Choose at least one scope.", status_code=400)

        def create(session: Session) -> str:
            return apikeys.create_api_key(session, email=viewer.email, scopes=scopes, name=name)[1]

        try:
            key = await self.console.run(create)
        except DomainError as exc:
            return self._page(request, viewer, endpoint, error=str(exc), status_code=400)
        return self._page(request, viewer, endpoint, new_key=key)
