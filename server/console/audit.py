"""Audit log: every tool call, newest first, filtered by user, tool and time, page by page.

Each row names the credential the call came through as people know it: an API key by its prefix
and label, an OAuth grant by the app's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response

from auth.apikeys import PREFIX as KEY_PREFIX
from auth.apikeys import ApiKey
from auth.oauth.models import OAuthClient, OAuthGrant
from domain.audit.models import AuditEntriesPublic
from domain.audit.service import list_entries
from domain.errors import DomainError
from server.console.base import PREFIX, Console, Viewer
from server.console.paging import page_number

PATH = f"{PREFIX}/audit"
PER_PAGE = 50


def parse_since(value: str) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` (UTC); None if empty or unreadable."""
    value = value.strip()
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def credential_labels(session: Session, references: set[str]) -> dict[str, str]:
    """``hdk_<id>`` → "API key hdk_<id> (label)"; ``oauth_grant:<id>`` → the app's name."""
    labels: dict[str, str] = {}
    key_ids = {ref.removeprefix(KEY_PREFIX) for ref in references if ref.startswith(KEY_PREFIX)}
    if key_ids:
        for key_id, name in session.exec(
            select(ApiKey.key_id, ApiKey.name).where(col(ApiKey.key_id).in_(key_ids))
        ):
            labels[f"{KEY_PREFIX}{key_id}"] = f"API key {KEY_PREFIX}{key_id}" + (f" ({name})" if name else "")
    grant_ids = {
        int(ref.split(":", 1)[1])
        for ref in references
        if ref.startswith("oauth_grant:") and ref[12:].isdigit()
    }
    if grant_ids:
        rows = session.exec(
            select(OAuthGrant.id, OAuthClient.client_name, OAuthClient.client_id)
            .join(OAuthClient, col(OAuthClient.id) == OAuthGrant.client_pk)
            .where(col(OAuthGrant.id).in_(grant_ids))
        )
        for grant_id, name, client_id in rows:
            labels[f"oauth_grant:{grant_id}"] = f"{name or client_id} (OAuth)"
    labels["loopback"] = "Loopback, no authentication"
    return labels


@dataclass(frozen=True)
class AuditView:
    entries: AuditEntriesPublic | None
    labels: dict[str, str]


@dataclass
class AuditPage:
    console: Console
    tool_names: Sequence[str]
    retention_days: int
    admin_retention_days: int

    async def show(self, request: Request, viewer: Viewer) -> Response:
        params = request.query_params
        user, tool, since_text = (
            params.get("user", "").strip()[:254],
            params.get("tool", "")[:100],
            params.get("since", "")[:32],
        )
        since = parse_since(since_text)
        upto_raw = params.get("upto", "")
        upto = int(upto_raw) if upto_raw.isdigit() else None
        page = page_number(request)

        def load(session: Session) -> AuditView:
            try:
                entries = list_entries(
                    session=session,
                    agent_email=user or None,
                    tool=tool or None,
                    since=since,
                    upto_id=upto,
                    page=page,
                    per_page=PER_PAGE,
                )
            except DomainError:
                return AuditView(None, {})
            return AuditView(
                entries, credential_labels(session, {entry.credential for entry in entries.entries})
            )

        view = await self.console.run(load)
        filters = {"user": user, "tool": tool, "since": since_text if since else ""}

        def page_link(number: int) -> str:
            query = {k: v for k, v in filters.items() if v}
            if view.entries is not None and view.entries.upto_id is not None:
                query["upto"] = str(view.entries.upto_id)
            query["page"] = str(number)
            return f"{PATH}?{urlencode(query)}"

        return self.console.render(
            request,
            "audit.html",
            viewer=viewer,
            title="Audit log",
            entries=view.entries,
            labels=view.labels,
            filters=filters,
            since_invalid=bool(since_text) and since is None,
            tool_names=sorted(self.tool_names),
            page_link=page_link,
            retention_days=self.retention_days,
            admin_retention_days=self.admin_retention_days,
        )
