"""Argument types shared by the tools: one definition of paging, ids and filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from domain.errors import InvalidField
from domain.pagination import DEFAULT_PER_PAGE, MAX_CURSOR_LENGTH, MAX_PER_PAGE

# The largest id or page: a bigger number is an argument error naming the field, and the schema says so.
from domain.types import MAX_INT as MAX_INT

# Paging is described once in each answer's last lines (the next page or cursor to ask for), so the
# per-parameter text stays short: it is repeated in every list tool's schema.
Page = Annotated[int, Field(ge=1, le=MAX_INT, description="Page, from 1.")]
PerPage = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_PER_PAGE,
        description=f"Items per page (default {DEFAULT_PER_PAGE}).",
    ),
]
Cursor = Annotated[
    str | None,
    Field(
        max_length=MAX_CURSOR_LENGTH,
        description="The previous page's next_cursor, instead of page.",
    ),
]
WorkspaceFilter = Annotated[
    int | None,
    Field(ge=1, le=MAX_INT, description="Only this workspace (see fetchWorkspaces); omit for all yours."),
]
UpdatedSince = Annotated[
    datetime | None,
    Field(description="Only those updated at or after this time, e.g. 2026-03-01T00:00:00Z."),
]
# Read by the registry, which renders the text answer (server.render.answer); the tool body ignores it.
ShownFields = Annotated[
    list[Annotated[str, Field(max_length=64)]] | None,
    Field(max_length=30, description="Fields the text shows per item instead of the usual ones."),
]
SearchTerm = Annotated[str, Field(min_length=1, max_length=500, description="Words to search for.")]


def given_and_cleared(values: Mapping[str, object], clear_fields: Sequence[str]) -> dict[str, Any]:
    """The fields an update sets: those given (not None) plus those listed to be emptied."""
    given = {name: value for name, value in values.items() if value is not None}
    for name in clear_fields:
        if name in given:
            raise InvalidField(name, "was both given a value and listed in clear_fields; choose one.")
        given[name] = None
    return given
