"""The organisation: workspaces, agent groups, agents (with memberships) and requesters."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.people.models import AgentRole
from seed import demo
from seed.plan import END, START, Sizes, moment, stream, weighted
from seed.text import people

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first: str
    last: str
    email: str
    job_title: str
    department: str
    location: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Org:
    """What later parts of the dataset need to know about the people, besides their rows."""

    workspace_ids: dict[str, int] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)  # group key -> id
    # Who tickets of a group may be assigned to: its members, admins left out.
    assignees: dict[int, list[int]] = field(default_factory=dict)
    # Agents who write knowledge-base articles, per workspace id.
    authors: dict[int, list[int]] = field(default_factory=dict)
    requesters: list[Person] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=dict)

    def requester_row(self, requester_id: int) -> Row:
        row = self.rows["requester"][requester_id - 1]
        assert row["id"] == requester_id
        return row


class EmailBook:
    """Unique first.last@ addresses across agents and requesters (first.last2@ on a clash)."""

    def __init__(self, reserved: tuple[str, ...]) -> None:
        self._used = set(reserved)

    def make(self, first: str, last: str) -> str:
        stem = f"{ascii_slug(first)}.{ascii_slug(last)}"
        email, n = f"{stem}@{people.EMAIL_DOMAIN}", 1
        while email in self._used:
            n += 1
            email = f"{stem}{n}@{people.EMAIL_DOMAIN}"
        self._used.add(email)
        return email


def ascii_slug(name: str) -> str:
    """'Chloé' -> 'chloe', "O'Brien" -> 'obrien': the local part of an address."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def build_org(sizes: Sizes) -> Org:
    org = Org()
    emails = EmailBook(tuple(login.email for login in demo.DEMO_LOGINS))
    _workspaces_and_groups(org)
    _agents(org, sizes, emails, stream("agents"))
    _requesters(org, sizes, emails, stream("requesters"))
    return org


def _workspaces_and_groups(org: Org) -> None:
    org.rows["workspace"] = []
    for index, (name, description, is_default) in enumerate(people.WORKSPACES, start=1):
        org.workspace_ids[name] = index
        org.rows["workspace"].append(
            {
                "id": index,
                "name": name,
                "description": description,
                "is_default": is_default,
                "created_at": START + timedelta(hours=8, minutes=index),
            }
        )
    assert org.workspace_ids == {
        "IT": demo.IT_WORKSPACE_ID,
        "HR": demo.HR_WORKSPACE_ID,
        "Facilities": demo.FACILITIES_WORKSPACE_ID,
    }
    org.rows["agent_group"] = []
    for index, (workspace, key, name, description, _titles) in enumerate(people.GROUPS, start=1):
        org.group_ids[key] = index
        org.rows["agent_group"].append(
            {
                "id": index,
                "name": name,
                "description": description,
                "workspace_id": org.workspace_ids[workspace],
                "created_at": START + timedelta(hours=8, minutes=10 + index),
            }
        )


@dataclass(frozen=True, slots=True)
class _Staff:
    first: str
    last: str
    email: str
    job_title: str
    role: AgentRole
    workspaces: tuple[str, ...]
    group_keys: tuple[str, ...]


_WORKSPACE_OF = {key: workspace for workspace, key, _name, _description, _titles in people.GROUPS}
_TITLES_OF = {key: titles for _workspace, key, _name, _description, titles in people.GROUPS}


def _staff(agent_id: int, emails: EmailBook, rng: random.Random) -> _Staff:
    """Who agent ``agent_id`` is: the named accounts first, then one agent per group (so that no
    group is empty), then agents spread over the workspaces by weight."""
    if agent_id <= len(people.NAMED_AGENTS):
        first, last, job_title, group_keys = people.NAMED_AGENTS[agent_id - 1]
        if agent_id == demo.DEMO_AGENT_ID:
            return _Staff(first, last, demo.AGENT_EMAIL, job_title, AgentRole.agent, ("IT",), group_keys)
        email = demo.ADMIN_EMAIL if agent_id == demo.ADMIN_AGENT_ID else emails.make(first, last)
        every_workspace = tuple(name for name, _description, _default in people.WORKSPACES)
        return _Staff(first, last, email, job_title, AgentRole.admin, every_workspace, group_keys)
    first, last = rng.choice(people.FIRST_NAMES), rng.choice(people.LAST_NAMES)
    seat = agent_id - len(people.NAMED_AGENTS) - 1
    workspaces: tuple[str, ...]
    if seat < len(people.GROUPS):
        group_keys = (people.GROUPS[seat][1],)
        workspaces = (_WORKSPACE_OF[group_keys[0]],)
    else:
        workspaces = weighted(rng, people.AGENT_WORKSPACE_WEIGHTS)
        options = [key for key, workspace in _WORKSPACE_OF.items() if workspace in workspaces]
        group_keys = tuple(rng.sample(options, k=rng.choice((1, 1, 2))))
    job_title = rng.choice(_TITLES_OF[group_keys[0]])
    return _Staff(first, last, emails.make(first, last), job_title, AgentRole.agent, workspaces, group_keys)


def _agents(org: Org, sizes: Sizes, emails: EmailBook, rng: random.Random) -> None:
    agents, memberships, group_members = [], [], []
    for agent_id in range(1, sizes.agents + 1):
        staff = _staff(agent_id, emails, rng)
        created = START + timedelta(hours=9, minutes=7 * agent_id)
        demo_login = staff.email in (demo.ADMIN_EMAIL, demo.AGENT_EMAIL)
        agents.append(
            {
                "id": agent_id,
                "email": staff.email,
                "first_name": staff.first,
                "last_name": staff.last,
                "job_title": staff.job_title,
                "active": True,
                "role": staff.role,
                "password_hash": demo.demo_password_hash(staff.email) if demo_login else None,
                "created_at": created,
                "updated_at": created if rng.random() < 0.6 else moment(rng, created, END),
            }
        )
        for workspace in staff.workspaces:
            workspace_id = org.workspace_ids[workspace]
            memberships.append({"agent_id": agent_id, "workspace_id": workspace_id})
            org.authors.setdefault(workspace_id, []).append(agent_id)
        for key in staff.group_keys:
            group_id = org.group_ids[key]
            group_members.append({"agent_id": agent_id, "group_id": group_id})
            if staff.role == AgentRole.agent:
                org.assignees.setdefault(group_id, []).append(agent_id)
    org.rows["agent"] = agents
    org.rows["agent_workspace"] = memberships
    org.rows["agent_group_member"] = group_members


def _requesters(org: Org, sizes: Sizes, emails: EmailBook, rng: random.Random) -> None:
    rows = []
    directory_sync_until = START + timedelta(days=3, hours=18)
    for requester_id in range(1, sizes.requesters + 1):
        if requester_id == demo.DEMO_REQUESTER_ID:
            first, last, job_title, department, location = people.DEMO_PEOPLE["requester"]
            email = demo.REQUESTER_EMAIL
        else:
            first, last = rng.choice(people.FIRST_NAMES), rng.choice(people.LAST_NAMES)
            email = emails.make(first, last)
            department = weighted(rng, people.DEPARTMENT_WEIGHTS)
            job_title = rng.choice(people.DEPARTMENTS[department])
            location = weighted(rng, {name: weight for name, (weight, _prefix) in people.LOCATIONS.items()})
        prefix = people.LOCATIONS[location][1]
        digits = 2 if prefix.startswith("+1 ") else 3
        created = moment(rng, START + timedelta(hours=6), directory_sync_until)
        rows.append(
            {
                "id": requester_id,
                "email": email,
                "first_name": first,
                "last_name": last,
                "job_title": job_title,
                "department": department,
                "phone": f"{prefix}{rng.randrange(10**digits):0{digits}d}",
                "location": location,
                "active": requester_id == demo.DEMO_REQUESTER_ID or rng.random() > 0.02,
                "password_hash": demo.demo_password_hash(email) if email == demo.REQUESTER_EMAIL else None,
                "created_at": created,
                "updated_at": created if rng.random() < 0.7 else moment(rng, created, END),
            }
        )
        org.requesters.append(Person(requester_id, first, last, email, job_title, department, location))
    org.rows["requester"] = rows
