"""The signed session cookie of a signed-in agent (OAuth consent pages, and later ``/admin``).

The cookie holds only the agent id, a random session id (which CSRF tokens may bind to) and an
expiry, signed with a key from the database (``auth.server_secret``), so any worker can read it
and nothing in it is secret. ``HttpOnly`` keeps scripts away from it, ``SameSite=Lax`` keeps it
off cross-site form posts, and it is ``Secure`` whenever the server is not on a loopback host
(a browser will not send a ``Secure`` cookie over plain http, which loopback development uses).
The agent is re-checked on every use, so deactivating an account ends its sessions; the cookie
also carries a stamp of the agent's password hash (``session_stamp``), so a new password (a reset
after a suspected compromise) ends every session started with the old one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from auth.web.signing import Signer

SESSION_COOKIE = "helpdesk_session"
SESSION_LIFETIME = timedelta(hours=12)
_PURPOSE = "helpdesk-web-session"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def cookie_should_be_secure(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").lower() not in LOOPBACK_HOSTS


def session_stamp(password_hash: str | None) -> str:
    """A short digest of the password hash: it changes with every new password (the hash is salted)."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class WebSession:
    agent_id: int
    session_id: str
    stamp: str = ""


@dataclass(frozen=True)
class SessionCookies:
    signer: Signer
    secure: bool

    def read(self, request: Request, *, now: datetime) -> WebSession | None:
        value = request.cookies.get(SESSION_COOKIE)
        claims = self.signer.unsign(_PURPOSE, value, now=now) if value else None
        if claims is None or not isinstance(claims.get("sub"), str) or not claims["sub"].isdigit():
            return None
        return WebSession(
            agent_id=int(claims["sub"]),
            session_id=str(claims.get("sid", "")),
            stamp=str(claims.get("stp", "")),
        )

    def start(self, response: Response, *, agent_id: int, stamp: str, now: datetime) -> WebSession:
        web_session = WebSession(agent_id=agent_id, session_id=secrets.token_urlsafe(16), stamp=stamp)
        value = self.signer.sign(
            _PURPOSE,
            {"sub": str(agent_id), "sid": web_session.session_id, "stp": stamp},
            expires_at=now + SESSION_LIFETIME,
        )
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        return web_session

    def end(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax")
