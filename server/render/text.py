"""Formatting single values for a model: plain text, short dates, shortened free text.

Every answer formats hundreds of values, so the common cases (ints, plain one-line strings,
enums) take a fast path: a tool call should cost less CPU than the JSON it replaces.
"""

from __future__ import annotations

import enum
import functools
import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_UNTIDY = re.compile(r"[<&\n\r\t]| {2}")  # anything one_line would change (besides the ends)
_GREETING_INITIALS = frozenset("HhDdGg")
_SALUTATION = re.compile(
    r"\A(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,30},[ \t]*\n", re.IGNORECASE
)


def plain(text: str) -> str:
    """``text`` with HTML turned into plain text (lists and paragraphs kept as lines)."""
    if ("<" not in text and "&" not in text) or ("&" not in text and _TAG.search(text) is None):
        return text.strip()
    # Imported at the first HTML: inscriptis loads lxml, ~4 MiB in a process that may never see any.
    from inscriptis import get_text

    converted: str = get_text(text)
    return converted.strip()


def one_line(text: str) -> str:
    if _UNTIDY.search(text) is None:
        return text.strip()
    return " ".join(plain(text).split())


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """``text`` on one line, cut at a word boundary near ``limit`` characters; True when cut.

    A greeting on the first line ("Hi team,") is left out: in a preview it only costs tokens."""
    head = limit * 2 + 64
    if len(text) > head and not text[head - 1].isspace() and "<" not in text and "&" not in text:
        # Plain text: the preview is usually in its head. If the head alone is cut, the whole
        # text is cut at the same place (the head's words are the text's first); if it is not,
        # whitespace filled the head and the rest may still belong in the preview. A head that
        # ends in whitespace is not used: stripped, it could lose the line break that ends a
        # greeting, which the whole text keeps (and then leaves out).
        short, cut = _shortened(text[:head], limit)
        if cut:
            return short, cut
    return _shortened(text, limit)


def _shortened(text: str, limit: int) -> tuple[str, bool]:
    text = plain(text)
    if text[:1] in _GREETING_INITIALS:
        text = _SALUTATION.sub("", text, count=1)
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat, False
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,.;:") + "…", True


def stamp(value: datetime) -> str:
    """UTC to the minute, e.g. 2026-03-01 09:12Z (the structured result keeps the seconds)."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}Z"


def scalar(value: Any) -> str:
    """One value on one line; empty string for nothing worth showing."""
    kind = type(value)
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value._value_)
    if kind is str:
        return one_line(value)
    if kind is datetime:
        return stamp(value)
    if kind is date:
        return str(value.isoformat())
    if kind is float:
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(part for part in (scalar(item) for item in value) if part)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {shown}" for key, item in value.items() if (shown := scalar(item)))
    if isinstance(value, BaseModel):
        return person(value) if _is_person(type(value)) else str(value)
    return str(value)


@functools.cache
def _is_person(model: type[BaseModel]) -> bool:
    """Whether ``model`` names someone (a requester or agent reference): shown as ``person``."""
    return {"name", "email"} <= set(model.model_fields)


def person(value: BaseModel) -> str:
    data = value.__dict__
    return f"{data['name']} <{data['email']}> (id {data['id']})"
