"""What a live server logged while a test ran: every record of warning level or above.

uvicorn's loggers do not propagate to the root logger, so the handler sits on both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

WATCHED = ("", "uvicorn", "uvicorn.error")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def server_log() -> Iterator[list[logging.LogRecord]]:
    collector = _Collector()
    loggers = [logging.getLogger(name) for name in WATCHED]
    for logger in loggers:
        logger.addHandler(collector)
    try:
        yield collector.records
    finally:
        for logger in loggers:
            logger.removeHandler(collector)


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """The records that carry a traceback or report an error, formatted for an assertion message."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in records
        if record.exc_info or record.levelno >= logging.ERROR
    ]
