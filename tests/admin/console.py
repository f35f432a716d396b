"""Driving the console's forms over HTTP: sign in, then submit forms with their CSRF tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.auth.browser import parse_page
from tests.utils.auth_factories import Person


@dataclass
class Console:
    http: httpx.AsyncClient

    async def sign_in(self, person: Person) -> httpx.Response:
        page = await self.http.get("/admin/login")
        form = parse_page(page.text).forms[0]
        return await self.http.post(
            form.action, data={**form.fields, "email": person.email, "password": person.password}
        )

    async def submit(
        self, path: str, *, action: str, match: dict[str, str] | None = None, **values: Any
    ) -> httpx.Response:
        """Submit the form of page ``path`` posting to ``action`` (the first whose hidden fields
        include ``match``), with ``values`` filled in."""
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        for form in parse_page(page.text).forms:
            if form.action == action and all(form.fields.get(k) == v for k, v in (match or {}).items()):
                return await self.http.post(action, data={**form.fields, **values})
        raise AssertionError(f"no form posting to {action} matching {match} on {path}")
