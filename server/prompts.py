"""MCP prompts: the service desk's everyday workflows, each naming the tools it expects a model to use.

A prompt that is about a ticket embeds the ticket (read through the same service and visibility
rule as fetchTicket, as the ``helpdesk://tickets/{id}`` resource), so the model starts from the
record rather than from a guess. Arguments arrive as strings; a value the caller cannot use (an
unknown or invisible ticket, a status outside its enum) is a JSON-RPC -32602 with one sentence
saying what to send, as is an unknown prompt name or a missing argument (``PromptCheckMiddleware``:
the SDK would answer those with code 0, or -32603 and a traceback under 2026-07-28).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.context import CallNext, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Message, Prompt, UserMessage
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, EmbeddedResource, TextResourceContents
from pydantic import Field, ValidationError

from domain.errors import DomainError
from domain.solutions import service as solutions
from domain.tickets.models import TicketPriority, TicketStatus
from server.context import unit_of_work
from server.resources import ARTICLES, JSON, TICKETS, RecordKind, load_record
from server.tools.arguments import nul_path

logger = logging.getLogger(__name__)

TicketId = Annotated[
    str, Field(description="The ticket's id, e.g. 1042 (completion offers the ones you can see).")
]


def _invalid(message: str) -> MCPError:
    return MCPError(code=INVALID_PARAMS, message=message)


def _embedded(kind: RecordKind, value: str) -> tuple[EmbeddedResource, dict[str, Any]]:
    """The record as an embedded resource, and its fields for the instructions."""
    try:
        record = load_record(kind, value.strip())
    except DomainError as exc:
        raise _invalid(str(exc)) from None
    text = record.model_dump_json()
    block = EmbeddedResource(
        type="resource", resource=TextResourceContents(uri=kind.uri(value.strip()), mime_type=JSON, text=text)
    )
    return block, record.model_dump(mode="json")


def _steps(*lines: str) -> str:
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))


def triage_ticket(ticket_id: TicketId) -> list[Message]:
    block, ticket = _embedded(TICKETS, ticket_id)
    return [
        UserMessage(block),
        UserMessage(
            f'Triage ticket {ticket["id"]} ("{ticket["subject"]}"), shown above.\n'
            + _steps(
                "Decide whether it is an incident (something broke) or a service_request (someone wants "
                "something), and its priority (low, medium, high, urgent) from how many people it stops "
                "and how soon; say why in one sentence each.",
                "Search the knowledge base with fetchSolutionArticleSearch using the ticket's key terms; "
                "note any article that already answers it.",
                "Find who should own it: fetchAgents in the ticket's workspace (its workspace_id).",
                "Apply your decision with updateTicket (type, priority, agent_id or group_id, a few tags). "
                "Do not resolve or close the ticket.",
                "Record your reasoning and any article found as a private note with createTicketNote.",
            )
        ),
    ]


def answer_ticket_from_kb(
    ticket_id: TicketId,
    article_title: Annotated[
        str | None,
        Field(
            description="Optional: the title of an article you know answers it (completion offers titles)."
        ),
    ] = None,
) -> list[Message]:
    block, ticket = _embedded(TICKETS, ticket_id)
    messages: list[Message] = [UserMessage(block)]
    if article_title:
        article_id = _article_titled(article_title)
        messages.append(UserMessage(_embedded(ARTICLES, str(article_id))[0]))
    search = (
        "Start from the article above; check with fetchSolutionArticleSearch that no better one exists."
        if article_title
        else "Search the knowledge base with fetchSolutionArticleSearch using the ticket's key terms, "
        "and read the best one or two matches with fetchSolutionArticle."
    )
    messages.append(
        UserMessage(
            f'Answer ticket {ticket["id"]} ("{ticket["subject"]}") from the knowledge base.\n'
            + _steps(
                search,
                "Write a reply the requester can follow: a greeting, the steps in plain words, and what to "
                "do if they do not work. Name the article you used. Only published articles may be quoted.",
                "Post it as a public note with createTicketNote (private: false).",
                "Set the ticket to pending with updateTicket while the requester tries it.",
                "If nothing in the knowledge base fits, post no reply: add a private note saying what you "
                "searched for, so someone can write the missing article.",
            )
        )
    )
    return messages


def draft_kb_article(ticket_id: TicketId) -> list[Message]:
    block, ticket = _embedded(TICKETS, ticket_id)
    unresolved = (
        ""
        if ticket["status"] in (TicketStatus.resolved, TicketStatus.closed)
        else f"Note: the ticket is still {ticket['status']}; draft only if its notes show a working fix.\n"
    )
    return [
        UserMessage(block),
        UserMessage(
            f'Draft a knowledge-base article from ticket {ticket["id"]} ("{ticket["subject"]}").\n'
            + unresolved
            + _steps(
                "Work out the problem, its cause and the fix from the description and the notes.",
                "Check with fetchSolutionArticleSearch that no article covers it already; if one does, "
                "propose the change with updateSolutionArticle instead of writing a new one.",
                "Pick the folder: fetchSolutionCategories, then fetchSolutionFolders of the right category.",
                "Create it with createSolutionArticle as a draft (status: draft): a title that states "
                "the problem as users describe it, then Symptoms, Cause and Resolution (numbered steps).",
                "Leave out names, email addresses and anything else personal from the ticket.",
            )
        ),
    ]


def summarise_queue(
    status: Annotated[
        str, Field(description="Which tickets: open, pending, resolved or closed (default open).")
    ] = "open",
    priority: Annotated[
        str | None, Field(description="Optional: only this priority (low, medium, high, urgent).")
    ] = None,
    workspace_id: Annotated[str | None, Field(description="Optional: only this workspace's id.")] = None,
) -> list[Message]:
    filters = {"status": _choice("status", status, TicketStatus)}
    if priority:
        filters["priority"] = _choice("priority", priority, TicketPriority)
    if workspace_id:
        if not workspace_id.strip().isdigit():
            raise _invalid(f"workspace_id must be a workspace's id (a number), not {workspace_id!r}.")
        filters["workspace_id"] = workspace_id.strip()
    described = ", ".join(f"{name} {value}" for name, value in filters.items())
    return [
        UserMessage(
            f"Summarise the ticket queue ({described}) for a service-desk lead.\n"
            + _steps(
                f"List the tickets with fetchTickets ({described}, per_page 100) and follow next_page until "
                "it is null, so that no ticket is missed.",
                "Count them by priority and by assignee (fetchAgents gives the names); count the unassigned.",
                "Name the oldest five and any past their due_by, with id and subject.",
                "Group the subjects into a few themes, and say which theme a knowledge-base article "
                "(fetchSolutionArticleSearch) could deflect.",
                "End with three concrete actions for today. Change nothing: this is a read-only summary.",
            )
        )
    ]


def prepare_onboarding(
    new_hire_name: Annotated[str, Field(description="The new employee's full name.")],
    start_date: Annotated[
        str | None, Field(description="Optional: their first day, e.g. 2026-09-01.")
    ] = None,
    manager_email: Annotated[
        str | None,
        Field(description="Optional: the hiring manager's email (a requester; completion offers them)."),
    ] = None,
    catalog_item: Annotated[
        str | None,
        Field(
            description="Optional: a catalog item they need on day one, e.g. a laptop (completion offers it)."
        ),
    ] = None,
) -> list[Message]:
    name = new_hire_name.strip()
    if not name or len(name) > 200:
        raise _invalid("new_hire_name must be the new employee's name (1 to 200 characters).")
    known = [
        f"start date {start_date}" if start_date else "",
        f"manager {manager_email}" if manager_email else "",
    ]
    facts = "; ".join(fact for fact in known if fact) or "no start date or manager given yet"
    equipment = (
        f'Find "{catalog_item}" with fetchServiceCatalogItemSearch, read its custom fields with '
        "fetchServiceCatalogItem, and request it for them with placeRequestServiceCatalogItem."
        if catalog_item
        else "Ask which equipment they need, then find it with fetchServiceCatalogItemSearch and request it "
        "with placeRequestServiceCatalogItem."
    )
    return [
        UserMessage(
            f"Prepare the onboarding of {name} ({facts}).\n"
            + _steps(
                "Read the onboarding form with fetchOnboardingRequestForm; ask for every required field "
                "you cannot fill from what is given. Do not invent values.",
                "Create the request with createOnboardingRequest, raised by the manager's email.",
                equipment,
                "Check with fetchAssets (state in_stock) whether a suitable device is already available, "
                "and say so in your summary.",
                "Finish with what was created (request and ticket ids) and what is still missing.",
            )
        )
    ]


def _choice(field: str, value: str, allowed: Iterable[Any]) -> str:
    options = [str(option) for option in allowed]
    cleaned = value.strip().lower()
    if cleaned not in options:
        raise _invalid(f"{field} must be one of {', '.join(options)}, not {value!r}.")
    return cleaned


def _article_titled(title: str) -> int:
    """The id of the visible article whose title is ``title`` (ignoring case)."""
    wanted = " ".join(title.split()).lower()
    try:
        with unit_of_work() as uow:
            found = solutions.search_solution_articles(
                session=uow.session, caller=uow.caller, search_term=title, per_page=20
            )
    except DomainError as exc:
        raise _invalid(str(exc)) from None
    for article in found.articles:
        if " ".join(article.title.split()).lower() == wanted:
            return article.id
    raise _invalid(
        f"No knowledge-base article titled {title!r} is visible to you; pick a title completion offers."
    )


@dataclass(frozen=True, slots=True)
class PromptSpec:
    fn: Callable[..., list[Message]]
    name: str
    title: str
    description: str
    tools: tuple[str, ...]


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        triage_ticket,
        "triage-ticket",
        "Triage a ticket",
        "Classify a new ticket (type, priority), look for a known fix and route it to the right owner.",
        ("fetchTicket", "fetchSolutionArticleSearch", "fetchAgents", "updateTicket", "createTicketNote"),
    ),
    PromptSpec(
        answer_ticket_from_kb,
        "answer-ticket-from-kb",
        "Answer a ticket from the knowledge base",
        "Find the knowledge-base article that answers a ticket and reply to the requester with its steps.",
        (
            "fetchTicket",
            "fetchSolutionArticleSearch",
            "fetchSolutionArticle",
            "createTicketNote",
            "updateTicket",
        ),
    ),
    PromptSpec(
        draft_kb_article,
        "draft-kb-article",
        "Draft a knowledge-base article from a ticket",
        "Turn a resolved ticket's fix into a draft knowledge-base article (or an update of an existing one).",
        (
            "fetchTicket",
            "fetchSolutionArticleSearch",
            "fetchSolutionCategories",
            "fetchSolutionFolders",
            "createSolutionArticle",
            "updateSolutionArticle",
        ),
    ),
    PromptSpec(
        summarise_queue,
        "summarise-queue",
        "Summarise a ticket queue",
        "A read-only summary of a queue for a service-desk lead: counts, oldest, overdue, themes, actions.",
        ("fetchTickets", "fetchAgents", "fetchSolutionArticleSearch"),
    ),
    PromptSpec(
        prepare_onboarding,
        "prepare-onboarding",
        "Prepare an onboarding",
        "Raise the onboarding request for a new hire and order their day-one equipment from the catalog.",
        (
            "fetchOnboardingRequestForm",
            "createOnboardingRequest",
            "fetchServiceCatalogItemSearch",
            "fetchServiceCatalogItem",
            "placeRequestServiceCatalogItem",
            "fetchAssets",
        ),
    ),
)


def build_prompts() -> list[Prompt]:
    prompts = []
    for spec in PROMPTS:
        description = f"{spec.description} Uses the tools: {', '.join(spec.tools)}."
        prompts.append(
            Prompt.from_function(spec.fn, name=spec.name, title=spec.title, description=description)
        )
    return prompts


def register_prompts(server: MCPServer[Any], prompts: Iterable[Prompt]) -> None:
    for prompt in prompts:
        server.add_prompt(prompt)


class PromptCheckMiddleware:
    """Answers ``prompts/get`` for an unknown prompt or argument, or a missing one, with -32602 itself."""

    def __init__(self, prompts: Iterable[Prompt]) -> None:
        self._arguments = {prompt.name: list(prompt.arguments or ()) for prompt in prompts}

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method != "prompts/get":
            return await call_next(ctx)
        params = ctx.params or {}
        name = params.get("name")
        if not isinstance(name, str) or name not in self._arguments:
            raise _invalid(f"Unknown prompt {name!r}. The prompts are: {', '.join(self._arguments)}.")
        arguments = params.get("arguments")
        given = arguments if isinstance(arguments, dict) else {}
        names = [argument.name for argument in self._arguments[name]]
        unknown = [key for key in given if key not in names]
        if unknown:
            raise _invalid(
                f"The prompt {name} has no argument {unknown[0]!r}; its arguments are: {', '.join(names)}."
            )
        nul = nul_path(given)
        if nul is not None:
            raise _invalid(f"The argument {nul} of the prompt {name} must not contain the NUL character.")
        missing = [
            argument.name
            for argument in self._arguments[name]
            if argument.required and not given.get(argument.name)
        ]
        if missing:
            raise _invalid(f"The prompt {name} needs the argument {', '.join(missing)}.")
        try:
            return await call_next(ctx)
        except ValidationError:
            raise  # malformed params: the SDK answers -32602
        except ValueError as exc:
            # The SDK wraps whatever a prompt function raised in a ValueError.
            if isinstance(exc.__cause__, ValidationError):
                raise _invalid(f"The arguments of the prompt {name} must be strings.") from None
            logger.exception("prompt %s could not be built", name)
            raise MCPError(code=INTERNAL_ERROR, message=f"The prompt {name} could not be built.") from exc
