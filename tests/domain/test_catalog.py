"""The service catalog: browsing items and requesting one, which opens a service-request ticket."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from domain.catalog.models import CatalogItem, CatalogItemRequest
from domain.catalog.service import get_catalog_item, list_catalog_items, request_catalog_item
from domain.errors import InvalidField, NotFound
from domain.tickets.models import Ticket, TicketStatus, TicketType
from domain.workspaces.models import Workspace
from tests.utils.kb_factories import (
    kb_caller,
    kb_catalog_category,
    kb_catalog_item,
    kb_requester,
    kb_workspace,
)

LAPTOP_FIELDS: list[dict[str, Any]] = [
    {
        "name": "os",
        "label": "Operating system",
        "field_type": "dropdown",
        "required": True,
        "choices": ["Windows", "macOS"],
    },
    {"name": "justification", "label": "Business justification", "field_type": "paragraph", "required": True},
    {"name": "needed_by", "label": "Needed by", "field_type": "date", "required": False},
]


@pytest.fixture
def workspace(session: Session) -> Workspace:
    return kb_workspace(session)


@pytest.fixture
def laptop(session: Session, workspace: Workspace) -> CatalogItem:
    category = kb_catalog_category(session, workspace, "Hardware")
    return kb_catalog_item(
        session,
        category,
        "Standard laptop",
        short_description="14-inch business laptop",
        custom_fields=LAPTOP_FIELDS,
    )


def test_an_item_comes_with_its_custom_fields(
    session: Session, workspace: Workspace, laptop: CatalogItem
) -> None:
    assert laptop.id is not None
    item = get_catalog_item(session=session, caller=kb_caller(session, workspace), item_id=laptop.id)
    assert item.name == "Standard laptop" and item.active
    assert [(f.name, f.field_type, f.required, f.choices) for f in item.custom_fields] == [
        ("os", "dropdown", True, ["Windows", "macOS"]),
        ("justification", "paragraph", True, []),
        ("needed_by", "date", False, []),
    ]


def test_items_are_listed_by_id_optionally_by_category_without_retired_ones(
    session: Session, workspace: Workspace, laptop: CatalogItem
) -> None:
    software = kb_catalog_category(session, workspace, "Software")
    acrobat = kb_catalog_item(session, software, "Adobe Acrobat")
    kb_catalog_item(session, software, "Lotus Notes", active=False)
    caller = kb_caller(session, workspace)

    listed = list_catalog_items(session=session, caller=caller)
    assert [i.id for i in listed.items] == [laptop.id, acrobat.id] and listed.total == 2
    assert [
        i.id for i in list_catalog_items(session=session, caller=caller, category_id=software.id).items
    ] == [acrobat.id]
    foreign = kb_catalog_category(session, kb_workspace(session))
    with pytest.raises(NotFound):
        list_catalog_items(session=session, caller=caller, category_id=foreign.id)
    assert list_catalog_items(session=session, caller=kb_caller(session, kb_workspace(session))).total == 0


def test_requesting_an_item_opens_a_service_request_ticket(
    session: Session, workspace: Workspace, laptop: CatalogItem
) -> None:
    assert laptop.id is not None
    agent = kb_caller(session, workspace)
    person = kb_requester(session, first_name="Dana", last_name="Diaz", email="dana@example.test")
    ticket = request_catalog_item(
        session=session,
        caller=agent,
        request_in=CatalogItemRequest(
            item_id=laptop.id,
            requested_for="DANA@example.test",
            quantity=2,
            custom_fields={
                "os": "macos",
                "justification": "New starter in design.",
                "needed_by": "2025-04-01",
            },
        ),
    )
    assert ticket.subject == "Request for Standard laptop"
    assert (ticket.type, ticket.status) == (TicketType.service_request, TicketStatus.open)
    assert (ticket.requester_id, ticket.workspace_id, ticket.catalog_item_id) == (
        person.id,
        workspace.id,
        laptop.id,
    )
    assert ticket.catalog_fields == {
        "os": "macOS",
        "justification": "New starter in design.",
        "needed_by": "2025-04-01",
    }
    assert "Quantity: 2" in ticket.description and "Operating system: macOS" in ticket.description
    stored = session.get(Ticket, ticket.id)
    assert stored is not None and stored.catalog_fields == ticket.catalog_fields


@pytest.mark.parametrize(
    ("custom_fields", "field", "fragment"),
    [
        ({"justification": "Needed."}, "custom_fields.os", "required"),
        ({"os": "Linux", "justification": "Needed."}, "custom_fields.os", "Allowed values: Windows, macOS."),
        (
            {"os": "Windows", "justification": "Needed.", "colour": "red"},
            "custom_fields.colour",
            "os, justification",
        ),
        (
            {"os": "Windows", "justification": "Needed.", "needed_by": "soon"},
            "custom_fields.needed_by",
            "YYYY-MM-DD",
        ),
    ],
)
def test_a_request_is_checked_against_the_items_fields(
    session: Session,
    workspace: Workspace,
    laptop: CatalogItem,
    custom_fields: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    assert laptop.id is not None
    request_in = CatalogItemRequest(
        item_id=laptop.id, requester_id=kb_requester(session).id, custom_fields=custom_fields
    )
    with pytest.raises(InvalidField) as error:
        request_catalog_item(session=session, caller=kb_caller(session, workspace), request_in=request_in)
    assert error.value.field == field
    assert fragment in str(error.value)


def test_a_request_needs_a_sensible_quantity_a_person_and_a_live_visible_item(
    session: Session, workspace: Workspace, laptop: CatalogItem
) -> None:
    assert laptop.id is not None
    caller = kb_caller(session, workspace)
    person = kb_requester(session)
    fields = {"os": "Windows", "justification": "Needed."}

    def request(**changes: Any) -> None:
        arguments = {"item_id": laptop.id, "requester_id": person.id, "custom_fields": fields, **changes}
        request_catalog_item(session=session, caller=caller, request_in=CatalogItemRequest(**arguments))

    with pytest.raises(InvalidField, match="quantity"):
        request(quantity=0)
    with pytest.raises(InvalidField) as error:
        request(requester_id=None)
    assert error.value.field == "requested_for"
    with pytest.raises(NotFound):
        request(requester_id=None, requested_for="ghost@example.test")
    with pytest.raises(NotFound):
        request(item_id=999_999)
    foreign = kb_catalog_item(session, kb_catalog_category(session, kb_workspace(session)))
    with pytest.raises(NotFound):
        request(item_id=foreign.id, custom_fields={})
    laptop.active = False
    session.flush()
    with pytest.raises(InvalidField, match="retired"):
        request()


def test_an_item_in_a_foreign_workspace_is_not_found(session: Session, laptop: CatalogItem) -> None:
    assert laptop.id is not None
    with pytest.raises(NotFound):
        get_catalog_item(session=session, caller=kb_caller(session, kb_workspace(session)), item_id=laptop.id)
    assert (
        get_catalog_item(session=session, caller=kb_caller(session, admin=True), item_id=laptop.id).id
        == laptop.id
    )
