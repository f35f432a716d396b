"""The response contract (docs/response-contract.md) on the points a generic check cannot see:
HTML becomes plain text, lists shorten free text and point at the whole, ``fields`` asks for
more or less, an oversized answer is cut and says so, and the next step follows the envelope."""

from __future__ import annotations

import re

import pytest
from mcp_types import CallToolResult, TextContent

from domain.tickets.models import TicketPublic, TicketsPublic
from server.render.answer import render_page
from tests.server.conftest import SeededServer
from tests.utils.answers import answer_text, check_answer
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_error, call_ok
from tests.utils.tokens import old_rendering, tokens

HTML_DESCRIPTION = (
    "<p>The printer on <b>Floor 2</b> jams on every job.</p>"
    "<ul><li>Model: HP M479</li><li>Since: Monday</li></ul><p>Thanks &amp; regards</p>"
)


async def test_html_becomes_plain_text_in_records_and_lists(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        created = await call_ok(
            client,
            "createTicket",
            {"subject": "Printer jams", "description": HTML_DESCRIPTION, "email": "html.writer@example.test"},
        )
        record = answer_text(await client.call_tool("fetchTicket", {"ticket_id": created["id"]}))
        listing = answer_text(
            await client.call_tool("fetchTickets", {"requester_id": created["requester_id"], "per_page": 5})
        )
    assert "The printer on Floor 2 jams on every job." in record
    assert "Model: HP M479" in record and "Thanks & regards" in record
    assert "<" not in record.split("description:", 1)[1].split("requester:", 1)[0]
    assert f"#{created['id']} Printer jams" in listing and "<p>" not in listing


async def test_lists_shorten_free_text_and_name_the_tool_that_gives_the_whole(
    seeded_server: SeededServer,
) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        listing = await client.call_tool("fetchTickets", {"per_page": 30})
        first = (listing.structured_content or {})["tickets"][0]
    text = answer_text(listing)
    assert first["description"] not in text, "a list shows a preview, not the whole description"
    assert "…" in text and "Texts shortened; fetchTicket(ticket_id) gives one ticket in full." in text
    assert re.search(r'^Next: fetchTickets with cursor="[^"]+" and the same other arguments\.$', text, re.M)


async def test_a_preview_reads_past_a_run_of_blank_lines_and_says_it_is_cut(
    seeded_server: SeededServer,
) -> None:
    description = "Printer on floor 3 is jammed." + "\n" * 300 + "The scanner next to it fails too. " * 10
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        created = await call_ok(
            client,
            "createTicket",
            {"subject": "Jammed", "description": description, "email": "blank.lines@example.test"},
        )
        listing = answer_text(
            await client.call_tool("fetchTickets", {"requester_id": created["requester_id"], "per_page": 5})
        )
    preview = listing.split(f"#{created['id']} Jammed", 1)[1].split("\n")[1].strip()
    assert preview.startswith("Printer on floor 3 is jammed. The scanner next to it fails too.")
    assert preview.endswith("…") and len(preview) < len(" ".join(description.split()))
    assert "Texts shortened; fetchTicket(ticket_id) gives one ticket in full." in listing


async def test_fields_asks_for_fewer_or_more_in_the_text_only(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        fewer = await client.call_tool("fetchTickets", {"per_page": 5, "fields": ["subject"]})
        more = await client.call_tool("fetchTickets", {"per_page": 5, "fields": ["subject", "description"]})
        error = await call_error(client, "fetchTickets", {"fields": ["subject", "mood"]})
    check_answer("fetchTickets", fewer)
    first = (more.structured_content or {})["tickets"][0]
    assert "priority=" not in answer_text(fewer) and first["subject"] in answer_text(fewer)
    assert " ".join(first["description"].split()) in answer_text(more)
    assert fewer.structured_content == more.structured_content, "fields changes the text, never the data"
    assert "mood" in error and "choose from id, subject, description" in error


async def test_an_oversized_record_is_cut_and_says_how_to_get_the_rest(seeded_server: SeededServer) -> None:
    paragraph = "Restart the dock, then reseat the USB-C cable and check the firmware version. " * 20
    body = "\n\n".join(f"Step {n}. {paragraph}" for n in range(1, 80))  # ~125,000 characters
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        folder = (await call_ok(client, "fetchSolutionFolders", {"category_id": 1}))["folders"][0]
        article = await call_ok(
            client, "createSolutionArticle", {"folder_id": folder["id"], "title": "Dock guide", "body": body}
        )
        result = await client.call_tool("fetchSolutionArticle", {"article_id": article["id"]})
    check_answer("fetchSolutionArticle", result)
    text = answer_text(result)
    assert tokens(text) <= 8_000 < tokens(old_rendering(result.structured_content or {}))
    assert "[Truncated:" in text and "the structured result has the whole" in text
    assert (result.structured_content or {})["body"] == body


async def test_every_list_takes_fields_and_a_list_of_ids_reads_as_a_list(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        tools = (await client.list_tools()).tools
        pages = sorted(
            tool.name for tool in tools if "next_page" in (tool.output_schema or {}).get("properties", {})
        )
        without = [
            tool.name
            for tool in tools
            if tool.name in pages and "fields" not in tool.input_schema["properties"]
        ]
        workspaces = await client.call_tool("fetchWorkspaces", {"fields": ["name"]})
        categories = await client.call_tool("fetchSolutionCategories", {"fields": ["name"]})
        category_id = (categories.structured_content or {})["categories"][0]["id"]
        folders = await client.call_tool(
            "fetchSolutionFolders", {"category_id": category_id, "fields": ["name"]}
        )
        error = await call_error(client, "fetchWorkspaces", {"fields": ["mood"]})
        agents = await client.call_tool("fetchAgents", {"per_page": 100, "fields": ["workspace_ids"]})
    assert len(pages) >= 13 and without == []
    for name, listing, key in (
        ("fetchWorkspaces", workspaces, "workspaces"),
        ("fetchSolutionCategories", categories, "categories"),
        ("fetchSolutionFolders", folders, "folders"),
    ):
        check_answer(name, listing)
        first = (listing.structured_content or {})[key][0]
        assert f"#{first['id']} {first['name']}" in answer_text(listing)
    assert "unknown field(s) mood; choose from name, description" in error
    several = next(a for a in (agents.structured_content or {})["agents"] if len(a["workspace_ids"]) > 1)
    shown = ", ".join(str(number) for number in several["workspace_ids"])
    name = f"{several['first_name']} {several['last_name']}"
    assert f"#{several['id']} {name} | workspace_ids={shown}\n" in answer_text(agents)
    assert "[" not in answer_text(agents)


def test_the_next_step_follows_the_envelope_and_an_inexact_total_says_so() -> None:
    ticket = TicketPublic.model_validate(
        {
            **dict.fromkeys(["agent_id", "group_id", "due_by", "catalog_item_id", "offboarding_request_id"]),
            "id": 7,
            "subject": "Dock",
            "description": "",
            "status": "open",
            "priority": "low",
            "source": "email",
            "type": "incident",
            "requester_id": 1,
            "workspace_id": 1,
            "tags": [],
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )
    envelope = {"page": 2, "per_page": 1, "total": 1000, "tickets": [ticket]}
    by_cursor = TicketsPublic(**envelope, total_is_exact=False, next_page=3, next_cursor="abc123")
    text = render_page(by_cursor, tool="fetchTickets")
    assert text.startswith("Tickets 2-2 of more than 1000:\n#7 Dock | open low incident")
    assert 'Next: fetchTickets with cursor="abc123" and the same other arguments.' in text
    by_page = TicketsPublic(**envelope, next_page=3)
    assert "Next: fetchTickets with page=3 and the same" in render_page(by_page, tool="fetchTickets")
    last = TicketsPublic(**{**envelope, "page": 1000}, next_page=None)
    assert "\nLast page.\n" in render_page(last, tool="fetchTickets")
    empty = TicketsPublic(page=1, per_page=30, total=0, next_page=None, tickets=[])
    assert render_page(empty, tool="fetchTickets").startswith("No tickets match.")


def test_the_contract_check_refuses_the_old_rendering() -> None:
    structured = {"page": 1, "per_page": 30, "total": 1, "next_page": None, "workspaces": []}
    old = CallToolResult(
        content=[TextContent(type="text", text=old_rendering(structured))], structured_content=structured
    )
    with pytest.raises(AssertionError, match="JSON"):
        check_answer("fetchWorkspaces", old)
