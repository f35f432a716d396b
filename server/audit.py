"""The audit trail of tool calls: one row per ``tools/call``, and its retention.

``AuditMiddleware`` is the outermost SDK middleware, so it sees every call that reached the MCP
server: ones refused for a disabled tool or bad arguments included, ones refused by the quota
gate at the HTTP edge never (they have no effect to audit). A write tool that completes its unit
of work has its row inserted in that same transaction (``server.context.pending_audit``): a
write and its audit row commit together or not at all. Every other call (reads, and calls that
were refused, failed or rolled back) changed nothing: its row goes to the ``AuditBuffer`` and is
written in a batch off the request path (``server.audit_buffer`` says what that can lose), so a
read's transaction stays read-only. Without a buffer (``HELPDESK_AUDIT_BATCH_MILLISECONDS=0``)
every call that completes its unit of work records its row there, and the rest are written after
the answer in a worker thread. A failure to write a row outside a transaction is logged and does
not turn the answer into an error.

``AuditRetention`` runs in the application's lifespan: it purges expired rows once at start-up
(before the server takes requests) and then every ``interval``, reading time from the injected
clock and waiting through the injected ``wait`` so tests can drive it without sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
from mcp.server.context import CallNext, ServerRequestContext
from mcp_types import CallToolResult
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.audit.models import Outcome
from domain.audit.service import ToolCallRecord, purge_expired, record_call
from domain.audit.summary import summarise_arguments
from domain.db import session_scope
from server.audit_buffer import AuditBuffer
from server.context import McpRequest, PendingAudit, call_transaction, current_request, pending_audit
from server.requestlog import note_tool_call

logger = logging.getLogger(__name__)

MAX_ERROR_TEXT = 300


def error_text(result: Any) -> str | None:
    """The first text of an ``isError`` result, or None for a successful one."""
    if isinstance(result, CallToolResult):
        is_error, content = result.is_error, [block.model_dump() for block in result.content]
    elif isinstance(result, dict):
        is_error, content = bool(result.get("isError")), result.get("content") or []
    else:
        return None
    if not is_error:
        return None
    texts = [block.get("text", "") for block in content if isinstance(block, dict)]
    return (" ".join(t for t in texts if isinstance(t, str)) or "error")[:MAX_ERROR_TEXT]


@dataclass
class CallAudit:
    """The audit row of one ``tools/call`` in progress: who called what, when, and (for a call whose
    row rides in its own transaction) the ``PendingAudit`` the tool's unit of work adds."""

    request: McpRequest
    params: Any
    at: datetime
    started: float
    pending: PendingAudit | None

    @property
    def committed(self) -> bool:
        """Whether the row went in with the tool's own transaction (the call succeeded)."""
        return self.pending is not None and self.pending.committed


@dataclass
class AuditTrail:
    """Starts and ends the audit row of every ``tools/call``, on either path: the stateless JSON
    path of ``/mcp`` (``server.tool_calls``, in its worker thread) and the SDK's (``AuditMiddleware``)."""

    clock: Callable[[], datetime]
    buffer: AuditBuffer | None = None
    # Tools whose row goes in their own transaction (default: every tool); with a buffer, writes.
    in_transaction: Callable[[str], bool] = lambda _name: True

    def begin(self, request: McpRequest, params: Any) -> CallAudit:
        at, started = self.clock(), time.perf_counter()
        audit = CallAudit(request, params, at, started, None)

        def add_success(session: Session) -> None:
            duration_ms = round((time.perf_counter() - started) * 1000)
            record_call(session=session, call=_record(request, params, at, duration_ms, None))

        if self.in_transaction(_tool_name(params)):
            audit.pending = PendingAudit(add=add_success)
        return audit

    def finish(self, audit: CallAudit, error: str | None) -> ToolCallRecord | None:
        """Note the call's outcome (log line, metrics); the row still to write, if its transaction
        did not carry it: buffered here when there is a buffer, else returned for the caller to insert."""
        _note(audit.request, audit.params, audit.started, error)
        if audit.committed:
            return None
        duration_ms = round((time.perf_counter() - audit.started) * 1000)
        record = _record(audit.request, audit.params, audit.at, duration_ms, error)
        if self.buffer is not None:
            self.buffer.add(record)
            return None
        return record

    @staticmethod
    def insert(engine: Engine, record: ToolCallRecord) -> None:
        """Write one row outside any tool's transaction; a failure is logged, not raised."""
        try:
            _insert(engine, record)
        except Exception:
            logger.exception("could not write the audit row of a tool call")


@dataclass
class AuditMiddleware:
    """The audit of calls the SDK dispatches (legacy SSE, and calls the stateless path leaves to it)."""

    trail: AuditTrail

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        request = current_request.get(None)
        if ctx.method != "tools/call" or ctx.request_id is None or request is None:
            return await call_next(ctx)
        audit = self.trail.begin(request, ctx.params or {})
        token = pending_audit.set(audit.pending)
        try:
            result = await call_next(ctx)
        except Exception as exc:
            error = str(exc)[:MAX_ERROR_TEXT] or type(exc).__name__
            await self._write(self.trail.finish(audit, error), request.engine)
            raise
        finally:
            pending_audit.reset(token)
        outcome = None if audit.committed else error_text(result)
        await self._write(self.trail.finish(audit, outcome), request.engine)
        return result

    async def _write(self, record: ToolCallRecord | None, engine: Engine) -> None:
        if record is not None:
            await anyio.to_thread.run_sync(self.trail.insert, engine, record)


def _tool_name(params: Any) -> str:
    name = params.get("name") if isinstance(params, dict) else None
    return name if isinstance(name, str) else ""


def _note(request: McpRequest, params: Any, started: float, error: str | None) -> None:
    """The call's outcome, for the metrics and the request's log line (``server.requestlog``)."""
    name = params.get("name") if isinstance(params, dict) else None
    note_tool_call(
        tool=name if isinstance(name, str) else "",
        outcome="ok" if error is None else "tool_error",
        agent_id=request.caller.agent_id,
        credential=request.credential.reference,
        seconds=time.perf_counter() - started,
    )


def _insert(engine: Engine, record: ToolCallRecord) -> None:
    with call_transaction(engine) as session:  # the call's own session, on the stateless path
        record_call(session=session, call=record)


def _record(
    request: McpRequest, params: Any, at: datetime, duration_ms: int, error: str | None
) -> ToolCallRecord:
    name = params.get("name") if isinstance(params, dict) else None
    return ToolCallRecord(
        at=at,
        agent_id=request.caller.agent_id,
        agent_email=request.caller.email,
        credential_kind=request.credential.kind,
        credential=request.credential.reference,
        tool=name if isinstance(name, str) else "",
        arguments=summarise_arguments(params.get("arguments") if isinstance(params, dict) else None),
        outcome=Outcome.ok if error is None else Outcome.error,
        error=error,
        duration_ms=duration_ms,
    )


def purge_audit_log(engine: Engine, *, now: datetime, retention_days: int, admin_retention_days: int) -> int:
    """Delete audit rows older than their retention; the number deleted."""
    with session_scope(engine) as session:
        return purge_expired(
            session=session, now=now, retention_days=retention_days, admin_retention_days=admin_retention_days
        )


@dataclass
class AuditRetention:
    engine: Engine
    retention_days: int
    admin_retention_days: int
    clock: Callable[[], datetime]
    interval: timedelta = timedelta(hours=1)
    wait: Callable[[timedelta], Awaitable[None]] | None = None

    async def purge_once(self) -> int:
        try:
            removed = await anyio.to_thread.run_sync(self._purge)
        except Exception:
            logger.exception("audit log retention failed; it will run again")
            return 0
        if removed:
            logger.info("audit log retention removed %d entries", removed)
        return removed

    def _purge(self) -> int:
        return purge_audit_log(
            self.engine,
            now=self.clock(),
            retention_days=self.retention_days,
            admin_retention_days=self.admin_retention_days,
        )

    async def run_forever(self) -> None:
        """Purge every ``interval`` until cancelled (the lifespan's task group ends it)."""
        while True:
            await (self.wait or _sleep)(self.interval)
            await self.purge_once()


async def _sleep(interval: timedelta) -> None:
    await anyio.sleep(interval.total_seconds())
