"""Confirmation before destructive tool calls, through the SDK client over HTTP: accepted, declined,
and a client without the elicitation capability, in the 2026-07-28 round trip (also with the retry
landing on another worker) and over legacy SSE."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ElicitRequestParams, ElicitResult, InputRequiredResult

from server.app import create_app
from server.settings import load_settings
from tests.server.conftest import SeededServer
from tests.utils.live import free_port, live_server
from tests.utils.mcp_calls import call_ok


class User:
    """The person behind the client: answers every confirmation with ``answer``, remembers the questions."""

    def __init__(self, answer: str = "accept", *, ticked: bool = True) -> None:
        self.answer, self.ticked = answer, ticked
        self.questions: list[str] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.questions.append(params.message)
        if self.answer != "accept":
            return ElicitResult(action=self.answer)  # type: ignore[arg-type]
        return ElicitResult(action="accept", content={"confirm": self.ticked})


@asynccontextmanager
async def connect(
    url: str, key: str, *, mode: str, user: User | None, transport: httpx2.AsyncBaseTransport | None = None
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30, transport=transport) as http,
        Client(
            streamable_http_client(f"{url}/mcp", http_client=http),  # type: ignore[arg-type]
            mode=mode,
            elicitation_callback=user,
        ) as client,
    ):
        yield client


async def _open_ticket(client: Client) -> dict[str, Any]:
    return await call_ok(
        client,
        "createTicket",
        {
            "subject": "Old laptop to recycle",
            "description": "Please take it away.",
            "email": "c.d@example.test",
        },
    )


async def _status(client: Client, ticket_id: int) -> str:
    return str((await call_ok(client, "fetchTicket", {"ticket_id": ticket_id}))["status"])


@pytest.mark.parametrize("ticked", [True, False])
async def test_closing_a_ticket_asks_first_and_acts_only_on_a_ticked_yes(
    seeded_server: SeededServer, ticked: bool
) -> None:
    user = User("accept", ticked=ticked)
    async with connect(seeded_server.url, seeded_server.agent_key, mode="2026-07-28", user=user) as client:
        ticket = await _open_ticket(client)
        result = await client.call_tool("updateTicket", {"ticket_id": ticket["id"], "status": "closed"})
        assert len(user.questions) == 1
        assert f"Close ticket {ticket['id']}" in user.questions[0] and ticket["subject"] in user.questions[0]
        assert result.is_error is not ticked
        assert await _status(client, ticket["id"]) == ("closed" if ticked else "open")


@pytest.mark.parametrize("answer", ["decline", "cancel"])
async def test_a_declined_confirmation_changes_nothing(seeded_server: SeededServer, answer: str) -> None:
    user = User(answer)
    async with connect(seeded_server.url, seeded_server.agent_key, mode="2026-07-28", user=user) as client:
        ticket = await _open_ticket(client)
        result = await client.call_tool("updateTicket", {"ticket_id": ticket["id"], "status": "closed"})
        text = " ".join(getattr(block, "text", "") for block in result.content)
        assert result.is_error and "nothing was changed" in text and f"Close ticket {ticket['id']}" in text
        assert await _status(client, ticket["id"]) == "open"


async def test_offboarding_and_retiring_ask_and_other_changes_do_not(seeded_server: SeededServer) -> None:
    user = User("decline")
    async with connect(seeded_server.url, seeded_server.admin_key, mode="2026-07-28", user=user) as client:
        before = (await call_ok(client, "fetchOffboardingRequests", {}))["total"]
        # A requester no other test offboards: the seeded database is shared by the whole session.
        email = (await call_ok(client, "fetchRequesters", {"per_page": 1, "page": 17}))["requesters"][0][
            "email"
        ]
        offboarding = {"email": email, "last_working_day": "2026-12-31"}
        assert (await client.call_tool("createOffboardingRequest", offboarding)).is_error
        assert "Offboard" in user.questions[-1] and email in user.questions[-1]
        assert (await call_ok(client, "fetchOffboardingRequests", {}))["total"] == before
        asset = (await call_ok(client, "fetchAssets", {"state": "in_use", "per_page": 1}))["assets"][0]
        assert (
            await client.call_tool("updateAsset", {"display_id": asset["display_id"], "state": "retired"})
        ).is_error
        assert f"Retire asset {asset['display_id']}" in user.questions[-1]
        assert (await call_ok(client, "fetchAsset", {"display_id": asset["display_id"]}))["state"] == "in_use"
        asked = len(user.questions)
        ticket = await _open_ticket(client)
        await call_ok(client, "updateTicket", {"ticket_id": ticket["id"], "status": "pending"})
        await call_ok(client, "updateAsset", {"display_id": asset["display_id"], "state": "in_repair"})
        assert len(user.questions) == asked


async def test_a_record_out_of_reach_gets_the_tools_own_error_without_a_question(
    seeded_server: SeededServer,
) -> None:
    user = User("accept")
    async with connect(seeded_server.url, seeded_server.agent_key, mode="2026-07-28", user=user) as client:
        result = await client.call_tool("updateTicket", {"ticket_id": 999_999_999, "status": "closed"})
    assert result.is_error and user.questions == []


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_client_without_the_capability_proceeds_as_before(
    seeded_server: SeededServer, mode: str
) -> None:
    async with connect(seeded_server.url, seeded_server.agent_key, mode=mode, user=None) as client:
        ticket = await _open_ticket(client)
        await call_ok(client, "updateTicket", {"ticket_id": ticket["id"], "status": "closed"})
        assert await _status(client, ticket["id"]) == "closed"


async def test_a_2025_client_on_stateless_mcp_cannot_be_asked_and_proceeds(
    seeded_server: SeededServer,
) -> None:
    user = User("decline")
    async with connect(seeded_server.url, seeded_server.agent_key, mode="legacy", user=user) as client:
        ticket = await _open_ticket(client)
        await call_ok(client, "updateTicket", {"ticket_id": ticket["id"], "status": "closed"})
    assert user.questions == []


@pytest.mark.parametrize("answer", ["accept", "decline"])
async def test_legacy_sse_clients_are_asked_mid_call(seeded_server: SeededServer, answer: str) -> None:
    user = User(answer)
    headers = {"Authorization": f"Bearer {seeded_server.agent_key}"}
    transport = sse_client(f"{seeded_server.url}/sse", headers=headers)
    async with Client(transport, mode="legacy", elicitation_callback=user) as client:  # type: ignore[arg-type]
        ticket = await _open_ticket(client)
        result = await client.call_tool("updateTicket", {"ticket_id": ticket["id"], "status": "closed"})
        assert len(user.questions) == 1 and f"Close ticket {ticket['id']}" in user.questions[0]
        assert result.is_error is (answer == "decline")
        assert await _status(client, ticket["id"]) == ("closed" if answer == "accept" else "open")


class Alternating(httpx2.AsyncBaseTransport):
    """A load balancer in front of several workers: each request goes to the next one."""

    def __init__(self, ports: list[int]) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self._ports = itertools.cycle(ports)
        self.sent: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = next(self._ports)
        self.sent.append(port)
        request.url = request.url.copy_with(port=port)  # the Host header still names the public address
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_the_confirmed_retry_is_finished_by_another_worker(seeded_server: SeededServer) -> None:
    ports = [free_port(), free_port()]
    settings = load_settings(
        database_url=seeded_server.engine.url.render_as_string(hide_password=False),
        base_url=f"http://127.0.0.1:{ports[0]}",
    )
    # Two separately built apps, as two processes would be: nothing shared but the database.
    with (
        live_server(create_app(settings, engine=seeded_server.engine), ports[0]) as url,
        live_server(create_app(settings, engine=seeded_server.engine), ports[1]),
    ):
        async with connect(seeded_server.url, seeded_server.agent_key, mode="2026-07-28", user=None) as setup:
            ticket = await _open_ticket(setup)
        user, balancer = User("accept"), Alternating(ports)
        async with connect(
            url, seeded_server.agent_key, mode="2026-07-28", user=user, transport=balancer
        ) as client:
            sent_before = len(balancer.sent)
            result = await client.call_tool("updateTicket", {"ticket_id": ticket["id"], "status": "closed"})
            asked, retried = balancer.sent[sent_before : sent_before + 2]
            assert asked != retried, "the question and the retry went to the same worker"
            assert not result.is_error and len(user.questions) == 1
            assert await _status(client, ticket["id"]) == "closed"


async def test_a_yes_minted_for_one_user_does_not_work_for_another(seeded_server: SeededServer) -> None:
    async with connect(seeded_server.url, seeded_server.agent_key, mode="2026-07-28", user=User()) as agent:
        ticket = await _open_ticket(agent)
        arguments = {"ticket_id": ticket["id"], "status": "closed"}
        question = await agent.session.call_tool("updateTicket", arguments, allow_input_required=True)
        assert isinstance(question, InputRequiredResult) and question.request_state
    yes = {"confirm": ElicitResult(action="accept", content={"confirm": True})}
    async with connect(seeded_server.url, seeded_server.admin_key, mode="2026-07-28", user=User()) as admin:
        with pytest.raises(MCPError) as refused:
            await admin.session.call_tool(
                "updateTicket", arguments, input_responses=yes, request_state=question.request_state
            )
        assert refused.value.code == INVALID_PARAMS
        assert await _status(admin, ticket["id"]) == "open"
