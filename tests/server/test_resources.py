"""Resources under helpdesk:// through the SDK client over HTTP: the same records and visibility
rule as the tools, -32602 for anything unknown or out of reach, links from write tools."""

from __future__ import annotations

import json

import httpx
import pytest
from mcp_types import ResourceLink, TextResourceContents

from seed.demo import IT_WORKSPACE_ID
from tests.server.conftest import SeededServer
from tests.utils.capability_checks import ERAS, assert_no_errors_logged, invalid_params, ticket_ids
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_ok

TEMPLATES = {
    "helpdesk://tickets/{ticket_id}",
    "helpdesk://assets/{display_id}",
    "helpdesk://articles/{article_id}",
    "helpdesk://catalog-items/{item_id}",
}


def _json(result: object) -> dict[str, object]:
    contents = result.contents  # type: ignore[attr-defined]
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents)
    assert contents[0].mime_type == "application/json"
    return dict(json.loads(contents[0].text))


@ERAS
async def test_the_four_templates_are_listed(seeded_server: SeededServer, mode: str) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        listing = await client.list_resource_templates()
    assert {template.uri_template for template in listing.resource_templates} == TEMPLATES
    assert all(template.description and template.mime_type for template in listing.resource_templates)


@ERAS
async def test_a_ticket_resource_is_what_fetch_ticket_returns(seeded_server: SeededServer, mode: str) -> None:
    ticket_id = ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID)[3]
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        fetched = await call_ok(client, "fetchTicket", {"ticket_id": ticket_id})
        read = _json(await client.read_resource(f"helpdesk://tickets/{ticket_id}"))
    assert read == fetched


async def test_assets_articles_and_catalog_items_read_like_their_tools(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as client:
        asset = (await call_ok(client, "fetchAssets", {"per_page": 1}))["assets"][0]
        item = (await call_ok(client, "fetchServiceCatalogItems", {"per_page": 1}))["items"][0]
        article = (await call_ok(client, "fetchSolutionArticleSearch", {"search_term": "password"}))[
            "articles"
        ][0]
        cases = [
            ("fetchAsset", {"display_id": asset["display_id"]}, f"helpdesk://assets/{asset['display_id']}"),
            ("fetchServiceCatalogItem", {"item_id": item["id"]}, f"helpdesk://catalog-items/{item['id']}"),
            ("fetchSolutionArticle", {"article_id": article["id"]}, f"helpdesk://articles/{article['id']}"),
        ]
        for tool, arguments, uri in cases:
            assert _json(await client.read_resource(uri)) == await call_ok(client, tool, arguments), uri


@ERAS
async def test_unknown_and_invisible_resources_are_invalid_params(
    seeded_server: SeededServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID, inside=False)[0]
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        message = await invalid_params(client.read_resource(f"helpdesk://tickets/{foreign}"))
        assert "No ticket with ticket_id" in message
        for uri in (
            "helpdesk://tickets/999999999",
            "helpdesk://tickets/99999999999",
            "helpdesk://tickets/abc",
            "helpdesk://tickets/0",
            "helpdesk://invoices/1",
            "test://static-text",
        ):
            await invalid_params(client.read_resource(uri))
    assert_no_errors_logged(caplog)


async def test_write_tools_link_to_the_record_they_changed(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as client:
        result = await client.call_tool(
            "createTicket",
            {
                "subject": "Monitor flickers",
                "description": "Second screen flickers.",
                "email": "a.b@example.test",
            },
        )
        assert not result.is_error and result.structured_content is not None
        links = [block for block in result.content if isinstance(block, ResourceLink)]
        ticket_id = result.structured_content["id"]
        assert [link.uri for link in links] == [f"helpdesk://tickets/{ticket_id}"]
        assert _json(await client.read_resource(links[0].uri))["subject"] == "Monitor flickers"
        read_only = await client.call_tool("fetchTicket", {"ticket_id": ticket_id})
        assert not any(isinstance(block, ResourceLink) for block in read_only.content)


async def test_reading_a_resource_needs_a_credential(seeded_server: SeededServer) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "helpdesk://tickets/1"}}
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{seeded_server.url}/mcp", json=body)
    assert response.status_code == 401 and "resource_metadata=" in response.headers["www-authenticate"]
