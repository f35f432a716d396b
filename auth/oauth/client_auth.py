"""Client authentication at the token and revocation endpoints (RFC 6749 §2.3.1, RFC 7009 §2.1).

The SDK's ``ClientAuthenticator`` wants ``client_id`` in the form even with HTTP Basic, holds a
client to the one method it registered with, and refuses a public client at ``/revoke``. Here:

- credentials come from ``Authorization: Basic`` (both parts form-urlencoded, §2.3.1) or from
  ``client_id``/``client_secret`` in the form; a Basic header wins and the form's ``client_id``,
  if present, must agree;
- a confidential client must present its secret, by either method, whatever it registered with
  (RFC 7591's default ``client_secret_basic`` is not what every client then sends);
- a public client (``none``) is identified by ``client_id`` alone, as RFC 6749 §2.1 allows.

Every failure is ``invalid_client`` (401): clients re-register on it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.datastructures import FormData
from starlette.requests import Request

from auth.oauth.clients import HelpdeskClientInformation
from auth.oauth.credentials import credential_matches
from auth.oauth.provider import HelpdeskAuthorizationProvider


class ClientAuthenticationFailed(Exception):
    def __init__(self, description: str, *, used_basic: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.used_basic = used_basic


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ClientAuthenticationFailed("Malformed Basic authorization header.", used_basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise ClientAuthenticationFailed("Malformed Basic authorization header.", used_basic=True)
    return unquote_plus(client_id), unquote_plus(secret)


@dataclass
class ClientAuthenticator:
    provider: HelpdeskAuthorizationProvider

    async def authenticate(self, request: Request, form: FormData) -> HelpdeskClientInformation:
        basic = _basic_credentials(request.headers.get("Authorization", ""))
        form_client_id, form_secret = form.get("client_id"), form.get("client_secret")
        if basic is not None:
            client_id, secret = basic
            if isinstance(form_client_id, str) and form_client_id and form_client_id != client_id:
                raise ClientAuthenticationFailed("client_id in the form differs from Basic.", used_basic=True)
        else:
            client_id = form_client_id if isinstance(form_client_id, str) else ""
            secret = form_secret if isinstance(form_secret, str) else ""
        if not client_id:
            raise ClientAuthenticationFailed("Client authentication is missing (no client_id).")
        client = await self.provider.get_client(client_id)
        if client is None:
            raise ClientAuthenticationFailed(
                "Unknown client_id; register the client again.", used_basic=basic is not None
            )
        if client.is_confidential and not credential_matches(secret, client.secret_hash):
            raise ClientAuthenticationFailed("Invalid client credentials.", used_basic=basic is not None)
        return client
