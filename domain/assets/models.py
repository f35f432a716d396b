"""Assets (hardware, software licences) identified to people by their display id."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.records import Record
from domain.types import enum_column, json_column, timestamp_column, utcnow


class AssetType(enum.StrEnum):
    laptop = "laptop"
    desktop = "desktop"
    monitor = "monitor"
    mobile_phone = "mobile_phone"
    tablet = "tablet"
    server = "server"
    printer = "printer"
    network_device = "network_device"
    software_license = "software_license"


class AssetState(enum.StrEnum):
    in_use = "in_use"
    in_stock = "in_stock"
    in_repair = "in_repair"
    missing = "missing"
    retired = "retired"


class Asset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    display_id: int = Field(sa_column_kwargs={"unique": True, "nullable": False})
    name: str = Field(max_length=255)
    description: str = Field(default="", max_length=10000)
    asset_type: AssetType = Field(sa_column=enum_column(AssetType, "asset_type", index=True))
    state: AssetState = Field(sa_column=enum_column(AssetState, "asset_state", index=True))
    serial_number: str = Field(default="", max_length=120)
    vendor: str = Field(default="", max_length=120)
    assigned_requester_id: int | None = Field(default=None, foreign_key="requester.id", index=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    custom_attributes: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class AssetPublic(Record):
    id: int
    display_id: int
    name: str
    description: str
    asset_type: AssetType
    state: AssetState
    serial_number: str
    vendor: str
    assigned_requester_id: int | None
    workspace_id: int
    custom_attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class AssetsPublic(PageInfo):
    assets: list[AssetPublic]


class AssetCreate(SQLModel):
    name: str
    asset_type: AssetType
    state: AssetState = AssetState.in_stock
    description: str = ""
    serial_number: str = ""
    vendor: str = ""
    assigned_requester_id: int | None = None
    workspace_id: int | None = None
    custom_attributes: dict[str, Any] = {}


class AssetUpdate(SQLModel):
    name: str | None = None
    description: str | None = None
    asset_type: AssetType | None = None
    state: AssetState | None = None
    serial_number: str | None = None
    vendor: str | None = None
    assigned_requester_id: int | None = None
    workspace_id: int | None = None
    custom_attributes: dict[str, Any] | None = None
