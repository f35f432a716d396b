"""Checks on values arriving from callers, each failing with an ``InvalidField`` that names the field.

Tool inputs are already typed by their schemas, but services are also called from the CLI and
from other services, so they check what they store: a bad value here becomes a sentence a model
can act on, not a database error or a half-written row.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.errors import InvalidField

E = TypeVar("E", bound=enum.Enum)

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_VALUE_LENGTH = 1000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def coerce_enum(enum_cls: type[E], value: E | str, *, field: str) -> E:
    """``value`` as a member of ``enum_cls`` (given as the member or its string value)."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidField(
            field, f"{value!r} is not one of its values.", [member.value for member in enum_cls]
        ) from None


def aware_utc(value: datetime, *, field: str) -> datetime:
    """``value`` converted to UTC; naive timestamps are refused because their zone is a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidField(field, "the timestamp needs a timezone, e.g. 2025-01-31T17:00:00Z.")
    return value.astimezone(UTC)


def required_text(value: str | None, *, field: str, max_length: int) -> str:
    """``value`` trimmed; it must not be empty and must fit the column."""
    text = (value or "").strip()
    if not text:
        raise InvalidField(field, "must not be empty.")
    return bounded_text(text, field=field, max_length=max_length)


def bounded_text(value: str, *, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidField(field, f"is {len(value)} characters long; at most {max_length} are allowed.")
    return value


def normalized_email(value: str, *, field: str = "email") -> str:
    """``value`` trimmed and lower-cased, if it looks like an email address."""
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidField(field, f"{value!r} is not an email address like jane.doe@example.com.")
    return email


def clean_tags(tags: list[str], *, field: str = "tags") -> list[str]:
    """Tags trimmed, empty ones dropped, duplicates (ignoring case) removed, order kept."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        if not isinstance(raw, str):
            raise InvalidField(field, f"every tag must be a string, got {raw!r}.")
        tag = raw.strip()
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidField(field, f"tag {tag[:20]!r}... is longer than {MAX_TAG_LENGTH} characters.")
        seen.add(tag.casefold())
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidField(field, f"{len(cleaned)} tags given; at most {MAX_TAGS} are allowed.")
    return cleaned


def clean_attributes(attributes: dict[str, Any], *, field: str = "custom_attributes") -> dict[str, Any]:
    """A flat mapping of short keys to scalar values (text, number, true/false or null)."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidField(field, f"{len(attributes)} keys given; at most {MAX_ATTRIBUTES} are allowed.")
    cleaned: dict[str, Any] = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_ATTRIBUTE_KEY_LENGTH:
            raise InvalidField(field, f"key {key!r} must be 1 to {MAX_ATTRIBUTE_KEY_LENGTH} characters.")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidField(field, f"the value of {key!r} must be text, a number, true/false or null.")
        if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_VALUE_LENGTH:
            raise InvalidField(
                field, f"the value of {key!r} is longer than {MAX_ATTRIBUTE_VALUE_LENGTH} characters."
            )
        cleaned[key.strip()] = value
    return cleaned
