"""Managing who is connected: pre-registered clients, and listing and revoking clients and grants.

Used by the CLI (``helpdesk-mcp clients create``) and the admin console / "connected apps" page.
Revocation marks rows (RFC 7009 spirit: a revoked credential stays recognisable) and takes effect
on the next request on every worker, since access tokens are looked up on every request.
Functions flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from auth.oauth import store
from auth.oauth.clients import create_client, find_client
from auth.oauth.models import (
    ClientKind,
    OAuthClient,
    OAuthClientPublic,
    OAuthClientsPublic,
    OAuthGrant,
    OAuthGrantPublic,
    OAuthGrantsPublic,
)
from auth.oauth.redirects import InvalidRedirectUri
from auth.oauth.scopes import format_scopes
from domain.errors import InvalidField, NotFound
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.people.models import Agent
from domain.types import utcnow


def create_preregistered_client(
    session: Session, *, name: str, redirect_uris: list[str], scopes: list[str] | frozenset[str] | None = None
) -> tuple[str, str]:
    """Create a confidential client with a fixed secret; returns ``(client_id, client_secret)``.

    The secret is shown once, here; only its hash is stored. The client may authenticate by
    HTTP Basic or in the form.
    """
    if not name.strip():
        raise InvalidField("name", "must not be empty.")
    if not redirect_uris:
        raise InvalidField("redirect_uris", "must list at least one redirect URI.")
    try:
        row, secret = create_client(
            session,
            kind=ClientKind.preregistered,
            client_name=name.strip(),
            redirect_uris=list(redirect_uris),
            scope=" ".join(scopes) if scopes else None,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106
            now=utcnow(),
        )
    except InvalidRedirectUri as exc:
        raise InvalidField("redirect_uris", str(exc)) from None
    assert secret is not None
    return row.client_id, secret


def list_clients(
    session: Session,
    *,
    include_revoked: bool = False,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> OAuthClientsPublic:
    statement = select(OAuthClient)
    if not include_revoked:
        statement = statement.where(col(OAuthClient.revoked_at).is_(None))
    rows, info = paginate(
        session, statement, key=col(OAuthClient.id), page=page, per_page=per_page, cursor=cursor
    )
    ids = [row.id for row in rows]
    counts = dict(
        session.exec(
            select(OAuthGrant.client_pk, func.count())
            .where(col(OAuthGrant.client_pk).in_(ids))
            .where(col(OAuthGrant.revoked_at).is_(None))
            .group_by(col(OAuthGrant.client_pk))
        ).all()
    )
    return OAuthClientsPublic(
        **info.model_dump(),
        clients=[
            OAuthClientPublic(
                client_id=row.client_id,
                kind=row.kind,
                client_name=row.client_name,
                client_uri=row.client_uri,
                token_endpoint_auth_method=row.token_endpoint_auth_method,
                redirect_uris=list(row.redirect_uris),
                scope=row.scope,
                created_at=row.created_at,
                revoked_at=row.revoked_at,
                active_grants=counts.get(row.id or 0, 0),
            )
            for row in rows
        ],
    )


def revoke_client(session: Session, *, client_id: str, now: datetime | None = None) -> None:
    """Revoke a client and every grant (and so every token) it holds."""
    now = now or utcnow()
    row = find_client(session, client_id)
    if row is None:
        raise NotFound("OAuth client", "client_id", client_id)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
    grant_ids = session.exec(
        select(OAuthGrant.id)
        .where(OAuthGrant.client_pk == row.id)
        .where(col(OAuthGrant.revoked_at).is_(None))
    ).all()
    for grant_id in grant_ids:
        assert grant_id is not None
        store.revoke_grant_family(session, grant_id=grant_id, reason="client_revoked", now=now)
    session.flush()


def list_grants(
    session: Session,
    *,
    agent_id: int | None = None,
    include_revoked: bool = False,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> OAuthGrantsPublic:
    """Grants (approvals of a client by an agent), all or one agent's ("connected apps")."""
    statement = select(OAuthGrant)
    if agent_id is not None:
        statement = statement.where(OAuthGrant.agent_id == agent_id)
    if not include_revoked:
        statement = statement.where(col(OAuthGrant.revoked_at).is_(None))
    rows, info = paginate(
        session, statement, key=col(OAuthGrant.id), page=page, per_page=per_page, cursor=cursor
    )
    client_rows = {
        c.id: c
        for c in session.exec(select(OAuthClient).where(col(OAuthClient.id).in_({r.client_pk for r in rows})))
    }
    emails = dict(
        session.exec(select(Agent.id, Agent.email).where(col(Agent.id).in_({r.agent_id for r in rows}))).all()
    )
    grants = []
    for row in rows:
        client = client_rows[row.client_pk]
        assert row.id is not None
        grants.append(
            OAuthGrantPublic(
                id=row.id,
                client_id=client.client_id,
                client_name=client.client_name,
                agent_id=row.agent_id,
                agent_email=emails.get(row.agent_id, ""),
                scope=format_scopes(row.scope.split()),
                resource=row.resource,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                revoked_at=row.revoked_at,
                revoked_reason=row.revoked_reason,
            )
        )
    return OAuthGrantsPublic(**info.model_dump(), grants=grants)


def revoke_grant(
    session: Session, *, grant_id: int, agent_id: int | None = None, now: datetime | None = None
) -> None:
    """Revoke one grant and its tokens. With ``agent_id``, only that agent's grant (else NotFound)."""
    grant = session.get(OAuthGrant, grant_id)
    if grant is None or (agent_id is not None and grant.agent_id != agent_id):
        raise NotFound("OAuth grant", "id", grant_id)
    store.revoke_grant_family(session, grant_id=grant_id, reason="revoked_by_user", now=now or utcnow())
