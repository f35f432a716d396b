"""Grants, authorization codes and tokens: issuing, redeeming, rotating and revoking them.

RFC 6749 §4.1 (codes), §6 and OAuth 2.1 §4.3.1 (refresh token rotation), RFC 9700 §2.2.2 and
§4.14 (replay detection revokes the token family), RFC 7009 (revocation).

Functions take the session and flush; the edge owns the transaction. The two races that matter
(two redemptions of one code, two refreshes with one refresh token, possibly on two workers) are
settled by a conditional ``UPDATE … WHERE used_at IS NULL``: exactly one caller sees a row
updated, every other caller sees zero and takes the replay path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from auth.oauth.credentials import (
    ACCESS_TOKEN_PREFIX,
    CODE_PREFIX,
    REFRESH_TOKEN_PREFIX,
    hash_credential,
    new_credential,
    open_successor,
    seal_successor,
)
from auth.oauth.models import OAuthClient, OAuthCode, OAuthGrant, OAuthTokenRecord, TokenKind
from auth.oauth.scopes import format_scopes, parse_scopes

CODE_LIFETIME = timedelta(minutes=5)
# Replaying a just-rotated refresh token inside this window returns the same new pair.
REFRESH_GRACE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class TokenLifetimes:
    access: timedelta
    refresh: timedelta


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


class GrantRevoked(Exception):
    """A replayed code or refresh token: its grant has been revoked (the caller commits that)."""


def start_grant(
    session: Session,
    *,
    client: OAuthClient,
    agent_id: int,
    scopes: frozenset[str],
    resource: str,
    redirect_uri: str,
    redirect_uri_provided_explicitly: bool,
    code_challenge: str,
    now: datetime,
) -> str:
    """Record an approval and return the authorization code that redeems it."""
    assert client.id is not None
    grant = OAuthGrant(
        client_pk=client.id, agent_id=agent_id, scope=format_scopes(scopes), resource=resource, created_at=now
    )
    session.add(grant)
    session.flush()
    assert grant.id is not None
    code = new_credential(CODE_PREFIX)
    session.add(
        OAuthCode(
            code_hash=hash_credential(code),
            grant_id=grant.id,
            redirect_uri=redirect_uri,
            redirect_uri_provided_explicitly=redirect_uri_provided_explicitly,
            code_challenge=code_challenge,
            expires_at=now + CODE_LIFETIME,
            created_at=now,
        )
    )
    session.flush()
    return code


def find_code(session: Session, code: str) -> OAuthCode | None:
    return session.exec(select(OAuthCode).where(OAuthCode.code_hash == hash_credential(code))).first()


def find_token(session: Session, token: str, kind: TokenKind | None = None) -> OAuthTokenRecord | None:
    statement = select(OAuthTokenRecord).where(OAuthTokenRecord.token_hash == hash_credential(token))
    if kind is not None:
        statement = statement.where(OAuthTokenRecord.kind == kind)
    return session.exec(statement).first()


def live_grant(session: Session, grant_id: int) -> OAuthGrant | None:
    """The grant if neither it nor its client has been revoked."""
    row = session.exec(
        select(OAuthGrant)
        .join(OAuthClient, col(OAuthClient.id) == OAuthGrant.client_pk)
        .where(OAuthGrant.id == grant_id)
        .where(col(OAuthGrant.revoked_at).is_(None))
        .where(col(OAuthClient.revoked_at).is_(None))
    ).first()
    return row


def _issue(
    session: Session,
    *,
    grant: OAuthGrant,
    scopes: frozenset[str],
    now: datetime,
    lifetimes: TokenLifetimes,
    values: tuple[str, str] | None = None,
) -> IssuedTokens:
    assert grant.id is not None
    access, refresh = values or (new_credential(ACCESS_TOKEN_PREFIX), new_credential(REFRESH_TOKEN_PREFIX))
    scope = format_scopes(scopes)
    for value, kind, lifetime in (
        (access, TokenKind.access, lifetimes.access),
        (refresh, TokenKind.refresh, lifetimes.refresh),
    ):
        session.add(
            OAuthTokenRecord(
                token_hash=hash_credential(value),
                kind=kind,
                grant_id=grant.id,
                scope=scope,
                expires_at=now + lifetime,
                created_at=now,
            )
        )
    grant.last_used_at = now
    session.add(grant)
    session.flush()
    return IssuedTokens(access, refresh, int(lifetimes.access.total_seconds()), scope)


def redeem_code(
    session: Session, *, code: OAuthCode, now: datetime, lifetimes: TokenLifetimes
) -> IssuedTokens:
    """Exchange a checked code for tokens, once. A second redemption revokes the whole grant."""
    claimed = session.exec(
        update(OAuthCode)
        .where(col(OAuthCode.id) == code.id)
        .where(col(OAuthCode.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        revoke_grant_family(session, grant_id=code.grant_id, reason="code_replayed", now=now)
        raise GrantRevoked("authorization code has already been used; its tokens are revoked")
    grant = live_grant(session, code.grant_id)
    if grant is None:
        raise GrantRevoked("the authorization was revoked")
    return _issue(session, grant=grant, scopes=parse_scopes(grant.scope), now=now, lifetimes=lifetimes)


def rotate_refresh_token(
    session: Session,
    *,
    record: OAuthTokenRecord,
    presented: str,
    scopes: frozenset[str],
    now: datetime,
    lifetimes: TokenLifetimes,
) -> IssuedTokens:
    """Exchange a refresh token for a new pair (rotation), honouring the replay grace window.

    Raises ``GrantRevoked`` when the token is dead: revoked, expired, or replayed after the grace
    window (which revokes the grant, since either the client or an attacker holds a stale copy).
    """
    grant = live_grant(session, record.grant_id)
    if grant is None or record.revoked_at is not None:
        raise GrantRevoked("refresh token has been revoked")
    if record.rotated_at is None:
        if record.expires_at <= now:
            raise GrantRevoked("refresh token has expired")
        # Claim the old token first (sealing the pair we are about to issue into it), and only
        # then write the new tokens: a request that loses the race must leave no live tokens.
        values = (new_credential(ACCESS_TOKEN_PREFIX), new_credential(REFRESH_TOKEN_PREFIX))
        sealed = seal_successor(
            presented,
            {
                "access_token": values[0],
                "refresh_token": values[1],
                "scope": format_scopes(scopes),
                "access_expires_at": int((now + lifetimes.access).timestamp()),
            },
        )
        claimed = session.exec(
            update(OAuthTokenRecord)
            .where(col(OAuthTokenRecord.id) == record.id)
            .where(col(OAuthTokenRecord.rotated_at).is_(None))
            .values(rotated_at=now, successor=sealed)
        )
        if claimed.rowcount == 1:
            return _issue(session, grant=grant, scopes=scopes, now=now, lifetimes=lifetimes, values=values)
        session.refresh(record)  # another request rotated it first: answer with its pair
    return _replay(session, record=record, presented=presented, now=now)


def _replay(session: Session, *, record: OAuthTokenRecord, presented: str, now: datetime) -> IssuedTokens:
    assert record.rotated_at is not None
    pair = open_successor(presented, record.successor) if record.successor else None
    if now - record.rotated_at > REFRESH_GRACE or pair is None:
        revoke_grant_family(session, grant_id=record.grant_id, reason="refresh_token_replayed", now=now)
        raise GrantRevoked("refresh token has already been used; the authorization is revoked")
    expires_in = max(0, int(pair["access_expires_at"]) - int(now.timestamp()))
    return IssuedTokens(str(pair["access_token"]), str(pair["refresh_token"]), expires_in, str(pair["scope"]))


def revoke_grant_family(session: Session, *, grant_id: int, reason: str, now: datetime) -> None:
    """Revoke a grant and every code and token issued under it (idempotent)."""
    session.exec(
        update(OAuthGrant)
        .where(col(OAuthGrant.id) == grant_id)
        .where(col(OAuthGrant.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    session.exec(
        update(OAuthTokenRecord)
        .where(col(OAuthTokenRecord.grant_id) == grant_id)
        .where(col(OAuthTokenRecord.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    session.exec(
        update(OAuthCode)
        .where(col(OAuthCode.grant_id) == grant_id)
        .where(col(OAuthCode.used_at).is_(None))
        .values(used_at=now)
    )
    session.flush()
