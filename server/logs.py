"""What ``serve`` writes: one format (``HELPDESK_LOG_FORMAT`` text or json) for the app, uvicorn,
the start-up lines and the first-start seed, one line per line, never wrapped.

JSON lines carry ``time``, ``level``, ``logger``, ``message`` and the record's ``fields`` (the
request log puts its request id, status, tool and so on there). Both formatters are a few string
operations per record: the request log writes one line per request, and PERFORMANCE.md gives a
call's log lines a budget of 50 µs of CPU (``python -m bench.logcost`` prints what they cost).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Literal

LogFormat = Literal["text", "json"]
LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning", logging.ERROR: "error"}


# The formatted second of the last record: a busy server logs hundreds of lines a second.
_last_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    global _last_second
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    last = _last_second
    if last[0] != seconds:
        last = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
        _last_second = last  # one tuple, replaced whole: safe across threads
    return f"{last[1]}.{millis:03d}Z"


def _one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (``\\n``, ``\\x1b``): what a
    client sent (a path, a tool's name) cannot start a line of its own in the log."""
    return text if text.isprintable() else repr(text)[1:-1]


class TextFormatter(logging.Formatter):
    """``2026-12-02T14:33:06.123Z INFO logger: message key=value …`` on one line, whatever the
    message and the values hold."""

    def format(self, record: logging.LogRecord) -> str:
        message = _one_line(record.getMessage())
        line = f"{_timestamp(record.created)} {record.levelname} {record.name}: {message}"
        fields: dict[str, Any] | None = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(
                f"{key}={_one_line(value) if isinstance(value, str) else value}"
                for key, value in fields.items()
                if value is not None
            )
        if record.exc_info:
            line += " | " + " | ".join(self.formatException(record.exc_info).splitlines())
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": LEVELS.get(record.levelno, record.levelname.lower()),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields: dict[str, Any] | None = getattr(record, "fields", None)
        if fields:
            entry.update((key, value) for key, value in fields.items() if value is not None)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not the stream it was at
    configuration (a test runner or a redirect may have replaced and closed that one since)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def logging_config(log_format: LogFormat, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for every process ``serve`` starts (uvicorn applies it in
    each worker): one stderr handler, the chosen format, uvicorn's access log off (the request
    log replaces it; uvicorn's wrote whole URLs, query strings and any key in them included)."""
    handler = {"class": "server.logs.StderrHandler", "formatter": "helpdesk"}
    formatter = "server.logs.JsonFormatter" if log_format == "json" else "server.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"helpdesk": {"()": formatter}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level.upper(), "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # Migrations at start-up announce every Alembic plugin at INFO.
            "alembic": {"level": "DEBUG" if level == "debug" else "WARNING"},
            # The SDK logs every stateless request at INFO; keep the operator's log readable.
            "mcp": {"level": "DEBUG" if level == "debug" else "WARNING"},
        },
    }


def configure(log_format: LogFormat, level: str) -> None:
    """Apply ``logging_config`` in this process (the ``serve`` command before uvicorn starts)."""
    import logging.config

    logging.config.dictConfig(logging_config(log_format, level))
    # Neither format shows where a record was logged from, so skip finding the caller's frame
    # for every record (the Logging HOWTO's "Optimization" section); nor do they show these.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def emit(logger: logging.Logger, message: str, **fields: Any) -> None:
    """Log ``message`` at INFO with structured ``fields`` (JSON keys, or key=value in text)."""
    if logger.isEnabledFor(logging.INFO):
        logger.info(message, extra={"fields": fields})
