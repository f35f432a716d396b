"""Prompts through the SDK client over HTTP: real workflows built on visible records, and -32602
(never 0 or -32603, never a traceback) for anything unknown or missing, in both protocol eras."""

from __future__ import annotations

import pytest
from mcp_types import EmbeddedResource, TextContent, TextResourceContents

from seed.demo import IT_WORKSPACE_ID
from tests.server.conftest import SeededServer
from tests.utils.capability_checks import ERAS, assert_no_errors_logged, invalid_params, ticket_ids
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_ok

PROMPTS = {
    "triage-ticket",
    "answer-ticket-from-kb",
    "draft-kb-article",
    "summarise-queue",
    "prepare-onboarding",
}


def _texts(result: object) -> str:
    return "\n".join(m.content.text for m in result.messages if isinstance(m.content, TextContent))  # type: ignore[attr-defined]


def _embedded_uris(result: object) -> list[str]:
    blocks = [m.content for m in result.messages if isinstance(m.content, EmbeddedResource)]  # type: ignore[attr-defined]
    assert all(isinstance(block.resource, TextResourceContents) for block in blocks)
    return [str(block.resource.uri) for block in blocks]


@ERAS
async def test_every_prompt_names_tools_that_exist(seeded_server: SeededServer, mode: str) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        prompts = (await client.list_prompts()).prompts
        tools = {tool.name for tool in (await client.list_tools()).tools}
    assert {prompt.name for prompt in prompts} == PROMPTS
    for prompt in prompts:
        assert prompt.title and prompt.description and prompt.arguments is not None
        named = prompt.description.split("Uses the tools: ", 1)[1].rstrip(".").split(", ")
        assert named and set(named) <= tools, prompt.name


@ERAS
async def test_triage_embeds_the_ticket_and_lists_the_steps(seeded_server: SeededServer, mode: str) -> None:
    ticket_id = ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID)[0]
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        ticket = await call_ok(client, "fetchTicket", {"ticket_id": ticket_id})
        result = await client.get_prompt("triage-ticket", {"ticket_id": str(ticket_id)})
    assert _embedded_uris(result) == [f"helpdesk://tickets/{ticket_id}"]
    text = _texts(result)
    assert ticket["subject"] in text and "updateTicket" in text and "createTicketNote" in text


async def test_answer_from_the_knowledge_base_embeds_the_named_article(seeded_server: SeededServer) -> None:
    ticket_id = ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID)[1]
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as client:
        article = (await call_ok(client, "fetchSolutionArticleSearch", {"search_term": "vpn"}))["articles"][0]
        result = await client.get_prompt(
            "answer-ticket-from-kb", {"ticket_id": str(ticket_id), "article_title": article["title"].upper()}
        )
        assert _embedded_uris(result) == [
            f"helpdesk://tickets/{ticket_id}",
            f"helpdesk://articles/{article['id']}",
        ]
        without = await client.get_prompt("answer-ticket-from-kb", {"ticket_id": str(ticket_id)})
        assert "fetchSolutionArticleSearch" in _texts(without)
        await invalid_params(
            client.get_prompt(
                "answer-ticket-from-kb", {"ticket_id": str(ticket_id), "article_title": "No such"}
            )
        )


async def test_queue_summary_and_onboarding_carry_their_arguments(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as client:
        queue = await client.get_prompt("summarise-queue", {"status": "Pending", "priority": "urgent"})
        assert "status pending, priority urgent" in _texts(queue)
        onboarding = await client.get_prompt(
            "prepare-onboarding", {"new_hire_name": "Ada Lovelace", "catalog_item": "Laptop"}
        )
        assert "Ada Lovelace" in _texts(onboarding) and '"Laptop"' in _texts(onboarding)
        draft = await client.get_prompt(
            "draft-kb-article", {"ticket_id": str(ticket_ids(seeded_server.engine)[0])}
        )
        assert "createSolutionArticle" in _texts(draft)


@ERAS
async def test_unknown_names_and_bad_arguments_are_invalid_params(
    seeded_server: SeededServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID, inside=False)[0]
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        assert "Unknown prompt" in await invalid_params(client.get_prompt("test_simple_prompt"))
        assert "needs the argument ticket_id" in await invalid_params(client.get_prompt("triage-ticket", {}))
        await invalid_params(client.get_prompt("triage-ticket", {"ticket_id": "1", "extra": "x"}))
        assert "No ticket" in await invalid_params(
            client.get_prompt("triage-ticket", {"ticket_id": str(foreign)})
        )
        await invalid_params(client.get_prompt("triage-ticket", {"ticket_id": "abc"}))
        assert "open, pending" in await invalid_params(
            client.get_prompt("summarise-queue", {"status": "lost"})
        )
        assert "article_title of the prompt answer-ticket-from-kb must not contain the NUL" in (
            await invalid_params(
                client.get_prompt("answer-ticket-from-kb", {"ticket_id": "1", "article_title": "VPN\x00"})
            )
        )
    assert_no_errors_logged(caplog)
