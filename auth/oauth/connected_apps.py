"""The "connected apps" view: OAuth clients with their grants nested under them.

For an admin, every client of the account (newest first), each with every live grant; for an
agent, only the clients it has approved, each with only its own grants. Read-only: revoking goes
through ``auth.oauth.admin`` (``revoke_client``, ``revoke_grant``).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlmodel import Session, col, select

from auth.oauth.models import ClientKind, OAuthClient, OAuthGrant
from auth.oauth.redirects import is_loopback_http
from domain.pagination import PageInfo, paginate
from domain.people.models import Agent

KIND_LABELS = {
    ClientKind.dynamic: "Dynamic registration (DCR)",
    ClientKind.metadata_document: "Client ID metadata document (CIMD)",
    ClientKind.preregistered: "Pre-registered",
}


class ConnectedGrant(BaseModel):
    id: int
    agent_id: int
    agent_email: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None


class ConnectedClient(BaseModel):
    client_id: str
    name: str
    kind: ClientKind
    kind_label: str
    redirect_hosts: list[str]
    created_at: datetime
    last_used_at: datetime | None
    grants: list[ConnectedGrant]


class ConnectedApps(PageInfo):
    clients: list[ConnectedClient]


def redirect_hosts(uris: list[str]) -> list[str]:
    """Where a client sends browsers back to, as people read it: host names, loopback named so."""
    hosts: list[str] = []
    for uri in uris:
        host = (
            "localhost (an app on the user's computer)" if is_loopback_http(uri) else urlsplit(uri).hostname
        )
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def connected_apps(
    session: Session,
    *,
    agent_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
    cursor: str | None = None,
) -> ConnectedApps:
    """Live clients and grants; with ``agent_id``, only that agent's grants and their clients."""
    statement = select(OAuthClient).where(col(OAuthClient.revoked_at).is_(None))
    if agent_id is not None:
        mine = (
            select(OAuthGrant.client_pk)
            .where(OAuthGrant.agent_id == agent_id)
            .where(col(OAuthGrant.revoked_at).is_(None))
        )
        statement = statement.where(col(OAuthClient.id).in_(mine))
    clients, info = paginate(
        session, statement, key=col(OAuthClient.id).desc(), page=page, per_page=per_page, cursor=cursor
    )
    grants_query = (
        select(OAuthGrant, Agent.email)
        .join(Agent, col(Agent.id) == OAuthGrant.agent_id)
        .where(col(OAuthGrant.client_pk).in_([client.id for client in clients]))
        .where(col(OAuthGrant.revoked_at).is_(None))
        .order_by(col(OAuthGrant.id))
    )
    if agent_id is not None:
        grants_query = grants_query.where(OAuthGrant.agent_id == agent_id)
    by_client: dict[int, list[ConnectedGrant]] = {}
    for grant, email in session.exec(grants_query):
        assert grant.id is not None
        by_client.setdefault(grant.client_pk, []).append(
            ConnectedGrant(
                id=grant.id,
                agent_id=grant.agent_id,
                agent_email=email,
                scopes=grant.scope.split(),
                created_at=grant.created_at,
                last_used_at=grant.last_used_at,
            )
        )
    views = []
    for client in clients:
        grants = by_client.get(client.id or 0, [])
        used = [grant.last_used_at for grant in grants if grant.last_used_at is not None]
        views.append(
            ConnectedClient(
                client_id=client.client_id,
                name=client.client_name or urlsplit(client.client_id).hostname or "Unnamed app",
                kind=client.kind,
                kind_label=KIND_LABELS[client.kind],
                redirect_hosts=redirect_hosts(list(client.redirect_uris)),
                created_at=client.created_at,
                last_used_at=max(used, default=None),
                grants=grants,
            )
        )
    return ConnectedApps(**info.model_dump(), clients=views)
