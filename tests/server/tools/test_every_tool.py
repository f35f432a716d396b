"""Every one of the 34 tools called with valid arguments, and every list walked to its end,
through the SDK client over HTTP on the seed dataset."""

from __future__ import annotations

from typing import Any

from mcp import Client

from seed.demo import ADMIN_AGENT_ID, IT_WORKSPACE_ID
from server.tools.registry import all_tool_specs
from tests.server.conftest import SeededServer
from tests.utils.live import mcp_client
from tests.utils.mcp_calls import call_error, call_ok, walk


class Recorder:
    """Calls tools and remembers which ones were called successfully."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.called: set[str] = set()

    async def __call__(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        content = await call_ok(self.client, name, arguments)
        self.called.add(name)
        return content


async def _people_and_workspaces(call: Recorder) -> dict[str, Any]:
    workspaces = await call("fetchWorkspaces")
    assert {w["id"] for w in workspaces["workspaces"]} >= {IT_WORKSPACE_ID}
    agents = await call("fetchAgents", {"role": "agent", "per_page": 5})
    agent = await call("fetchAgent", {"agent_id": agents["agents"][0]["id"]})
    assert agent["role"] == "agent"
    requesters = await call("fetchRequesters", {"per_page": 5})
    requester = await call("fetchRequester", {"requester_id": requesters["requesters"][0]["id"]})
    return {"requester": requester}


async def _tickets(call: Recorder, requester: dict[str, Any]) -> None:
    listing = await call("fetchTickets", {"per_page": 2})
    await call("fetchTicket", {"ticket_id": listing["tickets"][0]["id"]})
    created = await call("createTicket", {"subject": "Monitor flickers", "requester_id": requester["id"]})
    await call("updateTicket", {"ticket_id": created["id"], "status": "pending", "agent_id": ADMIN_AGENT_ID})
    await call(
        "createTicketNote", {"ticket_id": created["id"], "body": "Replaced the cable.", "private": False}
    )


async def _assets(call: Recorder, requester: dict[str, Any]) -> None:
    assets = await call("fetchAssets", {"state": "in_use", "per_page": 2})
    await call("fetchAsset", {"display_id": assets["assets"][0]["display_id"]})
    created = await call(
        "createAsset", {"name": "Dell U2723QE", "asset_type": "monitor", "serial_number": "CN0X1"}
    )
    updated = await call(
        "updateAsset",
        {"display_id": created["display_id"], "state": "in_use", "assigned_requester_id": requester["id"]},
    )
    assert updated["assigned_requester_id"] == requester["id"]


async def _onboarding(call: Recorder, requester: dict[str, Any]) -> None:
    form = await call("fetchOnboardingRequestForm")
    values = {field["name"]: _valid_value(field) for field in form["fields"]}
    created = await call("createOnboardingRequest", {"fields": values, "requester_id": requester["id"]})
    await call("fetchOnboardingRequest", {"request_id": created["id"]})
    offboarding = await call(
        "createOffboardingRequest",
        {"requester_id": requester["id"], "last_working_day": "2026-12-18", "reason": "Relocating"},
    )
    assert offboarding["tickets"], "offboarding must open child tickets"
    await call("fetchOffboardingRequests", {"status": "open"})
    tickets = await call("fetchOffboardingRequestTickets", {"request_id": offboarding["id"]})
    assert tickets["total"] >= 1


def _valid_value(field: dict[str, Any]) -> Any:
    kind = field["field_type"]
    if field["choices"]:
        return field["choices"][0]
    return {
        "email": "ada.lovelace@example.test",
        "number": 1,
        "date": "2026-09-01",
        "checkbox": True,
    }.get(kind, "Ada Lovelace")


async def _catalog(call: Recorder, requester: dict[str, Any]) -> None:
    items = await call("fetchServiceCatalogItems", {"per_page": 50})
    found = await call("fetchServiceCatalogItemSearch", {"search_term": "laptop"})
    assert found["items"], "the seed catalog should offer a laptop"
    item = await call("fetchServiceCatalogItem", {"item_id": items["items"][0]["id"]})
    values = {field["name"]: _valid_value(field) for field in item["custom_fields"]}
    ticket = await call(
        "placeRequestServiceCatalogItem",
        {"item_id": item["id"], "requested_for": requester["email"], "custom_fields": values},
    )
    assert ticket["type"] == "service_request" and ticket["catalog_item_id"] == item["id"]


async def _solutions(call: Recorder) -> None:
    categories = await call("fetchSolutionCategories")
    category = await call("fetchSolutionCategory", {"category_id": categories["categories"][0]["id"]})
    folders = await call("fetchSolutionFolders", {"category_id": category["id"]})
    await call("fetchSolutionFolder", {"folder_id": folders["folders"][0]["id"]})
    articles = await call("fetchSolutionArticles", {"folder_id": folders["folders"][0]["id"]})
    await call("fetchSolutionArticle", {"article_id": articles["articles"][0]["id"]})
    folder = await call("createSolutionFolder", {"category_id": category["id"], "name": "Docking stations"})
    article = await call(
        "createSolutionArticle",
        {"folder_id": folder["id"], "title": "Dock does not charge", "body": "Use the 130 W power brick."},
    )
    await call("updateSolutionArticle", {"article_id": article["id"], "status": "published"})
    hits = await call("fetchSolutionArticleSearch", {"search_term": "dock charge"})
    assert hits["articles"][0]["id"] == article["id"]


async def test_every_tool_is_called_with_valid_arguments(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        call = Recorder(client)
        found = await _people_and_workspaces(call)
        await _tickets(call, found["requester"])
        await _assets(call, found["requester"])
        await _onboarding(call, found["requester"])
        await _catalog(call, found["requester"])
        await _solutions(call)
    assert call.called == {spec.name for spec in all_tool_specs()}


async def test_every_list_walks_to_its_end_without_gaps_or_repeats(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        category = (await call_ok(client, "fetchSolutionCategories"))["categories"][0]["id"]
        folder = (await call_ok(client, "fetchSolutionFolders", {"category_id": category}))["folders"][0][
            "id"
        ]
        offboarding = (await call_ok(client, "fetchOffboardingRequests"))["requests"][0]["id"]
        lists = [
            ("fetchTickets", "tickets", {}),
            ("fetchAssets", "assets", {}),
            ("fetchAgents", "agents", {}),
            ("fetchRequesters", "requesters", {}),
            ("fetchWorkspaces", "workspaces", {}),
            ("fetchOffboardingRequests", "requests", {}),
            ("fetchOffboardingRequestTickets", "tickets", {"request_id": offboarding}),
            ("fetchServiceCatalogItems", "items", {}),
            ("fetchServiceCatalogItemSearch", "items", {"search_term": "access"}),
            ("fetchSolutionCategories", "categories", {}),
            ("fetchSolutionFolders", "folders", {"category_id": category}),
            ("fetchSolutionArticles", "articles", {"folder_id": folder}),
            ("fetchSolutionArticleSearch", "articles", {"search_term": "password"}),
        ]
        for name, key, arguments in lists:
            for per_page in (7, 100):
                items = await walk(client, name, key, arguments, per_page=per_page)
                ids = [item["id"] for item in items]
                assert len(ids) == len(set(ids)), f"{name} repeated an item"
                if "search_term" not in arguments:
                    assert ids == sorted(ids), f"{name} is not in a stable id order"


async def test_ids_that_do_not_exist_are_named_in_the_error(seeded_server: SeededServer) -> None:
    missing = 999_999
    cases = {
        "fetchTicket": {"ticket_id": missing},
        "fetchAsset": {"display_id": missing},
        "fetchAgent": {"agent_id": missing},
        "fetchRequester": {"requester_id": missing},
        "fetchOnboardingRequest": {"request_id": missing},
        "fetchOffboardingRequestTickets": {"request_id": missing},
        "fetchServiceCatalogItem": {"item_id": missing},
        "fetchSolutionCategory": {"category_id": missing},
        "fetchSolutionFolder": {"folder_id": missing},
        "fetchSolutionArticle": {"article_id": missing},
        "fetchSolutionFolders": {"category_id": missing},
        "fetchSolutionArticles": {"folder_id": missing},
    }
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        for name, arguments in cases.items():
            message = await call_error(client, name, arguments)
            field = next(iter(arguments))
            assert str(missing) in message and field in message, (name, message)


async def test_form_validation_names_the_field_and_choices(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        form = await call_ok(client, "fetchOnboardingRequestForm")
        required = [field for field in form["fields"] if field["required"]]
        assert required, "the seed form should have required fields"
        message = await call_error(client, "createOnboardingRequest", {"fields": {}, "requester_id": 1})
        assert required[0]["name"] in message
        dropdown = next(field for field in form["fields"] if field["choices"])
        values = {field["name"]: _valid_value(field) for field in form["fields"]}
        values[dropdown["name"]] = "Not a choice"
        message = await call_error(client, "createOnboardingRequest", {"fields": values, "requester_id": 1})
        assert dropdown["name"] in message and dropdown["choices"][0] in message
