"""Onboarding requests (validated against a form of typed fields) and offboarding requests
(which spawn child tickets, one per team that must act)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date
from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.records import Record
from domain.tickets.models import TicketPublic
from domain.types import enum_column, json_column, timestamp_column, utcnow


class FormFieldType(enum.StrEnum):
    text = "text"
    paragraph = "paragraph"
    email = "email"
    number = "number"
    date = "date"
    dropdown = "dropdown"
    checkbox = "checkbox"


class RequestStatus(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class OnboardingFormField(SQLModel, table=True):
    __tablename__ = "onboarding_form_field"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, sa_column_kwargs={"unique": True})
    label: str = Field(max_length=200)
    field_type: FormFieldType = Field(sa_column=enum_column(FormFieldType, "form_field_type"))
    required: bool = False
    choices: list[str] = Field(default_factory=list, sa_column=json_column())
    position: int = 0
    description: str = Field(default="", max_length=500)


class OnboardingFormFieldPublic(Record):
    name: str
    label: str
    field_type: FormFieldType
    required: bool
    choices: list[str]
    description: str


class OnboardingForm(Record):
    fields: list[OnboardingFormFieldPublic]


class OnboardingRequest(SQLModel, table=True):
    __tablename__ = "onboarding_request"
    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="requester.id", index=True)
    status: RequestStatus = Field(sa_column=enum_column(RequestStatus, "onboarding_status", index=True))
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class OnboardingRequestPublic(Record):
    id: int
    requester_id: int
    status: RequestStatus
    fields: dict[str, Any]
    workspace_id: int
    created_at: datetime
    updated_at: datetime


class OffboardingRequest(SQLModel, table=True):
    __tablename__ = "offboarding_request"
    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="requester.id", index=True)
    employee_id: int = Field(foreign_key="requester.id", index=True)
    last_working_day: date = Field(sa_column=Column(Date, nullable=False))
    reason: str = Field(default="", max_length=2000)
    status: RequestStatus = Field(sa_column=enum_column(RequestStatus, "offboarding_status", index=True))
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class OffboardingRequestPublic(Record):
    id: int
    requester_id: int
    employee_id: int
    last_working_day: date
    reason: str
    status: RequestStatus
    workspace_id: int
    created_at: datetime
    updated_at: datetime


class OffboardingRequestsPublic(PageInfo):
    requests: list[OffboardingRequestPublic]


class OffboardingTicketsPublic(PageInfo):
    tickets: list[TicketPublic]


class OnboardingRequestCreate(SQLModel):
    """A new onboarding request: ``fields`` are checked against the onboarding form."""

    fields: dict[str, Any]
    requester_id: int | None = None
    email: str | None = None
    workspace_id: int | None = None


class OffboardingRequestCreate(SQLModel):
    """A new offboarding request for the employee (a requester) given by id or email."""

    requester_id: int | None = None
    email: str | None = None
    last_working_day: date
    reason: str = ""
    workspace_id: int | None = None


class OffboardingRequestCreated(OffboardingRequestPublic):
    """A new offboarding request with the child tickets it opened."""

    tickets: list[TicketPublic]
