"""Audit rows that share no transaction, written in batches off the request path.

A read call's row (and any call that changed nothing: refused, failed, rolled back) needs no
transaction of its own: the call adds it here and answers at once; ``run_forever`` writes what
has gathered every ``interval`` in one multi-row INSERT, in a worker thread. A write tool's row
is not here: it commits in the write's own transaction (``server.context.unit_of_work``).

What this costs in durability, by design: rows gathered since the last flush (at most
``interval``, 250 ms by default) are lost if the process is killed with SIGKILL or crashes. On
SIGTERM (the normal stop of ``serve``, Docker and Kubernetes) the server stops taking requests,
finishes those in flight, and the application's lifespan ends with a last ``flush``. A flush
that fails (database unreachable) keeps its rows for the next one, up to ``MAX_PENDING`` rows;
beyond that the oldest are dropped with an error in the log rather than filling memory.
"""

from __future__ import annotations

import logging
import threading

import anyio
import anyio.to_thread
from sqlalchemy.engine import Engine

from domain.audit.service import ToolCallRecord, record_calls
from domain.db import session_scope

logger = logging.getLogger(__name__)

MAX_PENDING = 50_000


class AuditBuffer:
    def __init__(self, engine: Engine, *, interval: float) -> None:
        self.engine = engine
        self.interval = interval
        self._pending: list[ToolCallRecord] = []
        self._lock = threading.Lock()

    def add(self, record: ToolCallRecord) -> None:
        with self._lock:
            self._pending.append(record)

    def flush(self) -> int:
        """Write every gathered row in one transaction; the number written."""
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            with session_scope(self.engine) as session:
                record_calls(session=session, calls=batch)
        except Exception:
            logger.exception(
                "could not write %d audit rows; they are retried with the next batch", len(batch)
            )
            self._keep(batch)
            return 0
        return len(batch)

    def _keep(self, batch: list[ToolCallRecord]) -> None:
        with self._lock:
            self._pending[:0] = batch
            excess = len(self._pending) - MAX_PENDING
            if excess > 0:
                del self._pending[:excess]
                logger.error("audit buffer full: dropped the %d oldest unwritten rows", excess)

    async def run_forever(self) -> None:
        """Flush every ``interval`` until cancelled (the lifespan flushes once more after that)."""
        while True:
            await anyio.sleep(self.interval)
            if self._pending:
                await anyio.to_thread.run_sync(self.flush)
