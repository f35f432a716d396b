"""A validated authorization request (RFC 6749 §4.1.1) waiting for the user to sign in and consent.

The SDK's ``/authorize`` handler checks the client, redirect URI, PKCE challenge and scope, then
asks the provider where to send the browser. We answer with our consent page and carry the
request along as a signed, short-lived value in its URL rather than a database row: nothing to
clean up, any worker can continue the flow, and nothing in it can be altered by the browser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from auth.web.signing import Signer

PENDING_LIFETIME = timedelta(minutes=15)
CONSENT_PATH = "/authorize/consent"
LOGIN_PATH = "/authorize/login"
LOGOUT_PATH = "/authorize/logout"
_PURPOSE = "helpdesk-oauth-authorization-request"


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    client_id: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    scope: str | None
    state: str | None
    code_challenge: str
    resource: str


@dataclass(frozen=True)
class PendingAuthorizations:
    signer: Signer
    base_url: str

    def encode(self, pending: PendingAuthorization, *, now: datetime) -> str:
        return self.signer.sign(_PURPOSE, {"req": asdict(pending)}, expires_at=now + PENDING_LIFETIME)

    def decode(self, value: object, *, now: datetime) -> PendingAuthorization | None:
        if not isinstance(value, str) or len(value) > 16_384:
            return None
        claims = self.signer.unsign(_PURPOSE, value, now=now)
        request: Any = claims.get("req") if claims else None
        if not isinstance(request, dict):
            return None
        try:
            return PendingAuthorization(**request)
        except TypeError:
            return None

    def consent_url(self, pending: PendingAuthorization, *, now: datetime) -> str:
        return f"{self.base_url}{CONSENT_PATH}?{urlencode({'request': self.encode(pending, now=now)})}"
