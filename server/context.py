"""What a tool call knows about its request: the database, the caller and the credential.

The ``/mcp`` edge authenticates the request and sets this context before the SDK runs; tools
read it through ``unit_of_work``. Nothing here is ever taken from a tool argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.caller import Caller
from domain.db import session_scope
from server.endpoints import Endpoint


@dataclass(frozen=True, slots=True)
class Credential:
    """How the caller authenticated: ``kind`` is "api_key", "oauth" or "none" (loopback no-auth)."""

    kind: str
    reference: str


@dataclass(frozen=True, slots=True)
class McpRequest:
    engine: Engine
    caller: Caller
    credential: Credential
    # Tools an admin disabled, read with this request; None when the request did not read them
    # (a long-lived SSE stream), so whoever needs them reads the database.
    disabled_tools: frozenset[str] | None = None
    # The URL's tool list (``server.endpoints``); None offers every tool.
    endpoint: Endpoint | None = None

    def offers(self, name: str) -> bool:
        """Whether the URL this request came to offers the tool ``name``."""
        return self.endpoint is None or self.endpoint.offers(name)


current_request: ContextVar[McpRequest] = ContextVar("current_request")


@dataclass(frozen=True, slots=True)
class UnitOfWork:
    session: Session
    caller: Caller


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """One transaction for one tool call: committed if the tool returns, rolled back if it raises."""
    request = current_request.get()
    with session_scope(request.engine) as session:
        yield UnitOfWork(session=session, caller=request.caller)
