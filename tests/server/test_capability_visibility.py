"""Resources, prompts and completions on narrowed URLs: offered only where the tools behind them
are, so a narrowed connection cannot read around its narrowing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import PromptReference, ResourceTemplateReference

from seed.demo import IT_WORKSPACE_ID
from tests.server.conftest import SeededServer
from tests.utils.capability_checks import ERAS, invalid_params, ticket_ids


@asynccontextmanager
async def narrowed(server: SeededServer, path: str, mode: str) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {server.agent_key}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(server.url + path, http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


@ERAS
async def test_a_solutions_only_url_offers_articles_and_no_ticket_reads(
    seeded_server: SeededServer, mode: str
) -> None:
    ticket_id = ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID)[0]
    async with narrowed(seeded_server, "/mcp/x/solutions/readonly", mode) as client:
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert templates == {"helpdesk://articles/{article_id}"}
        assert (await client.list_prompts()).prompts == []
        message = await invalid_params(client.read_resource(f"helpdesk://tickets/{ticket_id}"))
        assert "fetchTicket" in message
        await invalid_params(client.get_prompt("triage-ticket", {"ticket_id": str(ticket_id)}))
        ticket_template = ResourceTemplateReference(type="ref/resource", uri="helpdesk://tickets/{ticket_id}")
        await invalid_params(client.complete(ticket_template, {"name": "ticket_id", "value": ""}))
        article_template = ResourceTemplateReference(
            type="ref/resource", uri="helpdesk://articles/{article_id}"
        )
        assert (
            await client.complete(article_template, {"name": "article_id", "value": ""})
        ).completion.values


@pytest.mark.parametrize(
    ("path", "prompts"),
    [
        ("/mcp/x/tickets/readonly", set()),
        ("/mcp/readonly", {"summarise-queue"}),
        (
            "/mcp/x/tickets,people,solutions",
            {"triage-ticket", "answer-ticket-from-kb", "draft-kb-article", "summarise-queue"},
        ),
    ],
)
async def test_prompts_are_offered_where_every_tool_they_name_is(
    seeded_server: SeededServer, path: str, prompts: set[str]
) -> None:
    async with narrowed(seeded_server, path, "legacy") as client:
        assert {p.name for p in (await client.list_prompts()).prompts} == prompts
        if "summarise-queue" in prompts:
            ref = PromptReference(type="ref/prompt", name="summarise-queue")
            assert (await client.complete(ref, {"name": "status", "value": "o"})).completion.values == [
                "open"
            ]
