"""OAuth events are counted at ``GET /metrics``: registrations, grants (consent approved), code
exchanges, refreshes and revocations, each once per successful answer (issue 10 item 7)."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.auth.browser import Browser, client_auth, exchange_code, obtain_code, refresh, register_client
from tests.utils.auth_factories import Person

EVENTS = ("registration", "grant", "code_exchange", "refresh", "revocation")


async def _events(http: httpx.AsyncClient) -> dict[str, float]:
    scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    counts = dict.fromkeys(EVENTS, 0.0)
    for family in text_string_to_metric_families(scraped.text):
        for sample in family.samples:
            if sample.name == "helpdesk_oauth_events_total":
                counts[sample.labels["event"]] = float(sample.value)
    return counts


async def test_each_oauth_event_is_counted_once(
    http: httpx.AsyncClient, browser: Browser, agent: Person
) -> None:
    before = await _events(http)

    client = await register_client(http, token_endpoint_auth_method="client_secret_post")
    issued = await obtain_code(browser, client, agent)
    tokens = await exchange_code(http, client, issued)
    assert tokens.status_code == 200, tokens.text
    refreshed = await refresh(http, client, tokens.json()["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    fields, headers = client_auth(client)
    revoked = await http.post(
        "/revoke", data={"token": refreshed.json()["refresh_token"], **fields}, headers=headers
    )
    assert revoked.status_code == 200, revoked.text
    replayed = await exchange_code(http, client, issued)  # a used code: refused, not counted
    assert replayed.status_code == 400

    after = await _events(http)
    assert {event: after[event] - before[event] for event in EVENTS} == dict.fromkeys(EVENTS, 1.0)
