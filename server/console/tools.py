"""Tools: every tool with its description, and the admin's switch to disable it for the account.

A disabled tool disappears from ``tools/list`` and a direct call gets an ``isError`` result
saying an admin disabled it (``server.tools.switches``), from the next request on, everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from domain.errors import DomainError
from domain.toolswitches.models import ToolState
from domain.toolswitches.service import disable_tool, enable_tool, switches
from server.console.base import PREFIX, Console, Viewer, redirect, text_field
from server.tools.base import ToolSpec

PATH = f"{PREFIX}/tools"
NOTICES = {
    "disabled": "Tool disabled. It is hidden from tools/list and refused from the next request on.",
    "enabled": "Tool enabled again.",
    "not-found": "There is no such tool.",
}


def tool_states(session: Session, specs: Sequence[ToolSpec]) -> list[ToolState]:
    rows = switches(session)
    return [
        ToolState(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            writes=spec.writes,
            enabled=spec.name not in rows,
            disabled_at=rows[spec.name].disabled_at if spec.name in rows else None,
            disabled_by=rows[spec.name].disabled_by if spec.name in rows else None,
        )
        for spec in specs
    ]


@dataclass
class ToolsPage:
    console: Console
    specs: Sequence[ToolSpec]

    async def show(self, request: Request, viewer: Viewer) -> Response:
        states = await self.console.run(lambda session: tool_states(session, self.specs))
        return self.console.render(
            request,
            "tools.html",
            viewer=viewer,
            title="Tools",
            tools=states,
            disabled_count=sum(not state.enabled for state in states),
            notice=NOTICES.get(request.query_params.get("notice", "")),
        )

    async def switch(self, request: Request, viewer: Viewer) -> Response:
        form = await self.console.form(request)
        name, action = text_field(form, "tool", 100), text_field(form, "action", 10)
        known = {spec.name for spec in self.specs}

        def apply(session: Session) -> str:
            try:
                if action == "disable":
                    disable_tool(
                        session=session, name=name, known=known, by=viewer.email, now=self.console.clock()
                    )
                    return "disabled"
                enable_tool(session=session, name=name, known=known)
            except DomainError:
                return "not-found"
            return "enabled"

        outcome = await self.console.run(apply)
        return redirect(PATH, anchor=name if outcome != "not-found" else "", notice=outcome)
