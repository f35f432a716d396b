"""Cursor pagination and bounded totals, through the SDK client over HTTP, on the seed dataset."""

from __future__ import annotations

import base64
import json

import pytest

from domain import pagination
from tests.server.conftest import SeededServer
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_error, call_ok, walk, walk_by_cursor

LISTS = [
    ("fetchTickets", "tickets", {}),
    ("fetchTickets", "tickets", {"status": "open"}),
    ("fetchAssets", "assets", {}),
    ("fetchAgents", "agents", {}),
    ("fetchRequesters", "requesters", {}),
    ("fetchWorkspaces", "workspaces", {}),
    ("fetchOffboardingRequests", "requests", {}),
    ("fetchServiceCatalogItems", "items", {}),
    ("fetchServiceCatalogItemSearch", "items", {"search_term": "access"}),
    ("fetchSolutionCategories", "categories", {}),
    ("fetchSolutionArticleSearch", "articles", {"search_term": "password"}),
]


async def test_walking_by_cursor_visits_what_walking_by_page_does(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        for name, key, arguments in LISTS:
            by_page = [item["id"] for item in await walk(client, name, key, arguments, per_page=7)]
            by_cursor = [
                item["id"] for item in await walk_by_cursor(client, name, key, arguments, per_page=7)
            ]
            assert by_cursor == by_page, f"{name} {arguments}: cursor and page walks differ"
            assert len(by_cursor) == len(set(by_cursor)), f"{name} repeated an item"


async def test_walking_by_cursor_while_tickets_are_created_visits_each_once(
    seeded_server: SeededServer,
) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        before = {t["id"] for t in await walk(client, "fetchTickets", "tickets", {})}
        requester = (await call_ok(client, "fetchRequesters", {"per_page": 1}))["requesters"][0]["id"]
        seen: list[int] = []
        created: list[int] = []
        content = await call_ok(client, "fetchTickets", {"per_page": 40})
        while True:
            seen.extend(t["id"] for t in content["tickets"])
            ticket = await call_ok(
                client, "createTicket", {"subject": "Created mid-walk", "requester_id": requester}
            )
            created.append(ticket["id"])
            if content["next_cursor"] is None:
                break
            content = await call_ok(
                client, "fetchTickets", {"per_page": 40, "cursor": content["next_cursor"]}
            )
    assert len(seen) == len(set(seen)), "a ticket came twice"
    assert before <= set(seen), "a ticket that existed before the walk was skipped"
    # Tickets created during the walk come after every existing one, so the walk reaches them.
    assert set(created[:-1]) <= set(seen)


async def test_a_cursor_from_a_page_walk_continues_it(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        second = await call_ok(client, "fetchTickets", {"page": 2, "per_page": 10})
        third = await call_ok(client, "fetchTickets", {"cursor": second["next_cursor"], "per_page": 10})
        by_page = await call_ok(client, "fetchTickets", {"page": 3, "per_page": 10})
    assert third["page"] == 3 and third["tickets"] == by_page["tickets"]


async def test_totals_are_exact_up_to_the_limit_then_say_more_than(
    seeded_server: SeededServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seed of the tool tests is small (250 tickets); a lower limit exercises the same code.
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 100)
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        everything = await walk_by_cursor(client, "fetchTickets", "tickets", {})
        assert len(everything) > 100
        for arguments in ({}, {"per_page": 5}, {"page": 3, "per_page": 5}):
            bounded = await call_ok(client, "fetchTickets", arguments)
            assert (bounded["total"], bounded["total_is_exact"]) == (100, False)
        urgent = await walk(client, "fetchTickets", "tickets", {"priority": "urgent"}, per_page=5)
        assert len(urgent) <= 100
        exact = await call_ok(client, "fetchTickets", {"priority": "urgent", "per_page": 5})
        assert (exact["total"], exact["total_is_exact"]) == (len(urgent), True)
        past = await call_error(client, "fetchTickets", {"page": 1000, "per_page": 5})
        assert "page" in past and f"there are {len(everything)} results" in past


def _forged(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


async def test_a_cursor_that_was_not_given_out_is_a_clear_argument_error(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        asset_cursor = (await call_ok(client, "fetchAssets", {"per_page": 5}))["next_cursor"]
        ticket_cursor = (await call_ok(client, "fetchTickets", {"per_page": 5}))["next_cursor"]
        bad = [
            "garbage",
            "!!!",
            "e30",  # base64 of {}
            _forged(["ticket.id+", 2, "1; DROP TABLE ticket", 0]),
            _forged(["ticket.id+", 2, 2**70, 0]),  # would overflow a 64-bit integer
            _forged(["ticket.id+", 0, 5, 0]),
            _forged(["ticket.id+", True, 5, 0]),
            asset_cursor,  # another list's cursor
            ticket_cursor[:-3],
        ]
        for cursor in bad:
            message = await call_error(client, "fetchTickets", {"cursor": cursor})
            assert "cursor" in message and "next_cursor" in message, message
        both = await call_error(client, "fetchTickets", {"cursor": ticket_cursor, "page": 2})
        assert "page" in both and "cursor" in both
        too_long = await call_error(client, "fetchTickets", {"cursor": "x" * 1000})
        assert "cursor" in too_long
        search = await call_error(
            client, "fetchSolutionArticleSearch", {"search_term": "vpn", "cursor": "nope"}
        )
        assert "cursor" in search


async def test_the_deepest_page_or_cursor_a_client_may_ask_for_is_answered_not_failed(
    seeded_server: SeededServer,
) -> None:
    """page up to 2**31-1 times per_page 100 and a cursor's position up to 2**62 are past any 32-bit
    integer: PostgreSQL must get them as 64-bit values (it refused an int4 cast as out of range)."""
    deepest = 2**31 - 1
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        for name, key, arguments in LISTS:
            past = await call_error(client, name, {**arguments, "page": deepest, "per_page": 100})
            assert "past the end" in past and "internal error" not in past, f"{name}: {past}"
            given = (await call_ok(client, name, {**arguments, "per_page": 1}))["next_cursor"]
            kind, _, after, _ = json.loads(base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)))
            for position in (
                [2, pagination._LARGEST, 0],
                [2, -pagination._LARGEST, 0],
                [2, None, pagination._LARGEST],
            ):
                if (position[1] is None) != (after is None):
                    continue  # a keyset list's cursor holds a key, a ranked list's an offset
                content = await call_ok(client, name, {**arguments, "cursor": _forged([kind, *position])})
                assert isinstance(content[key], list), f"{name} {position}"
