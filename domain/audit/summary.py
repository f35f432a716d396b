"""What the audit log keeps of a tool call's arguments: enough to see what was asked, no secrets.

Values under a secret-sounding key (password, token, secret, key, authorization, credential)
and strings shaped like this server's credentials are replaced by ``[redacted]``; long strings
(ticket descriptions, article bodies) are cut to their start and their length; long lists and
deep nesting are elided. The whole summary is a JSON text of at most ``MAX_SUMMARY`` characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SUMMARY = 1000
MAX_STRING = 80
MAX_ITEMS = 10
MAX_DEPTH = 3
REDACTED = "[redacted]"

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api_?key|^key$|authori[sz]ation|credential|cookie", re.I)
# API keys, OAuth codes, access and refresh tokens and client secrets of this server.
_CREDENTIAL = re.compile(r"^(hdk|hdo|hdr|hdc|hdcs)_[A-Za-z0-9_-]{8,}$|^Bearer\s", re.I)


def _cut(text: str) -> str:
    if _CREDENTIAL.match(text.strip()):
        return REDACTED
    if len(text) <= MAX_STRING:
        return text
    return f"{text[:MAX_STRING]}… ({len(text)} chars)"


def _summarise(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return _cut(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        items = list(value.items())
        summary: dict[str, Any] = {
            str(key)[:MAX_STRING]: REDACTED if _SECRET_KEY.search(str(key)) else _summarise(item, depth + 1)
            for key, item in items[:MAX_ITEMS]
        }
        if len(items) > MAX_ITEMS:
            summary["…"] = f"{len(items) - MAX_ITEMS} more"
        return summary
    if isinstance(value, list | tuple):
        head = [_summarise(item, depth + 1) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            head.append(f"… {len(value) - MAX_ITEMS} more")
        return head
    return _cut(str(value))


def summarise_arguments(arguments: object) -> str:
    """The audit summary of a ``tools/call``'s ``arguments`` (any JSON value, usually an object)."""
    if arguments is None or arguments == {}:
        return ""
    text = json.dumps(_summarise(arguments, 0), ensure_ascii=False, separators=(", ", ": "))
    if len(text) > MAX_SUMMARY:
        text = text[: MAX_SUMMARY - 1] + "…"
    return text
