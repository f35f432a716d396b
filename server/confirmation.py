"""Confirmation before destructive actions: the user, not only the model, says yes.

Which calls ask (``DESTRUCTIVE``, documented in the README):

- ``updateTicket`` with ``status: closed`` (closing a ticket),
- ``updateAsset`` with ``state: retired`` (retiring an asset),
- ``createOffboardingRequest`` (offboarding a person: access revoked, equipment collected, final pay).

There are no tools that delete records. When the client can be asked, the server states what will
happen and acts only on an explicit yes (a ``confirm`` box ticked and accepted); a decline, a
cancel or an unticked box changes nothing and the call answers with an ``isError`` result saying
so. How it asks depends on the protocol era:

- 2026-07-28: the call answers ``InputRequiredResult`` with one ``elicitation/create`` input
  request and a ``requestState`` the SDK seals (``server.request_state_keys``: the same key on
  every worker, bound to this tool, these arguments and this caller); the client retries with the
  answer, and any worker can finish the call.
- 2025-11-25 and earlier: a server-to-client ``elicitation/create`` request in the middle of the
  call. That needs a channel back to the client, which exists on the legacy SSE transport
  (``/sse``); ``/mcp`` is stateless, so such a request has none and the call proceeds as before.

A client that did not declare the elicitation capability is never asked: the call proceeds as it
always did. A call whose record the caller cannot see, or whose arguments are wrong, is not asked
about either: the tool answers it with its usual error.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from mcp.server.context import CallNext, ServerRequestContext
from mcp.shared.exceptions import NoBackChannelError
from mcp_types import (
    CallToolResult,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequiredResult,
    TextContent,
)
from mcp_types.version import is_version_at_least
from pydantic import ValidationError
from sqlmodel import Session

from domain.assets import service as assets
from domain.caller import Caller
from domain.errors import DomainError
from domain.fulfilment import find_requester
from domain.onboarding.service import OFFBOARDING_TASKS
from domain.tickets import service as tickets
from server.context import unit_of_work

logger = logging.getLogger(__name__)

INPUT_REQUIRED_SINCE = "2026-07-28"
INPUT_KEY = "confirm"
STATE = "confirm-destructive-v1"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        INPUT_KEY: {
            "type": "boolean",
            "title": "Yes, do it",
            "description": "Tick to confirm; anything else cancels and changes nothing.",
            "default": False,
        }
    },
    "required": [INPUT_KEY],
}


@dataclass(frozen=True, slots=True)
class Destructive:
    """A tool call that must be confirmed: when it applies, and the sentence stating what happens."""

    tool: str
    applies: Callable[[Mapping[str, Any]], bool]
    describe: Callable[[Session, Caller, Mapping[str, Any]], str]


def _close_ticket(session: Session, caller: Caller, arguments: Mapping[str, Any]) -> str:
    ticket = tickets.get_ticket(session=session, caller=caller, ticket_id=int(arguments["ticket_id"]))
    return (
        f'Close ticket {ticket.id} "{ticket.subject}" (requested by {ticket.requester.email}, now '
        f"{ticket.status}). A closed ticket leaves every queue and its requester is told it is done."
    )


def _retire_asset(session: Session, caller: Caller, arguments: Mapping[str, Any]) -> str:
    asset = assets.get_asset(session=session, caller=caller, display_id=int(arguments["display_id"]))
    return (
        f'Retire asset {asset.display_id} "{asset.name}" (now {asset.state}). A retired asset is '
        "out of service for good: it can no longer be assigned or deployed."
    )


def _offboard(session: Session, caller: Caller, arguments: Mapping[str, Any]) -> str:
    person = find_requester(session, requester_id=arguments.get("requester_id"), email=arguments.get("email"))
    name = f"{person.first_name} {person.last_name}".strip() or person.email
    day = arguments.get("last_working_day")
    tasks = "; ".join(task.subject.format(name=name, day=day) for task in OFFBOARDING_TASKS)
    return (
        f"Offboard {name} ({person.email}) with {day} as their last working day. This opens "
        f"{len(OFFBOARDING_TASKS)} tickets for the teams that act on it: {tasks}."
    )


DESTRUCTIVE: dict[str, Destructive] = {
    rule.tool: rule
    for rule in (
        Destructive("updateTicket", lambda arguments: arguments.get("status") == "closed", _close_ticket),
        Destructive("updateAsset", lambda arguments: arguments.get("state") == "retired", _retire_asset),
        Destructive("createOffboardingRequest", lambda arguments: True, _offboard),
    )
}


async def _what_will_happen(rule: Destructive, arguments: Mapping[str, Any]) -> str | None:
    return await anyio.to_thread.run_sync(functools.partial(_describe, rule, arguments))


def _describe(rule: Destructive, arguments: Mapping[str, Any]) -> str | None:
    """The sentence to confirm, or None when the tool should answer the call itself."""
    try:
        with unit_of_work() as uow:
            return rule.describe(uow.session, uow.caller, arguments)
    except (DomainError, KeyError, TypeError, ValueError):
        return None


def _confirmed(answer: Any) -> bool:
    try:
        result = ElicitResult.model_validate(answer)
    except ValidationError:
        return False
    return result.action == "accept" and (result.content or {}).get(INPUT_KEY) is True


def _message(what: str) -> str:
    return f"{what}\n\nConfirm to go ahead; otherwise nothing is changed."


def _not_done(what: str) -> CallToolResult:
    text = f"Not done: the user did not confirm, so nothing was changed. The action was: {what}"
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _can_ask(ctx: ServerRequestContext[Any, Any]) -> bool:
    capabilities = ctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare `elicitation: {}` (from before modes existed) means form support; url-only does not.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


class ConfirmationMiddleware:
    """Asks the user before a destructive tool call runs (see the module docstring)."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        params = ctx.params or {}
        rule = DESTRUCTIVE.get(params.get("name", "")) if ctx.method == "tools/call" else None
        arguments = params.get("arguments")
        if rule is None or not isinstance(arguments, Mapping) or not rule.applies(arguments):
            return await call_next(ctx)
        if not _can_ask(ctx):
            return await call_next(ctx)
        if is_version_at_least(ctx.protocol_version, INPUT_REQUIRED_SINCE):
            return await self._round_trip(ctx, call_next, rule, params, arguments)
        what = await _what_will_happen(rule, arguments)
        if what is None:
            return await call_next(ctx)
        try:
            answer = await ctx.session.elicit_form(_message(what), SCHEMA, related_request_id=ctx.request_id)
        except NoBackChannelError:
            return await call_next(ctx)  # stateless /mcp in the 2025 era: nobody to ask
        return await call_next(ctx) if _confirmed(answer) else _not_done(what)

    async def _round_trip(
        self,
        ctx: ServerRequestContext[Any, Any],
        call_next: CallNext,
        rule: Destructive,
        params: Mapping[str, Any],
        arguments: Mapping[str, Any],
    ) -> Any:
        """2026-07-28: ask with an ``InputRequiredResult``; act on the retry that carries a yes."""
        answer = None
        if params.get("requestState") == STATE:  # the boundary verified the seal: our own question
            responses = params.get("inputResponses")
            answer = responses.get(INPUT_KEY) if isinstance(responses, Mapping) else None
        if answer is not None and _confirmed(answer):
            return await call_next(ctx)
        what = await _what_will_happen(rule, arguments)
        if what is None:
            return await call_next(ctx)
        if answer is not None:
            return _not_done(what)
        question = ElicitRequestFormParams(message=_message(what), requested_schema=SCHEMA)
        return InputRequiredResult(
            input_requests={INPUT_KEY: ElicitRequest(params=question)}, request_state=STATE
        )
