"""Service catalog: categories and items; requesting an item creates a service-request ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.records import Record
from domain.tickets.models import TicketPublic
from domain.types import json_column, timestamp_column, utcnow


class CatalogCategory(SQLModel, table=True):
    __tablename__ = "catalog_category"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    position: int = 0


class CatalogItem(SQLModel, table=True):
    __tablename__ = "catalog_item"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    short_description: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=20000)
    category_id: int = Field(foreign_key="catalog_category.id", index=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    cost: float = 0.0
    delivery_time_hours: int = 24
    active: bool = True
    # Each custom field: {"name", "label", "field_type", "required", "choices"} — same shape as
    # the onboarding form's fields, validated by the same code when an item is requested.
    custom_fields: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class CatalogCustomField(Record):
    name: str
    label: str
    field_type: str
    required: bool
    choices: list[str]


class CatalogItemPublic(Record):
    id: int
    name: str
    short_description: str
    category_id: int
    workspace_id: int
    cost: float
    delivery_time_hours: int
    created_at: datetime
    updated_at: datetime


class CatalogItemDetail(CatalogItemPublic):
    description: str
    active: bool
    custom_fields: list[CatalogCustomField]


class CatalogItemsPublic(PageInfo):
    items: list[CatalogItemPublic]


class CatalogItemRequest(SQLModel):
    """Requesting an item for someone: a requester given by ``requested_for`` (email) or id."""

    item_id: int
    requested_for: str | None = None
    requester_id: int | None = None
    quantity: int = 1
    custom_fields: dict[str, Any] = {}


class ServiceRequestPublic(TicketPublic):
    """The service-request ticket a catalog request created, with the custom field values."""

    catalog_fields: dict[str, Any]
