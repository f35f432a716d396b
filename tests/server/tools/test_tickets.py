"""Ticket tools through the SDK client over HTTP, on the seed dataset."""

from __future__ import annotations

import httpx

from seed.demo import IT_WORKSPACE_ID
from tests.server.conftest import SeededServer
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_error, call_ok, walk


async def test_walking_ticket_pages_visits_every_ticket_once(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        tickets = await walk(client, "fetchTickets", "tickets", {})
    ids = [ticket["id"] for ticket in tickets]
    assert ids == sorted(set(ids)), "pages overlap, skip, or are out of order"
    assert len(ids) > 100, "the seed should need several pages"


async def test_filters_narrow_the_list(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        open_tickets = await walk(client, "fetchTickets", "tickets", {"status": "open", "priority": "high"})
        assert open_tickets and all(t["status"] == "open" and t["priority"] == "high" for t in open_tickets)
        first = open_tickets[0]
        by_requester = await call_ok(client, "fetchTickets", {"requester_id": first["requester_id"]})
        assert all(t["requester_id"] == first["requester_id"] for t in by_requester["tickets"])


async def test_agent_sees_only_its_workspace(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as admin:
        everything = await walk(admin, "fetchTickets", "tickets", {})
    foreign = next(t for t in everything if t["workspace_id"] != IT_WORKSPACE_ID)
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as agent:
        visible = await walk(agent, "fetchTickets", "tickets", {})
        assert visible and all(t["workspace_id"] == IT_WORKSPACE_ID for t in visible)
        assert len(visible) < len(everything)
        message = await call_error(agent, "fetchTicket", {"ticket_id": foreign["id"]})
        assert "No ticket" in message and "ticket_id" in message


async def test_fetch_ticket_has_notes_requester_and_agent(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        listing = await call_ok(client, "fetchTickets", {"per_page": 50})
        for summary in listing["tickets"]:
            ticket = await call_ok(client, "fetchTicket", {"ticket_id": summary["id"]})
            assert ticket["requester"]["id"] == summary["requester_id"]
            if ticket["notes"]:
                break
        else:
            raise AssertionError("no ticket with notes in the first page")
        assert all(note["ticket_id"] == ticket["id"] for note in ticket["notes"])


async def test_create_update_and_note_a_ticket(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as client:
        created = await call_ok(
            client,
            "createTicket",
            {
                "subject": "Docking station not charging laptop",
                "description": "The USB-C dock on desk 4.12 stopped charging.",
                "email": "new.starter@example.test",
                "priority": "medium",
                "tags": ["dock", "hardware"],
            },
        )
        assert created["status"] == "open" and created["workspace_id"] == IT_WORKSPACE_ID
        updated = await call_ok(client, "updateTicket", {"ticket_id": created["id"], "priority": "urgent"})
        assert updated["priority"] == "urgent"
        assert updated["subject"] == created["subject"] and updated["tags"] == ["dock", "hardware"]
        note = await call_ok(
            client, "createTicketNote", {"ticket_id": created["id"], "body": "Swapped the power brick."}
        )
        assert note["private"] is True
        detail = await call_ok(client, "fetchTicket", {"ticket_id": created["id"]})
        assert [n["body"] for n in detail["notes"]] == ["Swapped the power brick."]
        assert detail["requester"]["email"] == "new.starter@example.test"


async def test_clearing_the_assignee(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        assigned = await call_ok(client, "fetchTickets", {"agent_id": 2, "per_page": 1})
        ticket_id = assigned["tickets"][0]["id"]
        cleared = await call_ok(
            client, "updateTicket", {"ticket_id": ticket_id, "clear_fields": ["agent_id"]}
        )
        assert cleared["agent_id"] is None
        both = await call_error(
            client, "updateTicket", {"ticket_id": ticket_id, "agent_id": 2, "clear_fields": ["agent_id"]}
        )
        assert "agent_id" in both


async def test_invalid_arguments_are_recoverable_errors_naming_the_problem(
    seeded_server: SeededServer,
) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        bad_enum = await call_error(client, "fetchTickets", {"status": "bogus"})
        assert "status" in bad_enum and "'open'" in bad_enum and "'closed'" in bad_enum
        missing = await call_error(client, "createTicket", {"email": "x@example.test"})
        assert "subject" in missing and "required" in missing
        wrong_type = await call_error(client, "fetchTicket", {"ticket_id": "abc"})
        assert "ticket_id" in wrong_type
        unknown = await call_error(client, "fetchTicket", {"ticket_id": 987654})
        assert "987654" in unknown
        page_zero = await call_error(client, "fetchTickets", {"page": 0})
        assert "page" in page_zero
        past_end = await call_error(client, "fetchTickets", {"page": 9999})
        assert "page" in past_end and "past the end" in past_end
        extra = await call_error(client, "fetchTicket", {"ticket_id": 1, "verbose": True})
        assert "verbose" in extra and "ticket_id" in extra
        no_requester = await call_error(client, "createTicket", {"subject": "Hi"})
        assert "email" in no_requester or "requester_id" in no_requester


async def test_read_only_key_cannot_call_write_tools(seeded_server: SeededServer) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "createTicket", "arguments": {"subject": "x", "email": "a@example.test"}},
    }
    headers = {
        "Authorization": f"Bearer {seeded_server.read_only_key}",
        "Accept": "application/json, text/event-stream",
        "Mcp-Protocol-Version": "2025-11-25",
    }
    async with httpx.AsyncClient() as http:
        refused = await http.post(f"{seeded_server.url}/mcp", json=body, headers=headers)
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert 'scope="mcp:read mcp:write"' in refused.headers["www-authenticate"]
    async with mcp_client(seeded_server.url, key=seeded_server.read_only_key) as client:
        assert (await call_ok(client, "fetchTickets", {"per_page": 1}))["tickets"]
