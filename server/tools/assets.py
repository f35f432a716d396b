"""Asset tools: list, read by display id, create, update."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from domain.assets import service
from domain.assets.models import AssetCreate, AssetPublic, AssetsPublic, AssetState, AssetType, AssetUpdate
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import (
    MAX_INT,
    Cursor,
    Page,
    PerPage,
    ShownFields,
    UpdatedSince,
    WorkspaceFilter,
    given_and_cleared,
)

TOOLS = Toolset("assets")

DisplayId = Annotated[
    int, Field(ge=1, le=MAX_INT, description="The asset's display id (the number people quote, e.g. 1042).")
]
AssignedTo = Annotated[
    int | None, Field(ge=1, le=MAX_INT, description="Requester id of the person using the asset.")
]
CustomAttributes = Annotated[
    dict[str, Any] | None,
    Field(description="Free-form attributes, e.g. {'cpu': 'M3', 'ram_gb': 16}; replaces the existing set."),
]


@tool(TOOLS, name="fetchAssets", title="List assets")
def fetch_assets(
    asset_type: Annotated[AssetType | None, Field(description="Only assets of this type.")] = None,
    state: Annotated[AssetState | None, Field(description="Only assets in this state.")] = None,
    workspace_id: WorkspaceFilter = None,
    assigned_requester_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Only assets assigned to this requester.")
    ] = None,
    search_term: Annotated[
        str | None, Field(max_length=200, description="Part of the asset's name or serial number.")
    ] = None,
    updated_since: UpdatedSince = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> AssetsPublic:
    """List and filter the hardware and licence inventory (laptops, monitors, phones, other
    devices) by type, state (in stock, in use, retired), assigned requester, workspace, or a name or
    serial search. For one asset's full record, use fetchAsset."""
    with unit_of_work() as uow:
        return service.list_assets(
            session=uow.session,
            caller=uow.caller,
            asset_type=asset_type,
            state=state,
            workspace_id=workspace_id,
            assigned_requester_id=assigned_requester_id,
            search_term=search_term,
            updated_since=updated_since,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchAsset", title="Get an asset")
def fetch_asset(display_id: DisplayId) -> AssetPublic:
    """Get one asset by its display id (e.g. 1044): state, assignee, serial number, vendor and
    specs (custom attributes). To find assets by type, state or owner, use fetchAssets."""
    with unit_of_work() as uow:
        return service.get_asset(session=uow.session, caller=uow.caller, display_id=display_id)


@tool(TOOLS, name="createAsset", title="Create an asset", writes=True)
def create_asset(
    name: Annotated[
        str, Field(min_length=1, max_length=255, description="Asset name, e.g. 'MacBook Pro 14'.")
    ],
    asset_type: Annotated[AssetType, Field(description="Kind of asset.")],
    state: Annotated[
        AssetState, Field(description="Lifecycle state (default in_stock).")
    ] = AssetState.in_stock,
    description: Annotated[str, Field(max_length=10000, description="Notes about the asset.")] = "",
    serial_number: Annotated[str, Field(max_length=120, description="Manufacturer serial number.")] = "",
    vendor: Annotated[str, Field(max_length=120, description="Vendor or manufacturer.")] = "",
    assigned_requester_id: AssignedTo = None,
    workspace_id: Annotated[
        int | None,
        Field(ge=1, le=MAX_INT, description="Workspace for the asset; defaults to your (default) workspace."),
    ] = None,
    custom_attributes: CustomAttributes = None,
) -> AssetPublic:
    """Add a new asset you received (a laptop, a monitor, a licence) to the inventory with its
    serial number; it gets the next display id. To change an existing asset, use updateAsset."""
    asset_in = AssetCreate(
        name=name,
        asset_type=asset_type,
        state=state,
        description=description,
        serial_number=serial_number,
        vendor=vendor,
        assigned_requester_id=assigned_requester_id,
        workspace_id=workspace_id,
        custom_attributes=custom_attributes or {},
    )
    with unit_of_work() as uow:
        return service.create_asset(session=uow.session, caller=uow.caller, asset_in=asset_in)


@tool(TOOLS, name="updateAsset", title="Update an asset", writes=True, idempotent=True)
def update_asset(
    display_id: DisplayId,
    name: Annotated[str | None, Field(min_length=1, max_length=255, description="New name.")] = None,
    asset_type: Annotated[AssetType | None, Field(description="New type.")] = None,
    state: Annotated[AssetState | None, Field(description="New state, e.g. in_repair or retired.")] = None,
    description: Annotated[str | None, Field(max_length=10000, description="New notes.")] = None,
    serial_number: Annotated[str | None, Field(max_length=120, description="New serial number.")] = None,
    vendor: Annotated[str | None, Field(max_length=120, description="New vendor.")] = None,
    assigned_requester_id: AssignedTo = None,
    custom_attributes: CustomAttributes = None,
    clear_fields: Annotated[
        list[Literal["assigned_requester_id"]],
        Field(max_length=1, description="'assigned_requester_id' unassigns the asset."),
    ] = [],  # noqa: B006 - pydantic copies defaults
) -> AssetPublic:
    """Change an existing asset by display id: mark it retired or in stock, assign it to a
    requester, or edit its name, serial number, vendor or custom attributes. Only the fields you pass
    change; to unassign it, list assigned_requester_id in clear_fields."""
    changes = {
        "name": name,
        "asset_type": asset_type,
        "state": state,
        "description": description,
        "serial_number": serial_number,
        "vendor": vendor,
        "assigned_requester_id": assigned_requester_id,
        "custom_attributes": custom_attributes,
    }
    update = AssetUpdate(**given_and_cleared(changes, clear_fields))
    with unit_of_work() as uow:
        return service.update_asset(
            session=uow.session, caller=uow.caller, display_id=display_id, changes=update
        )
