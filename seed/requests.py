"""Onboarding requests (answers to the onboarding form) and offboarding requests.

An offboarding request spawns child tickets, one per team that must act. Those tickets take their
ids from the ticket sequence at the moment the request was made (its ``anchor``), so ticket ids
keep rising with creation time; ``seed.tickets`` writes them when it reaches the anchor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from domain.onboarding.models import RequestStatus
from seed import demo
from seed.org import Org, Person, Row, ascii_slug
from seed.plan import (
    END,
    WORKING_SECONDS,
    Sizes,
    later,
    moment,
    stream,
    ticket_offset,
    weighted,
    working_time,
)
from seed.text.catalog import ONBOARDING_FORM
from seed.text.people import DEPARTMENTS, FIRST_NAMES, LAST_NAMES
from seed.text.tickets_workplace import OFFBOARDING_REASONS, OFFBOARDING_TASKS

MAX_CHILDREN = len(OFFBOARDING_TASKS)
REQUEST_WORKSPACES = {"IT": 0.4, "HR": 0.6}


@dataclass(frozen=True, slots=True)
class Offboarding:
    id: int
    manager: Person
    employee: Person
    last_day: date
    status: RequestStatus
    created_at: datetime
    anchor: int  # the 0-based index of its first child ticket in the ticket sequence
    tasks: tuple[int, ...]  # indexes into OFFBOARDING_TASKS


def build_onboarding(org: Org, sizes: Sizes) -> list[Row]:
    rng = stream("onboarding")
    choices = {f.name: f.choices for f in ONBOARDING_FORM}
    created_times = sorted(
        working_time(rng.randrange(WORKING_SECONDS)) for _ in range(sizes.onboarding_requests)
    )
    managers = org.requesters[1:]
    notes = [example for f in ONBOARDING_FORM if f.name == "notes" for example in f.examples if example]
    rows = []
    for request_id, created in enumerate(created_times, start=1):
        manager = rng.choice(managers)
        start = created.date() + timedelta(days=rng.randint(10, 35))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        department = manager.department if manager.department in choices["department"] else "Operations"
        fields: dict[str, Any] = {
            "employee_name": f"{first} {last}",
            "personal_email": f"{ascii_slug(first)}.{ascii_slug(last)}@example.com",
            "start_date": start.isoformat(),
            "department": department,
            "job_title": rng.choice(DEPARTMENTS[department]),
            "office": manager.location,
        }
        if rng.random() < 0.75:
            technical = department in ("Engineering", "Product", "Data & Analytics")
            fields["laptop"] = choices["laptop"][0 if technical else 1]
        fields["needs_vpn"] = rng.random() < 0.6
        if rng.random() < 0.4:
            fields["notes"] = rng.choice(notes)
        status = _onboarding_status(rng, created, start)
        rows.append(
            {
                "id": request_id,
                "requester_id": manager.id,
                "status": status,
                "fields": fields,
                "workspace_id": org.workspace_ids[weighted(rng, REQUEST_WORKSPACES)],
                "created_at": created,
                "updated_at": created
                if status == RequestStatus.open
                else moment(rng, created, _end_of(start)),
            }
        )
    return rows


def _onboarding_status(rng: random.Random, created: datetime, start: date) -> RequestStatus:
    if start < END.date():
        return weighted(
            rng, {RequestStatus.completed: 85, RequestStatus.in_progress: 10, RequestStatus.cancelled: 5}
        )
    if END - created > timedelta(days=2):
        return RequestStatus.in_progress
    return RequestStatus.open


def _end_of(day: date) -> datetime:
    return min(datetime.combine(day, time(18), tzinfo=END.tzinfo), END)


def build_offboarding(org: Org, sizes: Sizes) -> tuple[list[Row], list[Offboarding]]:
    """Offboarding requests, and the plan of their child tickets. Leavers whose last day has passed
    are made inactive in ``org``'s requester rows."""
    rng = stream("offboarding")
    segment = sizes.tickets // sizes.offboarding_requests
    assert segment > MAX_CHILDREN, "too few tickets for the offboarding requests' child tickets"
    candidates = [p for p in org.requesters if p.id != demo.DEMO_REQUESTER_ID]
    leavers = rng.sample(candidates, k=sizes.offboarding_requests)
    by_department: dict[str, list[Person]] = {}
    for person in candidates:
        by_department.setdefault(person.department, []).append(person)
    rows, plans = [], []
    for index, employee in enumerate(leavers):
        request_id = index + 1
        anchor = index * segment + rng.randint(0, segment - MAX_CHILDREN - 1)
        created = working_time(ticket_offset(anchor, sizes.tickets))
        colleagues = [p for p in by_department[employee.department] if p.id != employee.id]
        manager = rng.choice(colleagues or candidates)
        last_day = created.date() + timedelta(days=rng.randint(10, 35))
        status = _offboarding_status(rng, created, last_day)
        extra = sorted(rng.sample(range(2, MAX_CHILDREN), k=rng.randint(1, MAX_CHILDREN - 2)))
        plans.append(
            Offboarding(request_id, manager, employee, last_day, status, created, anchor, (0, 1, *extra))
        )
        rows.append(
            {
                "id": request_id,
                "requester_id": manager.id,
                "employee_id": employee.id,
                "last_working_day": last_day,
                "reason": rng.choice(OFFBOARDING_REASONS),
                "status": status,
                "workspace_id": org.workspace_ids[weighted(rng, REQUEST_WORKSPACES)],
                "created_at": created,
                "updated_at": _updated(rng, status, created, last_day),
            }
        )
        if status == RequestStatus.completed:
            row = org.requester_row(employee.id)
            row["active"] = False
            row["updated_at"] = max(row["created_at"], _end_of(last_day))
    return rows, plans


def _offboarding_status(rng: random.Random, created: datetime, last_day: date) -> RequestStatus:
    if last_day < END.date() - timedelta(days=1):
        return weighted(rng, {RequestStatus.completed: 90, RequestStatus.cancelled: 10})
    if END - created > timedelta(days=2):
        return RequestStatus.in_progress
    return RequestStatus.open


def _updated(rng: random.Random, status: RequestStatus, created: datetime, last_day: date) -> datetime:
    if status == RequestStatus.open:
        return created
    if status == RequestStatus.completed:
        return later(rng, _end_of(last_day), min_hours=1, max_hours=48)
    return later(rng, created, min_hours=1, max_hours=240)
