"""Tickets and their notes, written as a stream (a large scale never holds them all in memory).

Tickets are spread over the working hours of the half year in id order. Each is one of: an
incident or request about a topic of its workspace, a service-catalog request, or a child of an
offboarding request (written when the stream reaches that request's anchor). Status follows age:
old tickets are mostly closed, recent ones open; notes tell the story up to the status.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from domain.onboarding.models import RequestStatus
from domain.tickets.models import TicketPriority, TicketSource, TicketStatus, TicketType
from seed import demo
from seed.catalog import Item, answers
from seed.org import Org, Person, Row
from seed.plan import END, Sizes, later, stream, ticket_offset, weighted, working_time
from seed.requests import Offboarding
from seed.text import conversation as talk
from seed.text.assets import ASSET_MODELS
from seed.text.people import FLOORS
from seed.text.tickets_it import IT_TOPICS, TicketTopic
from seed.text.tickets_workplace import FACILITIES_TOPICS, HR_TOPICS, OFFBOARDING_TASKS

Open, Pending, Resolved, Closed = (
    TicketStatus.open,
    TicketStatus.pending,
    TicketStatus.resolved,
    TicketStatus.closed,
)

WORKSPACE_SHARE = {"IT": 65.0, "HR": 20.0, "Facilities": 15.0}
CATALOG_SHARE = {"IT": 0.14, "HR": 0.3, "Facilities": 0.3}
DEMO_AGENT_SHARE = 0.1  # of the IT workspace's tickets
TOPICS = {"IT": IT_TOPICS, "HR": HR_TOPICS, "Facilities": FACILITIES_TOPICS}

PRIORITY = {
    TicketPriority.low: 35.0,
    TicketPriority.medium: 40.0,
    TicketPriority.high: 18.0,
    TicketPriority.urgent: 7.0,
}
SOURCE = {
    TicketSource.email: 35.0,
    TicketSource.portal: 30.0,
    TicketSource.phone: 10.0,
    TicketSource.chat: 10.0,
    TicketSource.walkup: 5.0,
    TicketSource.slack: 8.0,
    TicketSource.api: 2.0,
}
SLA_HOURS = {
    TicketPriority.urgent: 4,
    TicketPriority.high: 24,
    TicketPriority.medium: 72,
    TicketPriority.low: 120,
}
RESOLUTION_HOURS = {
    TicketPriority.urgent: (0.5, 8),
    TicketPriority.high: (1, 24),
    TicketPriority.medium: (2, 72),
    TicketPriority.low: (4, 120),
}
NOTE_COUNTS = {
    Open: {0: 45.0, 1: 35.0, 2: 20.0},
    Pending: {1: 50.0, 2: 35.0, 3: 15.0},
    Resolved: {1: 25.0, 2: 35.0, 3: 25.0, 4: 15.0},
}
LAPTOPS = tuple(model.name for model in ASSET_MODELS if model.asset_type == "laptop")
CHILD_DONE = "Done for {employee} (last working day {last_day}). Nothing further needed, {manager_first}."
CHILD_CHECK = "Scheduled for {last_day}; checked against the offboarding request."

# One note of a conversation: (body, private, written by the requester).
Line = tuple[str, bool, bool]


class TicketWriter:
    def __init__(self, org: Org, items: list[Item], offboarding: list[Offboarding], sizes: Sizes) -> None:
        self.rng = stream("tickets")
        self.org = org
        self.total = sizes.tickets
        self.next_note_id = 1
        self.workspaces = {name: org.workspace_ids[name] for name in WORKSPACE_SHARE}
        self.items = {
            ws: [i for i in items if i.workspace_id == ws_id] for ws, ws_id in self.workspaces.items()
        }
        self.active = [p for p in org.requesters if org.requester_row(p.id)["active"]]
        self.demo_groups = {org.group_ids["service_desk"], org.group_ids["endpoint"]}
        self.children = {plan.anchor + n: (plan, n) for plan in offboarding for n in range(len(plan.tasks))}

    def rows(self) -> Iterator[tuple[Row, list[Row]]]:
        """Each ticket with its notes, in id order."""
        for index in range(self.total):
            child = self.children.get(index)
            if child is not None:
                yield self._child(index + 1, *child)
            else:
                yield self._ticket(index + 1, index)

    def _ticket(self, ticket_id: int, index: int) -> tuple[Row, list[Row]]:
        rng = self.rng
        workspace = weighted(rng, WORKSPACE_SHARE)
        slot = ticket_offset(index, self.total)
        created = working_time(slot + rng.randrange(max(1, ticket_offset(index + 1, self.total) - slot)))
        requester = rng.choice(self.active) if rng.random() < 0.97 else rng.choice(self.org.requesters)
        status = _status(rng, created)
        fill = self._fill(rng, requester)
        if rng.random() < CATALOG_SHARE[workspace]:
            item = rng.choice(self.items[workspace])
            priority = weighted(
                rng, {TicketPriority.low: 50.0, TicketPriority.medium: 45.0, TicketPriority.high: 5.0}
            )
            row, lines = self._catalog(rng, item, requester, created)
            group_key = item.group_key
        else:
            topic = rng.choice(TOPICS[workspace])
            priority = weighted(rng, PRIORITY)
            row, lines = self._topic(rng, topic, requester, fill)
            group_key = topic.group
        agent_id, group_id = self._assign(rng, workspace, group_key, status)
        updated = _updated(rng, status, priority, created)
        row.update(
            id=ticket_id,
            status=status,
            priority=priority,
            requester_id=requester.id,
            agent_id=agent_id,
            group_id=group_id,
            workspace_id=self.workspaces[workspace],
            due_by=created + timedelta(hours=SLA_HOURS[priority]),
            offboarding_request_id=None,
            created_at=created,
            updated_at=updated,
        )
        if agent_id is None:
            return row, []
        count = weighted(rng, NOTE_COUNTS[Resolved if status == Closed else status])
        if status in (Resolved, Closed):
            lines = [*lines[:-1][: count - 1], lines[-1]]
        elif status == Pending:
            lines = [*lines[:2][: count - 1], (rng.choice(talk.PENDING_ASKS), False, False)]
        else:
            lines = lines[:2][:count]
        return row, self._notes(ticket_id, agent_id, requester.id, created, updated, lines, fill)

    def _topic(
        self, rng: random.Random, topic: TicketTopic, requester: Person, fill: dict[str, str]
    ) -> tuple[Row, list[Line]]:
        details = " ".join(detail.format(**fill) for detail in rng.sample(topic.details, k=2))
        description = (
            f"{rng.choice(talk.GREETINGS)}\n\n{details}\n\n{rng.choice(talk.IMPACTS).format(**fill)}\n\n"
            f"{rng.choice(talk.SIGN_OFFS)}\n{requester.name}"
        )
        row = {
            "subject": rng.choice(topic.subjects).format(**fill),
            "description": description,
            "source": weighted(rng, SOURCE),
            "type": TicketType.service_request if topic.request else TicketType.incident,
            "tags": list(topic.tags),
            "catalog_item_id": None,
            "catalog_fields": None,
        }
        lines: list[Line] = [
            (rng.choice(talk.ACKNOWLEDGEMENTS), False, False),
            (topic.check, True, False),
            (rng.choice(talk.REQUESTER_REPLIES), False, True),
            (topic.fix, False, False),
        ]
        return row, lines

    def _catalog(
        self, rng: random.Random, item: Item, requester: Person, created: datetime
    ) -> tuple[Row, list[Line]]:
        colleague = rng.choice(self.active)
        fields = answers(rng, item.fields, when=created, email=colleague.email)
        labels = {f.name: f.label for f in item.fields}
        listed = "\n".join(f"{labels[name]}: {_shown(value)}" for name, value in fields.items())
        subject = rng.choice(("Request: {item}", "{item} for {name}", "New request - {item}", "{item}"))
        row = {
            "subject": subject.format(item=item.name, name=requester.name),
            "description": f"{requester.name} requested {item.name} through the service catalog.\n\n{listed}",
            "source": weighted(
                rng, {TicketSource.portal: 85.0, TicketSource.email: 10.0, TicketSource.api: 5.0}
            ),
            "type": TicketType.service_request,
            "tags": ["service-catalog", item.category.lower().replace(" & ", "-").replace(" ", "-")],
            "catalog_item_id": item.id,
            "catalog_fields": fields,
        }
        lines: list[Line] = [
            (rng.choice(talk.SERVICE_REQUEST_ACKS).replace("{item}", item.name), False, False),
            (rng.choice(talk.SERVICE_REQUEST_CHECKS), True, False),
            (rng.choice(talk.SERVICE_REQUEST_FIXES).replace("{item}", item.name), False, False),
        ]
        return row, lines

    def _child(self, ticket_id: int, plan: Offboarding, n: int) -> tuple[Row, list[Row]]:
        rng = self.rng
        workspace, group_key, subject, description, tags = OFFBOARDING_TASKS[plan.tasks[n]]
        values = {
            "employee": plan.employee.name,
            "manager": plan.manager.name,
            "manager_first": plan.manager.first,
            "last_day": plan.last_day.isoformat(),
        }
        status = _child_status(rng, plan.status)
        created = plan.created_at + timedelta(seconds=n)
        last_day_end = datetime.combine(plan.last_day, time(17), tzinfo=END.tzinfo)
        if status in (Resolved, Closed):
            updated = later(rng, max(created, last_day_end), min_hours=1, max_hours=30)
        else:
            updated = later(rng, created, min_hours=0, max_hours=48)
        agent_id, group_id = self._assign(rng, workspace, group_key, status)
        row = {
            "id": ticket_id,
            "subject": subject.format(**values),
            "description": description.format(**values),
            "status": status,
            "priority": TicketPriority.high if n == 0 else TicketPriority.medium,
            "source": TicketSource.portal,
            "type": TicketType.service_request,
            "requester_id": plan.manager.id,
            "agent_id": agent_id,
            "group_id": group_id,
            "workspace_id": self.workspaces[workspace],
            "due_by": last_day_end,
            "tags": list(tags),
            "catalog_item_id": None,
            "catalog_fields": None,
            "offboarding_request_id": plan.id,
            "created_at": created,
            "updated_at": updated,
        }
        if agent_id is None or status not in (Resolved, Closed):
            return row, []
        lines: list[Line] = [
            (CHILD_CHECK.format(**values), True, False),
            (CHILD_DONE.format(**values), False, False),
        ]
        return row, self._notes(ticket_id, agent_id, plan.manager.id, created, updated, lines, {})

    def _assign(
        self, rng: random.Random, workspace: str, group_key: str, status: TicketStatus
    ) -> tuple[int | None, int | None]:
        group_id = self.org.group_ids[group_key]
        if status == Open and rng.random() < 0.35:
            return None, group_id if rng.random() < 0.5 else None
        if workspace == "IT" and rng.random() < DEMO_AGENT_SHARE:
            return demo.DEMO_AGENT_ID, group_id if group_id in self.demo_groups else self.org.group_ids[
                "service_desk"
            ]
        return rng.choice(self.org.assignees[group_id]), group_id

    def _fill(self, rng: random.Random, requester: Person) -> dict[str, str]:
        location = requester.location if requester.location in talk.LOCATION_CODES else "London HQ"
        floor = rng.randint(1, len(FLOORS) - 1)
        return {
            "first": requester.first,
            "location": location,
            "floor": FLOORS[floor],
            "room": rng.choice(talk.ROOMS),
            "printer": f"PRN-{talk.LOCATION_CODES[location]}-{floor}{rng.choice('ABC')}",
            "device": rng.choice(LAPTOPS),
            "app": rng.choice(talk.APPS),
            "since": rng.choice(talk.SINCE),
            "weekday": rng.choice(talk.WEEKDAYS),
            "number": f"0x{rng.randrange(16**8):08X}",
        }

    def _notes(
        self,
        ticket_id: int,
        agent_id: int,
        requester_id: int,
        created: datetime,
        updated: datetime,
        lines: list[Line],
        fill: dict[str, str],
    ) -> list[Row]:
        span = (updated - created).total_seconds()
        notes = []
        for n, (body, private, by_requester) in enumerate(lines, start=1):
            notes.append(
                {
                    "id": self.next_note_id,
                    "ticket_id": ticket_id,
                    "body": body.format(**fill) if fill else body,
                    "private": private,
                    "agent_id": None if by_requester else agent_id,
                    "requester_id": requester_id if by_requester else None,
                    "created_at": created + timedelta(seconds=int(span * n / len(lines))),
                }
            )
            self.next_note_id += 1
        return notes


def _status(rng: random.Random, created: datetime) -> TicketStatus:
    age_days = (END - created).total_seconds() / 86400
    if age_days > 21:
        return weighted(rng, {Closed: 60.0, Resolved: 30.0, Pending: 4.0, Open: 6.0})
    if age_days > 3:
        return weighted(rng, {Open: 25.0, Pending: 20.0, Resolved: 35.0, Closed: 20.0})
    return weighted(rng, {Open: 60.0, Pending: 20.0, Resolved: 20.0})


def _child_status(rng: random.Random, request: RequestStatus) -> TicketStatus:
    if request in (RequestStatus.completed, RequestStatus.cancelled):
        return Closed if request == RequestStatus.cancelled or rng.random() < 0.8 else Resolved
    if request == RequestStatus.in_progress:
        return weighted(rng, {Open: 30.0, Pending: 20.0, Resolved: 50.0})
    return Open


def _updated(
    rng: random.Random, status: TicketStatus, priority: TicketPriority, created: datetime
) -> datetime:
    if status in (Resolved, Closed):
        low, high = RESOLUTION_HOURS[priority]
        resolved = later(rng, created, min_hours=low, max_hours=high)
        return min(resolved + timedelta(hours=72), END) if status == Closed else resolved
    if status == Pending:
        return later(rng, created, min_hours=1, max_hours=72)
    return later(rng, created, min_hours=0, max_hours=24)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
