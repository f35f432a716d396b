"""What a tool call knows about its request: the database, the caller and the credential.

The ``/mcp`` edge authenticates the request and sets this context before the SDK runs; tools
read it through ``unit_of_work``. Nothing here is ever taken from a tool argument.

The audit row of a call (``server.audit``) rides in the tool's own transaction: a write and its
audit row commit together, or neither does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.caller import Caller
from domain.db import session_scope, transaction
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


@dataclass(slots=True)
class PendingAudit:
    """The audit row of the tool call in progress: ``add`` puts it in a session; ``committed``
    turns true once a tool's transaction holding it has committed."""

    add: Callable[[Session], None]
    committed: bool = field(default=False)


pending_audit: ContextVar[PendingAudit | None] = ContextVar("pending_audit", default=None)

# The one database session of a tool call on the stateless path (``server.tool_calls``): the
# credential's lookup, the quota (when it lives in the database) and the tool's unit of work use it
# in turn, each in a transaction of its own. None elsewhere: ``unit_of_work`` opens its own then.
call_session: ContextVar[Session | None] = ContextVar("call_session", default=None)
# True while that path runs a tool that changes nothing (``ToolBook.requires_write`` is false):
# its unit of work is left uncommitted, and the call's session, closed when the call ends, rolls
# it back; cheaper than a commit, and all a read-only tool may do (it holds no write scope).
call_reads_only: ContextVar[bool] = ContextVar("call_reads_only", default=False)


@dataclass(frozen=True, slots=True)
class UnitOfWork:
    session: Session
    caller: Caller


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """One transaction for one tool call: committed if the tool returns, rolled back if it raises.

    The call's audit row is added just before the commit, so the tool's changes and the row
    that records them are one transaction.
    """
    request = current_request.get()
    # A read-only call's transaction is never committed, so its audit row never rides in it
    # (the call writes the row itself, as for a call that failed).
    reads_only = call_reads_only.get()
    audit = None if reads_only else pending_audit.get()
    with call_transaction(request.engine, commit=not reads_only) as session:
        yield UnitOfWork(session=session, caller=request.caller)
        if audit is not None and not audit.committed:
            audit.add(session)
    if audit is not None:
        audit.committed = True


@contextmanager
def call_transaction(engine: Engine, *, commit: bool = True) -> Iterator[Session]:
    """A transaction on the call's session when there is one, else on a session of its own:
    committed on success (unless ``commit`` is false, on the call's session), rolled back on any
    error."""
    session = call_session.get()
    with session_scope(engine) if session is None else transaction(session, commit=commit) as current:
        yield current
