"""Reading page numbers from query strings (bad values fall back to the first page)."""

from __future__ import annotations

from starlette.requests import Request

MAX_PAGE = 100_000


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) >= 1 else 1
