"""The threads the ``/mcp`` edge runs a request's synchronous work on: authentication, the quota
gate and, on the stateless path, the whole tool call (``server.mcp_endpoint``).

One hop per request: ``loop.run_in_executor`` on a fixed pool, with the caller's context variables
copied in (the request id, the call's session). ``anyio.to_thread.run_sync`` does the same work
wrapped in a capacity limiter, a cancel scope and a backend lookup: ~3% of a ``fetchTicket``'s
instructions (``python -m bench.instructions``). The pool has as many threads as the database pool
keeps connections (the ``threads`` setting), so a request never waits for a connection here.

Unlike anyio's, a request cancelled while its work runs stops waiting at once; the work itself
runs to its end (as with anyio), and ``shutdown`` waits for it before the server's last flushes.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class CallThreads:
    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("CallThreads needs at least one thread")
        self.size = size
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(*args, **kwargs)`` on one of the threads, in a copy of this context."""
        executor = self._executor or self._start()
        work = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(executor, work)

    def _start(self) -> ThreadPoolExecutor:
        self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="mcp-call")
        return self._executor

    def shutdown(self) -> None:
        """Wait for the work in flight and stop the threads (a later ``run`` starts new ones)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
