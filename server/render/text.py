"""Formatting single values for a model: plain text, short dates, shortened free text."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any

from inscriptis import get_text
from pydantic import BaseModel

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_SPACES = re.compile(r"\s+")
_SALUTATION = re.compile(
    r"\A(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,30},[ \t]*\n", re.I
)


def plain(text: str) -> str:
    """``text`` with HTML turned into plain text (lists and paragraphs kept as lines)."""
    if _TAG.search(text) is None and "&" not in text:
        return text.strip()
    converted: str = get_text(text)
    return converted.strip()


def one_line(text: str) -> str:
    return _SPACES.sub(" ", plain(text)).strip()


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """``text`` on one line, cut at a word boundary near ``limit`` characters; True when cut.

    A greeting on the first line ("Hi team,") is left out: in a preview it only costs tokens."""
    flat = one_line(_SALUTATION.sub("", plain(text), count=1))
    if len(flat) <= limit:
        return flat, False
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,.;:") + "…", True


def stamp(value: datetime) -> str:
    """UTC to the minute, e.g. 2026-03-01 09:12Z (the structured result keeps the seconds)."""
    return value.strftime("%Y-%m-%d %H:%MZ")


def scalar(value: Any) -> str:
    """One value on one line; empty string for nothing worth showing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, list | tuple):
        return ", ".join(part for part in (scalar(item) for item in value) if part)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {scalar(item)}" for key, item in value.items() if scalar(item))
    if isinstance(value, BaseModel):
        return person(value) if {"name", "email"} <= set(type(value).model_fields) else str(value)
    return str(value)


def person(value: BaseModel) -> str:
    data = value.__dict__
    return f"{data['name']} <{data['email']}> (id {data['id']})"
