"""MCP completions (``completion/complete``) for the arguments of prompts and resource templates.

Each argument name has one completer: ticket, asset, article, catalog item and workspace ids the
caller can see, requester emails, catalog item names, article titles, and the closed sets of ticket
status and priority. Answers hold at most 100 values (with the total and ``hasMore``) and go through
the same visibility rule as the tools (``domain.suggestions``). An unknown prompt, template or
argument is a JSON-RPC -32602; an argument with nothing to suggest (a new hire's name) completes to
an empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)
from sqlmodel import Session

from domain import suggestions
from domain.caller import Caller
from domain.suggestions import MAX_SUGGESTIONS, Suggestions
from domain.tickets.models import TicketPriority, TicketStatus
from server.context import unit_of_work
from server.resources import RECORD_KINDS

Completer = Callable[..., Suggestions]


def _choices(options: Iterable[Any]) -> Completer:
    values = [str(option) for option in options]

    def complete(*, session: Session, caller: Caller, typed: str) -> Suggestions:
        found = [value for value in values if value.startswith(typed.strip().lower())]
        return Suggestions(values=found[:MAX_SUGGESTIONS], total=len(found))

    return complete


COMPLETERS: dict[str, Completer] = {
    "ticket_id": suggestions.ticket_ids,
    "display_id": suggestions.asset_display_ids,
    "article_id": suggestions.article_ids,
    "item_id": suggestions.catalog_item_ids,
    "workspace_id": suggestions.workspace_ids,
    "manager_email": suggestions.requester_emails,
    "catalog_item": suggestions.catalog_item_names,
    "article_title": suggestions.article_titles,
    "status": _choices(TicketStatus),
    "priority": _choices(TicketPriority),
}


def _suggest(completer: Completer, typed: str) -> Suggestions:
    with unit_of_work() as uow:
        return completer(session=uow.session, caller=uow.caller, typed=typed)


class Completions:
    """Knows which arguments each prompt and resource template has, and completes them."""

    def __init__(self, prompts: Iterable[Prompt]) -> None:
        self._prompt_arguments = {prompt.name: {a.name for a in prompt.arguments or ()} for prompt in prompts}
        self._template_arguments = {kind.uri_template: {kind.key} for kind in RECORD_KINDS}

    def _arguments_of(self, ref: PromptReference | ResourceTemplateReference) -> set[str]:
        if isinstance(ref, PromptReference):
            known = self._prompt_arguments.get(ref.name)
            if known is None:
                raise MCPError(
                    code=INVALID_PARAMS, message=f"Unknown prompt {ref.name!r}: nothing to complete."
                )
            return known
        known = self._template_arguments.get(ref.uri)
        if known is None:
            templates = ", ".join(self._template_arguments)
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"Unknown resource template {ref.uri!r}; the templates are: {templates}.",
            )
        return known

    async def complete(
        self,
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        if argument.name not in self._arguments_of(ref):
            raise MCPError(
                code=INVALID_PARAMS, message=f"{argument.name!r} is not an argument of {_label(ref)}."
            )
        completer = COMPLETERS.get(argument.name)
        if completer is None or "\x00" in argument.value:  # no stored text holds a NUL: nothing matches
            return Completion(values=[], total=0, has_more=False)
        found = await anyio.to_thread.run_sync(_suggest, completer, argument.value)
        return Completion(values=found.values, total=found.total, has_more=found.has_more)


def _label(ref: PromptReference | ResourceTemplateReference) -> str:
    return f"the prompt {ref.name}" if isinstance(ref, PromptReference) else f"the template {ref.uri}"


def register_completions(server: MCPServer[Any], prompts: Iterable[Prompt]) -> None:
    # The SDK's completion() decorator carries no annotations.
    server.completion()(Completions(prompts).complete)  # type: ignore[no-untyped-call]
