"""One sealing key for the 2026-07-28 ``requestState`` on every worker and replica.

A tool that needs input from the user (``server.confirmation``) answers with an
``InputRequiredResult`` whose ``requestState`` the SDK seals (AES-256-GCM, bound to the method,
the tool, its arguments, the caller and this server's name) and the client echoes on its retry.
The retry may land on any worker: by default the SDK seals with a key made up by each process,
so another worker would refuse the state. Here the key is a server secret kept in the database
(``auth.server_secret``), the same one for every process that shares the database, loaded on
first use (so the app can be built before migrations have run). The caller binding is this
product's own: the agent and the credential the edge authenticated (the SDK's default reads the
SDK's auth middleware, which this server does not use).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.request_state import AESGCMRequestStateCodec, RequestStateSecurity
from sqlalchemy.engine import Engine

from auth.server_secret import PersistedSecret
from server.context import current_request

SECRET_NAME = "mcp_request_state"  # noqa: S105 - the name of a row in server_secret, not a secret


class PersistedKeyCodec:
    """The SDK's AES-GCM codec under a key read from the database on first use."""

    def __init__(self, secret: Callable[[], bytes]) -> None:
        self._secret = secret

    @functools.cached_property
    def _codec(self) -> AESGCMRequestStateCodec:
        # Two threads racing here build two equal codecs from the one persisted secret: harmless.
        return AESGCMRequestStateCodec([self._secret()])

    def seal(self, payload: bytes) -> str:
        return self._codec.seal(payload)

    def unseal(self, token: str) -> bytes:
        return self._codec.unseal(token)


def caller_principal(ctx: ServerRequestContext[Any, Any]) -> str | None:
    """Who a sealed state belongs to: the agent and the credential of the request."""
    request = current_request.get(None)
    if request is None:
        return None
    credential = request.credential
    return f"{request.caller.agent_id}:{credential.kind}:{credential.reference}"


def shared_request_state(engine: Engine, *, audience: str) -> RequestStateSecurity:
    codec = PersistedKeyCodec(PersistedSecret(engine, SECRET_NAME))
    return RequestStateSecurity(codec=codec, bind_principal=caller_principal, audience=audience)
