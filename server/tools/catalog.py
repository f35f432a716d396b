"""Service catalog tools."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from domain.catalog import service
from domain.catalog.models import (
    CatalogItemDetail,
    CatalogItemRequest,
    CatalogItemsPublic,
    ServiceRequestPublic,
)
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import MAX_INT, Cursor, Page, PerPage, SearchTerm, ShownFields

TOOLS = Toolset("catalog")

ItemId = Annotated[int, Field(ge=1, le=MAX_INT, description="The catalog item's id.")]


@tool(TOOLS, name="placeRequestServiceCatalogItem", title="Request a catalog item", writes=True)
def place_request_service_catalog_item(
    item_id: ItemId,
    requested_for: Annotated[
        str | None, Field(max_length=254, description="Email of the person the item is for.")
    ] = None,
    requester_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Id of the person (instead of email).")
    ] = None,
    quantity: Annotated[int, Field(ge=1, le=100, description="How many (default 1).")] = 1,
    custom_fields: Annotated[
        dict[str, Any] | None,
        Field(
            description="Values for the item's custom fields, keyed by name (see fetchServiceCatalogItem)."
        ),
    ] = None,
) -> ServiceRequestPublic:
    """Order a service catalog item (a laptop, a headset, access to an app)
    for someone, given by email (requested_for) or requester_id; creates a service-request ticket.
    Fill the item's required fields: see fetchServiceCatalogItem."""
    request_in = CatalogItemRequest(
        item_id=item_id,
        requested_for=requested_for,
        requester_id=requester_id,
        quantity=quantity,
        custom_fields=custom_fields or {},
    )
    with unit_of_work() as uow:
        return service.request_catalog_item(session=uow.session, caller=uow.caller, request_in=request_in)


@tool(TOOLS, name="fetchServiceCatalogItemSearch", title="Search the service catalog")
def fetch_service_catalog_item_search(
    search_term: SearchTerm,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> CatalogItemsPublic:
    """Search the service catalog for an item by words (e.g. 'laptop',
    'software licence'), best match first. To browse every item, use fetchServiceCatalogItems."""
    with unit_of_work() as uow:
        return service.search_catalog_items(
            session=uow.session,
            caller=uow.caller,
            search_term=search_term,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchServiceCatalogItem", title="Get a catalog item")
def fetch_service_catalog_item(item_id: ItemId) -> CatalogItemDetail:
    """Get one catalog item by item_id: full description, price, delivery time and
    the fields to fill in when ordering it with placeRequestServiceCatalogItem."""
    with unit_of_work() as uow:
        return service.get_catalog_item(session=uow.session, caller=uow.caller, item_id=item_id)


@tool(TOOLS, name="fetchServiceCatalogItems", title="List catalog items")
def fetch_service_catalog_items(
    category_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Only items of this catalog category.")
    ] = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> CatalogItemsPublic:
    """List all the items of the service catalog (what people can request),
    optionally of one category. To find an item by words, use fetchServiceCatalogItemSearch."""
    with unit_of_work() as uow:
        return service.list_catalog_items(
            session=uow.session,
            caller=uow.caller,
            category_id=category_id,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
