"""The committed snapshot of what models see: every tool's name, text, schemas and annotations.

A change to any description or schema fails this test until the snapshot is regenerated with
``HELPDESK_UPDATE_SNAPSHOT=1 pytest tests/server/test_tool_surface.py`` and the diff reviewed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from server.tools.base import TOOLSETS
from server.tools.registry import all_tool_specs, build_mcp_server
from tests.utils.tokens import tokens

SNAPSHOT = Path(__file__).parent / "tool_surface.json"
EXPECTED_TOOLS = 34


async def _surface() -> list[dict[str, Any]]:
    server, _ = build_mcp_server(all_tool_specs(), version="snapshot")
    tools = await server.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]


async def test_tool_surface_matches_the_committed_snapshot() -> None:
    surface = await _surface()
    if os.environ.get("HELPDESK_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(surface, indent=2, sort_keys=True) + "\n")
    committed = json.loads(SNAPSHOT.read_text())
    assert [tool["name"] for tool in surface] == [tool["name"] for tool in committed]
    for current, recorded in zip(surface, committed, strict=True):
        assert current == recorded, f"{current['name']} changed: regenerate the snapshot and review the diff"


async def test_every_tool_has_schemas_annotations_and_a_description() -> None:
    surface = await _surface()
    assert len(surface) == EXPECTED_TOOLS
    for tool in surface:
        assert tool["description"], tool["name"]
        assert tool["inputSchema"]["type"] == "object"
        assert tool["inputSchema"]["additionalProperties"] is False, tool["name"]
        assert tool["outputSchema"]["type"] == "object", tool["name"]
        annotations = tool["annotations"]
        assert annotations["title"]
        assert annotations["destructiveHint"] is False
        assert isinstance(annotations["readOnlyHint"], bool)
        assert isinstance(annotations["idempotentHint"], bool)


def test_every_toolset_has_tools_and_every_tool_one_toolset() -> None:
    by_toolset: dict[str, list[str]] = {name: [] for name in TOOLSETS}
    for spec in all_tool_specs():
        by_toolset[spec.toolset].append(spec.name)
    assert all(by_toolset.values()), by_toolset
    assert by_toolset["tickets"] == [
        "fetchTickets",
        "fetchTicket",
        "createTicket",
        "updateTicket",
        "createTicketNote",
    ]
    assert by_toolset["workspaces"] == ["fetchWorkspaces"]


TOOL_LIST_BUDGET = 9_000  # o200k tokens for what a model reads of all 34 tools


async def test_the_model_visible_tool_list_fits_its_token_budget() -> None:
    visible = [
        {key: tool[key] for key in ("name", "title", "description", "inputSchema") if key in tool}
        for tool in await _surface()
    ]
    size = tokens(json.dumps(visible, separators=(",", ":")))  # compact, as the server sends it
    print(f"\ntools/list, model-visible (names, titles, descriptions, inputSchemas): {size} o200k tokens")
    assert size <= TOOL_LIST_BUDGET
