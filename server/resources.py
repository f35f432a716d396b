"""MCP resources: tickets, assets, knowledge-base articles and catalog items under ``helpdesk://``.

Each template reads one record through the same domain service (and so the same visibility rule)
as the tool that fetches it, inside the caller context the ``/mcp`` edge set; the content is the
tool's structured answer as JSON. A record that does not exist or lives in a workspace the caller
cannot see is the same JSON-RPC error, -32602, as a URI no template matches.

Resource reads do not count against the tool-call quotas: the product's rule (PRODUCT.md) is that
only ``tools/call`` counts, and a read is one bounded record behind the same authentication.

Write tools that create or change one of these records also link to it: their result gains a
``resource_link`` block (``ResourceLinkMiddleware``), so a client can attach or re-read the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.context import CallNext, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp_types import ResourceLink
from pydantic import BaseModel

from domain.assets import service as assets
from domain.catalog import service as catalog
from domain.errors import NotFound
from domain.solutions import service as solutions
from domain.tickets import service as tickets
from domain.types import MAX_INT
from server.context import unit_of_work

SCHEME = "helpdesk"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class RecordKind:
    """One kind of record a URI names: its template, its key and how to read one."""

    path: str  # helpdesk://<path>/{<key>}
    key: str
    tool: str  # the tool that reads the same record: the resource is offered where that tool is
    noun: str
    title: str
    description: str
    read: Callable[..., BaseModel]

    @property
    def uri_template(self) -> str:
        return f"{SCHEME}://{self.path}/{{{self.key}}}"

    def uri(self, value: object) -> str:
        return f"{SCHEME}://{self.path}/{value}"


TICKETS = RecordKind(
    path="tickets",
    key="ticket_id",
    tool="fetchTicket",
    noun="ticket",
    title="Ticket",
    description="One ticket with its notes, requester and agent (what fetchTicket returns), as JSON.",
    read=lambda session, caller, value: tickets.get_ticket(session=session, caller=caller, ticket_id=value),
)
ASSETS = RecordKind(
    path="assets",
    key="display_id",
    tool="fetchAsset",
    noun="asset",
    title="Asset",
    description="One asset by its display id (what fetchAsset returns), as JSON.",
    read=lambda session, caller, value: assets.get_asset(session=session, caller=caller, display_id=value),
)
ARTICLES = RecordKind(
    path="articles",
    key="article_id",
    tool="fetchSolutionArticle",
    noun="solution article",
    title="Knowledge-base article",
    description="One solution article with its body (what fetchSolutionArticle returns), as JSON.",
    read=lambda session, caller, value: solutions.get_solution_article(
        session=session, caller=caller, article_id=value
    ),
)
CATALOG_ITEMS = RecordKind(
    path="catalog-items",
    key="item_id",
    tool="fetchServiceCatalogItem",
    noun="catalog item",
    title="Service catalog item",
    description="One catalog item with its custom fields (what fetchServiceCatalogItem returns), as JSON.",
    read=lambda session, caller, value: catalog.get_catalog_item(
        session=session, caller=caller, item_id=value
    ),
)
RECORD_KINDS: tuple[RecordKind, ...] = (TICKETS, ASSETS, ARTICLES, CATALOG_ITEMS)


def load_record(kind: RecordKind, value: str) -> BaseModel:
    """The record ``kind`` names by ``value``, as the caller may see it; NotFound otherwise."""
    record_id = int(value) if value.isdigit() and len(value) <= 18 else 0
    if not 1 <= record_id <= MAX_INT:
        raise NotFound(kind.noun, kind.key, value)
    with unit_of_work() as uow:
        return kind.read(uow.session, uow.caller, record_id)


def read_record(kind: RecordKind, value: str) -> str:
    try:
        record = load_record(kind, value)
    except NotFound as exc:
        raise ResourceNotFoundError(str(exc)) from None
    return record.model_dump_json()


# The SDK matches a template's variables with its function's parameters by name.
def read_ticket(ticket_id: str) -> str:
    return read_record(TICKETS, ticket_id)


def read_asset(display_id: str) -> str:
    return read_record(ASSETS, display_id)


def read_article(article_id: str) -> str:
    return read_record(ARTICLES, article_id)


def read_catalog_item(item_id: str) -> str:
    return read_record(CATALOG_ITEMS, item_id)


_READERS: tuple[tuple[RecordKind, Callable[[str], str]], ...] = (
    (TICKETS, read_ticket),
    (ASSETS, read_asset),
    (ARTICLES, read_article),
    (CATALOG_ITEMS, read_catalog_item),
)


def register_resources(server: MCPServer[Any]) -> None:
    for kind, reader in _READERS:
        server.resource(
            kind.uri_template, name=kind.path, title=kind.title, description=kind.description, mime_type=JSON
        )(reader)


# Tools whose answer is one record of a kind above: (kind, the key in structuredContent).
LINKED_TOOLS: dict[str, tuple[RecordKind, str]] = {
    "createTicket": (TICKETS, "id"),
    "updateTicket": (TICKETS, "id"),
    "placeRequestServiceCatalogItem": (TICKETS, "id"),
    "createAsset": (ASSETS, "display_id"),
    "updateAsset": (ASSETS, "display_id"),
    "createSolutionArticle": (ARTICLES, "id"),
    "updateSolutionArticle": (ARTICLES, "id"),
}


# resource_link content blocks exist from this protocol version on (ISO dates compare as strings).
_LINKS_SINCE = "2025-06-18"


def kind_of(uri: str) -> RecordKind | None:
    """The kind of record a ``helpdesk://`` URI or URI template names."""
    for kind in RECORD_KINDS:
        if uri == kind.uri_template or uri.startswith(f"{SCHEME}://{kind.path}/"):
            return kind
    return None


def resource_link(kind: RecordKind, value: object) -> dict[str, Any]:
    """A ``resource_link`` content block, in wire form."""
    link = ResourceLink(
        type="resource_link", uri=kind.uri(value), name=f"{kind.noun} {value}", title=kind.title
    )
    return {**link.model_dump(mode="json", by_alias=True, exclude_none=True), "mimeType": JSON}


class ResourceLinkMiddleware:
    """Adds a ``resource_link`` to the result of a write tool that created or changed a record.

    Middleware sees results in wire form (the SDK serialises before the middleware chain unwinds).
    """

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        result = await call_next(ctx)
        if ctx.method != "tools/call" or not isinstance(result, dict):
            return result
        name = ctx.params.get("name") if ctx.params is not None else None
        return with_resource_link(name, result, ctx.protocol_version)


def with_resource_link(name: object, result: dict[str, Any], protocol_version: str) -> dict[str, Any]:
    """``result`` (wire form) with a ``resource_link`` to the record a write tool created or changed."""
    linked = LINKED_TOOLS.get(name) if isinstance(name, str) else None
    if linked is None or result.get("isError") or protocol_version < _LINKS_SINCE:
        return result
    content, structured = result.get("content"), result.get("structuredContent")
    if not isinstance(content, list) or not isinstance(structured, dict):
        return result
    kind, key = linked
    value = structured.get(key)
    if not isinstance(value, int):
        return result
    return {**result, "content": [*content, resource_link(kind, value)]}
