"""Completions through the SDK client over HTTP: values the caller can see, bounded, and -32602
for an unknown prompt, template or argument, in both protocol eras."""

from __future__ import annotations

import pytest
from mcp_types import PromptReference, ResourceTemplateReference
from sqlmodel import Session, col, select

from domain.people.models import Requester
from domain.solutions.models import SolutionArticle
from seed.demo import IT_WORKSPACE_ID
from tests.server.conftest import SeededServer
from tests.utils.capability_checks import ERAS, assert_no_errors_logged, invalid_params, ticket_ids
from tests.utils.live import mcp_client

TRIAGE = PromptReference(type="ref/prompt", name="triage-ticket")
TICKET_TEMPLATE = ResourceTemplateReference(type="ref/resource", uri="helpdesk://tickets/{ticket_id}")


@ERAS
async def test_ticket_ids_are_the_visible_ones_bounded(seeded_server: SeededServer, mode: str) -> None:
    visible = {str(i) for i in ticket_ids(seeded_server.engine, workspace_id=IT_WORKSPACE_ID)}
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        everything = (await client.complete(TRIAGE, {"name": "ticket_id", "value": ""})).completion
        prefix = sorted(visible)[0][:1]
        narrowed = (await client.complete(TICKET_TEMPLATE, {"name": "ticket_id", "value": prefix})).completion
    assert everything.total == len(visible) > 100
    assert len(everything.values) == 100 and everything.has_more
    assert set(everything.values) <= visible
    assert narrowed.values and all(v.startswith(prefix) and v in visible for v in narrowed.values)
    assert narrowed.total == len([v for v in visible if v.startswith(prefix)])


async def test_an_agent_is_offered_only_its_workspaces_articles(seeded_server: SeededServer) -> None:
    with Session(seeded_server.engine) as session:
        rows = session.exec(select(col(SolutionArticle.title), col(SolutionArticle.workspace_id))).all()
    visible = {title for title, workspace in rows if workspace == IT_WORKSPACE_ID}
    foreign_only = {title for title, _ in rows} - visible
    assert foreign_only, "the seed should have articles outside IT"
    ref = PromptReference(type="ref/prompt", name="answer-ticket-from-kb")
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key) as agent:
        offered = (await agent.complete(ref, {"name": "article_title", "value": ""})).completion
    assert offered.values and set(offered.values) <= visible
    assert offered.total == len(visible)


async def test_emails_items_and_enums_complete_from_what_is_typed(seeded_server: SeededServer) -> None:
    with Session(seeded_server.engine) as session:
        email = session.exec(select(col(Requester.email)).where(col(Requester.active))).first()
    assert email is not None
    onboarding = PromptReference(type="ref/prompt", name="prepare-onboarding")
    queue = PromptReference(type="ref/prompt", name="summarise-queue")
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        emails = (
            await client.complete(onboarding, {"name": "manager_email", "value": email[:4].upper()})
        ).completion
        assert email in emails.values and all(email[:4].lower() in v.lower() for v in emails.values)
        items = (await client.complete(onboarding, {"name": "catalog_item", "value": "dell"})).completion
        assert items.values and all("dell" in v.lower() for v in items.values)
        assert items.values[0].lower().startswith("dell")
        status = (await client.complete(queue, {"name": "status", "value": "p"})).completion
        assert status.values == ["pending"]
        names = (await client.complete(onboarding, {"name": "new_hire_name", "value": "A"})).completion
        assert names.values == []
        odd = (await client.complete(TRIAGE, {"name": "ticket_id", "value": "1%_' OR 1=1"})).completion
        assert odd.values == [] and odd.total == 0
        # No stored text holds a NUL (PostgreSQL's cannot): nothing matches, on every database.
        for argument in ("manager_email", "catalog_item"):
            nul = (await client.complete(onboarding, {"name": argument, "value": "a\x00"})).completion
            assert nul.values == [] and nul.total == 0


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # auto: server/discover, the 2026-07-28 way
async def test_initialize_and_discover_advertise_what_is_real(seeded_server: SeededServer, mode: str) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        capabilities = client.server_capabilities
        assert capabilities.completions is not None
        assert capabilities.prompts is not None and (await client.list_prompts()).prompts
        assert (
            capabilities.resources is not None and (await client.list_resource_templates()).resource_templates
        )
        assert (client.protocol_version == "2026-07-28") == (mode == "auto")
        # Nothing publishes changes, so no era may promise change notifications or subscriptions.
        assert not capabilities.resources.subscribe and not capabilities.resources.list_changed
        assert not capabilities.prompts.list_changed
        assert capabilities.tools is not None and not capabilities.tools.list_changed


@ERAS
async def test_unknown_references_and_arguments_are_invalid_params(
    seeded_server: SeededServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.agent_key, mode=mode) as client:
        unknown_prompt = PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
        await invalid_params(client.complete(unknown_prompt, {"name": "arg1", "value": ""}))
        unknown_template = ResourceTemplateReference(type="ref/resource", uri="test://template/{id}/data")
        await invalid_params(client.complete(unknown_template, {"name": "id", "value": ""}))
        await invalid_params(client.complete(TRIAGE, {"name": "display_id", "value": ""}))
    assert_no_errors_logged(caplog)
