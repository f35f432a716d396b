"""People (admins only): the agents who sign in, and requesters.

The same lifecycle as ``helpdesk-mcp agents …`` (``auth.lifecycle``): deactivate or reactivate,
change the role, add or remove a workspace, set a new password (ending the person's console
sessions; optionally their apps and keys too), and create requesters. Every change is in the
audit log under the admin who made it; the last active admin stays one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from auth import lifecycle
from domain.audit.service import Actor
from domain.caller import OPERATOR
from domain.errors import DomainError
from domain.people.models import AgentPublic, RequestersPublic
from domain.people.service import all_agents, list_requesters
from domain.workspaces.models import Workspace
from server.console.base import PREFIX, Console, Viewer, redirect, text_field

PATH = f"{PREFIX}/people"
NOTICES = {
    "deactivated": "Deactivated: their sign-in, console session, apps and API keys stop working now.",
    "reactivated": "Reactivated: they can sign in again and must authorize their apps anew.",
    "role": "Role changed.",
    "workspaces": "Workspaces changed.",
    "password": "Password changed; their console sessions have ended.",
    "requester": "Requester created.",
    "unchanged": "Nothing to change: it was already so.",
}
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class PeopleView:
    agents: list[AgentPublic]
    workspaces: dict[int, str]
    requesters: RequestersPublic


@dataclass
class PeoplePage:
    console: Console

    def _load(self, session: Session, search: str) -> PeopleView:
        agents = all_agents(session=session)
        workspaces = {
            w.id: w.name for w in session.exec(select(Workspace).order_by(col(Workspace.id))) if w.id
        }
        requesters = list_requesters(
            session=session, caller=OPERATOR, search_term=search or None, per_page=20
        )
        return PeopleView(agents=agents, workspaces=workspaces, requesters=requesters)

    async def _page(
        self, request: Request, viewer: Viewer, *, error: str | None = None, status_code: int = 200
    ) -> Response:
        search = request.query_params.get("search", "")[:100]
        view = await self.console.run(lambda session: self._load(session, search))
        return self.console.render(
            request,
            "people.html",
            viewer=viewer,
            status_code=status_code,
            title="People",
            view=view,
            search=search,
            error=error,
            notice=NOTICES.get(request.query_params.get("notice", "")),
        )

    async def show(self, request: Request, viewer: Viewer) -> Response:
        return await self._page(request, viewer)

    async def change(self, request: Request, viewer: Viewer) -> Response:
        """POST: one change to one agent (``action`` names it)."""
        form = await self.console.form(request)
        action, email = text_field(form, "action", 40), text_field(form, "email", 254)
        actor = Actor(channel="console", agent_id=viewer.agent_id, email=viewer.email)
        now = self.console.clock()

        def apply(session: Session) -> str:
            if action in ("deactivate", "reactivate"):
                change = (
                    lifecycle.deactivate_agent if action == "deactivate" else lifecycle.reactivate_agent
                )(session, email=email, actor=actor, now=now)
                return f"{action}d" if change.changed else "unchanged"
            if action == "role":
                role = text_field(form, "role", 10)
                changed = lifecycle.set_agent_role(
                    session, email=email, role=role, actor=actor, now=now
                ).changed
                return "role" if changed else "unchanged"
            if action in ("add-workspace", "remove-workspace"):
                raw = text_field(form, "workspace", 12)
                ids = [int(raw)] if raw.isdigit() else [-1]
                add, remove = (ids, []) if action == "add-workspace" else ([], ids)
                change = lifecycle.change_agent_workspaces(
                    session, email=email, add=add, remove=remove, actor=actor, now=now
                )
                return "workspaces" if change.changed else "unchanged"
            if action == "password":
                password = form.get("password")
                lifecycle.reset_agent_password(
                    session,
                    email=email,
                    password=password[:MAX_PASSWORD] if isinstance(password, str) else "",
                    revoke=form.get("revoke_access") == "on",
                    actor=actor,
                    now=now,
                )
                return "password"
            return "unchanged"

        try:
            notice = await self.console.run(apply)
        except DomainError as exc:
            return await self._page(request, viewer, error=str(exc), status_code=400)
        return redirect(PATH, anchor="agents", notice=notice)

    async def add_requester(self, request: Request, viewer: Viewer) -> Response:
        form = await self.console.form(request)

        actor = Actor(channel="console", agent_id=viewer.agent_id, email=viewer.email)

        def create(session: Session) -> None:
            lifecycle.add_requester(
                session,
                email=text_field(form, "email", 254),
                first_name=text_field(form, "first_name", 120),
                last_name=text_field(form, "last_name", 120),
                department=text_field(form, "department", 200),
                actor=actor,
                now=self.console.clock(),
            )

        try:
            await self.console.run(create)
        except DomainError as exc:
            return await self._page(request, viewer, error=str(exc), status_code=400)
        return redirect(PATH, anchor="requesters", notice="requester")
