"""A stream computed in a second process while this one consumes it: the seed's two halves overlap.

Generating a million tickets (Python: random draws, text, converting every value to what the
driver binds) and writing them (SQLite's C code, index upkeep) each take about half of the seed's
time, and each runs on one core. With the generating half in a forked process, the seed takes the
time of the longer half on a machine with two cores, at a small cost in CPU (each batch is
pickled once across a pipe). The pipe holds about one batch, so the producer runs at most a batch
or two ahead, and memory stays bounded.

Forking copies the generator and everything it refers to; the child only iterates it and sends
what it yields. Where ``fork`` does not exist, the stream is consumed in this process.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterator
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")


class GeneratorFailed(RuntimeError):
    """The second process failed or died; the message holds its traceback or exit code."""


def in_another_process(items: Iterator[T]) -> Iterator[T]:
    """Yield what ``items`` yields, in order, computed in a forked process."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from items
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(items, sender), name="seed-generator", daemon=True)
    child.start()
    sender.close()  # the child's copy stays open: EOF here means the child is gone
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join()
                ended = f"exit code {child.exitcode}"
                raise GeneratorFailed(f"the seed's generating process ended early ({ended})") from None
            if kind == "done":
                return
            if kind == "error":
                raise GeneratorFailed(f"generating the seed failed in its second process:\n{payload}")
            yield payload
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(items: Iterator[object], sender: Connection) -> None:
    try:
        for item in items:
            sender.send(("item", item))
        sender.send(("done", None))
    except BaseException:
        with suppress(OSError):  # the consumer is gone: it stopped reading, nothing to tell
            sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()
