"""Argument types shared by the tools: one definition of paging, ids and filters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from domain.errors import InvalidField
from domain.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE

Page = Annotated[int, Field(ge=1, description="Page number, from 1. Follow next_page until it is null.")]
PerPage = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_PER_PAGE,
        description=f"Results per page, 1 to {MAX_PER_PAGE} (default {DEFAULT_PER_PAGE}).",
    ),
]
WorkspaceFilter = Annotated[
    int | None,
    Field(
        ge=1, description="Only results in this workspace (see fetchWorkspaces). Omit for all you can see."
    ),
]
UpdatedSince = Annotated[
    datetime | None,
    Field(description="Only results updated at or after this time, e.g. 2026-03-01T00:00:00Z."),
]
# Read by the registry, which renders the text answer (server.render.answer); the tool body ignores it.
ShownFields = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]] | None,
    Field(
        max_length=30,
        description="Item fields the text shows instead of the usual ones (free text then whole). "
        "The structured result always has all.",
    ),
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
