"""API keys: the fallback credential for clients that only hold static headers.

Keys look like ``hdk_<key id>_<secret>``: the ``hdk_`` prefix makes a leaked key recognisable to
secret scanners and people; the key id is stored in clear and indexed so one lookup finds the
row; only a SHA-256 hash of the whole key is stored, compared in constant time. A key is random
(256 bits), so a fast hash is enough: there is nothing to brute-force as with passwords.
Revoked keys are marked, not deleted, so the audit trail keeps its references.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Field, Session, SQLModel, select

from domain.caller import Caller
from domain.checks import normalized_email
from domain.errors import InvalidField, NotFound
from domain.freshness import IDENTITY, UNCHANGED_IDENTITY
from domain.pagination import PageInfo
from domain.people.identity import AGENT, ALL_SCOPES, caller_from_rows, caller_select
from domain.people.models import Agent, Requester
from domain.records import Record
from domain.types import timestamp_column, utcnow

PREFIX = "hdk_"
VALID_SCOPES = ("mcp:read", "mcp:write")


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = {"info": IDENTITY}  # writes move the identity generation (domain.freshness)
    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(max_length=32, sa_column_kwargs={"unique": True})
    key_hash: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    scopes: str = Field(max_length=200, description="Space-separated scopes.")
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class ApiKeyPublic(Record):
    id: int
    prefix: str
    name: str
    agent_id: int
    agent_email: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeysPublic(PageInfo):
    keys: list[ApiKeyPublic]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _parse(key: str) -> str | None:
    """The key id of a well-formed key, else None."""
    if not key.startswith(PREFIX):
        return None
    parts = key[len(PREFIX) :].split("_", 1)
    if len(parts) != 2 or not parts[0] or not parts[1] or len(parts[0]) > 32:
        return None
    return parts[0]


def normalise_scopes(scopes: list[str] | None) -> str:
    chosen = sorted(set(scopes)) if scopes else list(VALID_SCOPES)
    for scope in chosen:
        if scope not in VALID_SCOPES:
            raise InvalidField("scope", f"{scope!r} is not a scope.", VALID_SCOPES)
    if "mcp:write" in chosen and "mcp:read" not in chosen:
        chosen = sorted({*chosen, "mcp:read"})
    return " ".join(chosen)


def create_api_key(
    session: Session, *, email: str, scopes: list[str] | None = None, name: str = ""
) -> tuple[ApiKey, str]:
    """Create a key for the admin or agent with ``email``; return the row and the key (shown once)."""
    address = normalized_email(email, field="email")
    agent = session.exec(select(Agent).where(Agent.email == address)).first()
    if agent is None or agent.id is None:
        if session.exec(select(Requester.id).where(Requester.email == address)).first():
            raise InvalidField("email", f"{email} is a requester; only admins and agents may hold API keys.")
        raise NotFound("agent", "email", address)
    if not agent.active:
        raise InvalidField("email", f"{email} is deactivated; reactivate the agent first.")
    key_id = secrets.token_hex(6)
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        key_id=key_id,
        key_hash=_hash(key),
        name=name.strip()[:200],
        agent_id=agent.id,
        scopes=normalise_scopes(scopes),
    )
    session.add(row)
    session.flush()
    return row, key


KEY = ApiKey.__table__.c  # type: ignore[attr-defined]
# Touch ``last_used_at`` at most this often per key, to keep the per-request path read-only.
LAST_USED_RESOLUTION_SECONDS = 60
# An unrevoked key with its active owner, one row per workspace of the owner; built once.
LIVE_KEY = (
    caller_select(KEY.id.label("key_pk"), KEY.key_hash, KEY.scopes, KEY.last_used_at)
    .join(ApiKey.__table__, KEY.agent_id == AGENT.id)  # type: ignore[attr-defined]
    .where(KEY.key_id == bindparam("key_id"), KEY.revoked_at.is_(None), AGENT.active)
)


def authenticate_api_key(session: Session, key: str, *, now: datetime) -> tuple[Caller, str] | None:
    """The caller behind a live key and the key's prefix (``hdk_<key id>``, how audits name it),
    or None (unknown, malformed, revoked, or owner deactivated).

    One Core query reads the key, its owner (if active) and the owner's workspaces; nothing is
    cached, so a revocation or deactivation refuses the very next request on every worker.
    """
    key_id = _parse(key)
    if key_id is None:
        return None
    rows = session.execute(LIVE_KEY, {"key_id": key_id}).all()
    if not rows or not hmac.compare_digest(rows[0].key_hash, _hash(key)):
        return None
    caller = caller_from_rows(rows, frozenset(rows[0].scopes.split()) & ALL_SCOPES)
    assert caller is not None
    _stamp_last_used(session, rows[0].key_pk, rows[0].last_used_at, now)
    return caller, f"{PREFIX}{key_id}"


def _stamp_last_used(session: Session, row_id: int, last_used_at: datetime | None, now: datetime) -> None:
    """Coarse last-used stamp: written at most once a minute per key."""
    if last_used_at is None or (now - last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        session.execute(
            update(ApiKey.__table__).where(KEY.id == row_id).values(last_used_at=now),  # type: ignore[attr-defined]
            execution_options=UNCHANGED_IDENTITY,
        )


def _public(row: ApiKey, email: str) -> ApiKeyPublic:
    assert row.id is not None
    return ApiKeyPublic(
        id=row.id,
        prefix=f"{PREFIX}{row.key_id}",
        name=row.name,
        agent_id=row.agent_id,
        agent_email=email,
        scopes=row.scopes.split(),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def list_api_keys(
    session: Session, *, agent_id: int | None = None, include_revoked: bool = False
) -> list[ApiKeyPublic]:
    """Every key (or one agent's), newest last."""
    statement = select(ApiKey, Agent.email).join(Agent, Agent.id == ApiKey.agent_id)  # type: ignore[arg-type]
    if agent_id is not None:
        statement = statement.where(ApiKey.agent_id == agent_id)
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))  # type: ignore[union-attr]
    rows = session.exec(statement.order_by(ApiKey.id)).all()  # type: ignore[arg-type]
    return [_public(row, email) for row, email in rows]


def find_api_key(session: Session, reference: str) -> ApiKey | None:
    """A key by its numeric id, its prefix (``hdk_<key id>``) or the whole key."""
    reference = reference.strip()
    if reference.isdigit():
        return session.get(ApiKey, int(reference))
    key_id = _parse(reference + ("" if reference.count("_") >= 2 else "_x"))
    if key_id is None:
        return None
    return session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).first()


def revoke_api_key(session: Session, *, key: ApiKey, now: datetime | None = None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        session.add(key)
        session.flush()
    return key
