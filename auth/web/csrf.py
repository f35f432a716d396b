"""CSRF protection for server-rendered forms: a signed double-submit token.

A random nonce lives in an ``HttpOnly``, ``SameSite=Lax`` cookie; each form carries an HMAC of
that nonce under a server key. A cross-site attacker can make a browser post a form, but can
neither read the cookie nor compute the HMAC, so the pair never matches. The login form is
protected too (login CSRF would sign a victim in to the attacker's account). This sits on top of
``SameSite=Lax`` session cookies, which already keep cross-site posts unauthenticated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

CSRF_COOKIE = "helpdesk_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class CsrfProtection:
    key: Callable[[], bytes]
    secure: bool

    def _token_for(self, nonce: str) -> str:
        return hmac.new(self.key(), b"csrf\x00" + nonce.encode(), hashlib.sha256).hexdigest()

    def token(self, request: Request) -> tuple[str, str | None]:
        """The token for a form, and a new nonce to set (None when the cookie is already there)."""
        nonce = request.cookies.get(CSRF_COOKIE)
        if nonce and len(nonce) <= 64:
            return self._token_for(nonce), None
        nonce = secrets.token_urlsafe(24)
        return self._token_for(nonce), nonce

    def set_cookie(self, response: Response, nonce: str | None) -> None:
        if nonce is not None:
            response.set_cookie(
                CSRF_COOKIE, nonce, path="/", secure=self.secure, httponly=True, samesite="lax"
            )

    def is_valid(self, request: Request, submitted: object) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or not isinstance(submitted, str) or not submitted:
            return False
        return hmac.compare_digest(self._token_for(nonce), submitted)
