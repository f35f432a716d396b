"""The committed snapshot of the prompts and resource templates models and users see.

Regenerate with ``HELPDESK_UPDATE_SNAPSHOT=1 pytest tests/server/test_capability_surface.py`` and
review the diff, as for the tool surface.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from server.tools.registry import all_tool_specs, build_mcp_server

SNAPSHOT = Path(__file__).parent / "capability_surface.json"


async def _surface() -> dict[str, list[dict[str, Any]]]:
    server, _ = build_mcp_server(all_tool_specs(), version="snapshot")
    prompts = await server.list_prompts()
    templates = await server.list_resource_templates()
    return {
        "prompts": [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in prompts],
        "resourceTemplates": [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in templates],
    }


async def test_prompts_and_templates_match_the_committed_snapshot() -> None:
    surface = await _surface()
    if os.environ.get("HELPDESK_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(surface, indent=2, sort_keys=True) + "\n")
    assert surface == json.loads(SNAPSHOT.read_text()), "regenerate the snapshot and review the diff"
