"""Token budgets of the text answers on the demo dataset (o200k_base), against the old rendering
(the structured result again as indent=2 JSON), measured in the same run.
Run with ``-s`` to see the figures."""

from __future__ import annotations

import statistics
from typing import Any

from mcp import Client

from tests.server.conftest import SeededServer
from tests.server.test_search_relevance import EXPECTED_IN_TOP_3
from tests.utils.answers import answer_text, check_answer
from tests.utils.live import mcp_client
from tests.utils.tokens import old_rendering, tokens

PAGE_OF_30_TICKETS = 2_000
ONE_TICKET_MEDIAN = 350
ARTICLE_SEARCH_PAGE = 2_500
ANY_ANSWER = 8_000


class Meter:
    """Calls tools and keeps, per budget line, the new and the old size of every answer."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.sizes: dict[str, list[tuple[int, int]]] = {}

    async def __call__(self, label: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.call_tool(name, arguments)
        assert not result.is_error, answer_text(result)
        check_answer(name, result)
        assert result.structured_content is not None
        new, old = tokens(answer_text(result)), tokens(old_rendering(result.structured_content))
        self.sizes.setdefault(label, []).append((new, old))
        return dict(result.structured_content)

    def report(self) -> None:
        print("\nanswer tokens (o200k)           calls    new max  new median   old max  old median")
        for label, sizes in self.sizes.items():
            new, old = [n for n, _ in sizes], [o for _, o in sizes]
            print(
                f"{label:32} {len(sizes):5} {max(new):10} {statistics.median(new):11.0f}"
                f" {max(old):9} {statistics.median(old):11.0f}"
            )

    def new(self, label: str) -> list[int]:
        return [n for n, _ in self.sizes[label]]


async def test_answers_stay_within_their_token_budgets(seeded_server: SeededServer) -> None:
    async with mcp_client(seeded_server.url, key=seeded_server.admin_key) as client:
        meter = Meter(client)
        page: int | None = 1
        ticket_ids: list[int] = []
        while page is not None:
            listing = await meter("fetchTickets, 30 a page", "fetchTickets", {"page": page, "per_page": 30})
            ticket_ids += [ticket["id"] for ticket in listing["tickets"]]
            page = listing["next_page"]
        for ticket_id in ticket_ids:
            await meter("fetchTicket (with notes)", "fetchTicket", {"ticket_id": ticket_id})
        for query in EXPECTED_IN_TOP_3:
            await meter("fetchSolutionArticleSearch", "fetchSolutionArticleSearch", {"search_term": query})
        await _largest_answers(meter)
        meter.report()

    assert max(meter.new("fetchTickets, 30 a page")) <= PAGE_OF_30_TICKETS
    assert statistics.median(meter.new("fetchTicket (with notes)")) <= ONE_TICKET_MEDIAN
    assert max(meter.new("fetchSolutionArticleSearch")) <= ARTICLE_SEARCH_PAGE
    everything = [size for sizes in meter.sizes.values() for size, _ in sizes]
    assert max(everything) <= ANY_ANSWER


async def _largest_answers(meter: Meter) -> None:
    """Every list at 100 a page, and with every field asked for: the biggest answers there are."""
    label = "lists at per_page=100"
    for name, arguments in [
        ("fetchTickets", {}),
        ("fetchAssets", {}),
        ("fetchAgents", {}),
        ("fetchRequesters", {}),
        ("fetchServiceCatalogItems", {}),
        ("fetchSolutionArticleSearch", {"search_term": "access"}),  # not a stop word on PostgreSQL
    ]:
        listing = await meter(label, name, {**arguments, "per_page": 100})
        items = next(value for value in listing.values() if isinstance(value, list))
        assert items, f"{name} {arguments} found nothing to measure"
        every_field = list(items[0])
        await meter("same, with every field", name, {**arguments, "per_page": 100, "fields": every_field})
