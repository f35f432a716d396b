"""The service catalog: browsing and searching items, and requesting one for someone, which opens
a service-request ticket carrying the item's custom field values."""

from __future__ import annotations

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.caller import Caller, ensure_visible, scope_to_caller
from domain.catalog.models import (
    CatalogCategory,
    CatalogCustomField,
    CatalogItem,
    CatalogItemDetail,
    CatalogItemPublic,
    CatalogItemRequest,
    CatalogItemsPublic,
    ServiceRequestPublic,
)
from domain.errors import InvalidField, NotFound
from domain.forms import FormField, validate_form
from domain.fulfilment import find_requester, open_ticket
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.search import CATALOG_INDEX, rank_by_relevance, search_words

MAX_QUANTITY = 1000


def list_catalog_items(
    *,
    session: Session,
    caller: Caller,
    category_id: int | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> CatalogItemsPublic:
    """The active items the caller can see, optionally of one category, by id."""
    statement = _active_items(caller)
    if category_id is not None:
        category = session.get(CatalogCategory, category_id)
        if category is None:
            raise NotFound("catalog category", "category_id", category_id)
        ensure_visible(caller, category.workspace_id, "catalog category", "category_id", category_id)
        statement = statement.where(CatalogItem.category_id == category_id)
    rows, info = paginate(
        session, statement, key=col(CatalogItem.id), page=page, per_page=per_page, cursor=cursor
    )
    return CatalogItemsPublic(
        items=[CatalogItemPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def search_catalog_items(
    *,
    session: Session,
    caller: Caller,
    search_term: str,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> CatalogItemsPublic:
    """Active items matching ``search_term`` by name and descriptions, best match first."""
    statement = rank_by_relevance(
        _active_items(caller),
        session=session,
        index=CATALOG_INDEX,
        id_column=CatalogItem.id,
        words=search_words(search_term),
    )
    rows, info = paginate(session, statement, key=None, page=page, per_page=per_page, cursor=cursor)
    return CatalogItemsPublic(
        items=[CatalogItemPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def get_catalog_item(*, session: Session, caller: Caller, item_id: int) -> CatalogItemDetail:
    """One item with its description and the custom fields a request for it must fill in."""
    item = _visible_item(session, caller, item_id)
    # Read through FormField so that fields stored without optional keys come out complete.
    fields = [FormField.from_mapping(spec) for spec in item.custom_fields]
    custom_fields = [
        CatalogCustomField(
            name=f.name, label=f.label, field_type=f.field_type, required=f.required, choices=list(f.choices)
        )
        for f in fields
    ]
    return CatalogItemDetail.model_validate({**item.model_dump(), "custom_fields": custom_fields})


def request_catalog_item(
    *, session: Session, caller: Caller, request_in: CatalogItemRequest
) -> ServiceRequestPublic:
    """Request an item for a requester: a service-request ticket in the item's workspace."""
    item = _visible_item(session, caller, request_in.item_id)
    if not item.active:
        raise InvalidField(
            "item_id", f"item {item.id} ({item.name}) is retired and can no longer be requested."
        )
    if not 1 <= request_in.quantity <= MAX_QUANTITY:
        raise InvalidField("quantity", f"must be between 1 and {MAX_QUANTITY}, got {request_in.quantity}.")
    form = [FormField.from_mapping(spec) for spec in item.custom_fields]
    values = validate_form(form, request_in.custom_fields, field="custom_fields")
    person = find_requester(
        session,
        requester_id=request_in.requester_id,
        email=request_in.requested_for,
        email_field="requested_for",
    )
    assert person.id is not None and item.id is not None  # rows read from the database have ids
    labels = {form_field.name: form_field.label for form_field in form}
    details = "".join(f"\n- {labels[name]}: {value}" for name, value in values.items())
    full_name = f"{person.first_name} {person.last_name}".strip()
    summary = f"{item.name} requested for {full_name} <{person.email}>. Quantity: {request_in.quantity}."
    ticket = open_ticket(
        session,
        subject=f"Request for {item.name}",
        description=summary + (f"\n{details}" if details else ""),
        requester_id=person.id,
        workspace_id=item.workspace_id,
        catalog_item_id=item.id,
        catalog_fields=values,
    )
    return ServiceRequestPublic.model_validate(ticket)


def _active_items(caller: Caller) -> SelectOfScalar[CatalogItem]:
    return scope_to_caller(
        select(CatalogItem).where(col(CatalogItem.active)), CatalogItem.workspace_id, caller
    )


def _visible_item(session: Session, caller: Caller, item_id: int) -> CatalogItem:
    item = session.get(CatalogItem, item_id)
    if item is None:
        raise NotFound("catalog item", "item_id", item_id)
    ensure_visible(caller, item.workspace_id, "catalog item", "item_id", item_id)
    return item
