"""Agents and requesters. Both are account-level: every caller may list and read them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, literal, or_, union_all
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.caller import OPERATOR, Caller
from domain.checks import coerce_enum, normalized_email
from domain.errors import InvalidField, NotFound
from domain.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, paginate
from domain.people.models import (
    Agent,
    AgentGroup,
    AgentPublic,
    AgentRole,
    AgentsPublic,
    AgentWorkspace,
    Requester,
    RequesterPublic,
    RequestersPublic,
)
from domain.people.passwords import hash_password
from domain.workspaces.models import Workspace


def list_agents(
    *,
    session: Session,
    caller: Caller,
    role: AgentRole | str | None = None,
    active: bool | None = None,
    workspace_id: int | None = None,
    group_id: int | None = None,
    email: str | None = None,
    search_term: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> AgentsPublic:
    """Agents and admins by id, with their workspaces and groups (three queries per page)."""
    statement = select(Agent)
    if role is not None:
        statement = statement.where(Agent.role == coerce_enum(AgentRole, role, field="role"))
    if active is not None:
        statement = statement.where(Agent.active == active)
    if workspace_id is not None:
        members = select(AgentWorkspace.agent_id).where(AgentWorkspace.workspace_id == workspace_id)
        statement = statement.where(col(Agent.id).in_(members))
    if group_id is not None:
        members = select(AgentGroup.agent_id).where(AgentGroup.group_id == group_id)
        statement = statement.where(col(Agent.id).in_(members))
    if email is not None:
        statement = statement.where(func.lower(Agent.email) == email.strip().lower())
    if search_term:
        statement = statement.where(_matches(search_term, Agent.first_name, Agent.last_name, Agent.email))
    rows, info = paginate(session, statement, key=col(Agent.id), page=page, per_page=per_page, cursor=cursor)
    memberships = _memberships(session, [agent.id for agent in rows if agent.id is not None])
    return AgentsPublic(
        agents=[_agent_public(agent, memberships) for agent in rows],
        **info.model_dump(),
    )


def get_agent(*, session: Session, caller: Caller, agent_id: int) -> AgentPublic:
    agent = session.get(Agent, agent_id)
    if agent is None or agent.id is None:
        raise NotFound("agent", "agent_id", agent_id)
    return _agent_public(agent, _memberships(session, [agent.id]))


def list_requesters(
    *,
    session: Session,
    caller: Caller,
    email: str | None = None,
    department: str | None = None,
    active: bool | None = None,
    search_term: str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> RequestersPublic:
    """Requesters by id; ``email`` matches exactly (ignoring case), ``search_term`` any part of a name."""
    statement = select(Requester)
    if email is not None:
        statement = statement.where(func.lower(Requester.email) == email.strip().lower())
    if department is not None:
        statement = statement.where(Requester.department == department)
    if active is not None:
        statement = statement.where(Requester.active == active)
    if search_term:
        statement = statement.where(
            _matches(search_term, Requester.first_name, Requester.last_name, Requester.email)
        )
    rows, info = paginate(
        session, statement, key=col(Requester.id), page=page, per_page=per_page, cursor=cursor
    )
    return RequestersPublic(
        requesters=[RequesterPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def get_requester(*, session: Session, caller: Caller, requester_id: int) -> RequesterPublic:
    requester = session.get(Requester, requester_id)
    if requester is None:
        raise NotFound("requester", "requester_id", requester_id)
    return RequesterPublic.model_validate(requester)


def requester_for_email(*, session: Session, email: str) -> Requester:
    """The requester with ``email`` (ignoring case), created on the spot if there is none.

    This is what helpdesks do with mail from an unknown sender: the person becomes a requester,
    named after the local part of the address ("jane.doe@x" becomes Jane Doe). The insert runs in
    a savepoint, so two calls racing on one new address end with one requester, not an error.
    """
    address = normalized_email(email)
    existing = _requester_by_email(session, address)
    if existing is not None:
        return existing
    first_name, last_name = _names_from_email(address)
    requester = Requester(email=address, first_name=first_name, last_name=last_name)
    try:
        with session.begin_nested():
            session.add(requester)
    except IntegrityError:
        existing = _requester_by_email(session, address)
        if existing is None:
            raise
        return existing
    return requester


def _requester_by_email(session: Session, address: str) -> Requester | None:
    statement = select(Requester).where(func.lower(Requester.email) == address).order_by(col(Requester.id))
    return session.exec(statement).first()


def _names_from_email(address: str) -> tuple[str, str]:
    local = address.split("@", 1)[0].split("+", 1)[0]
    parts = [part for part in re.split(r"[._-]+", local) if part]
    if not parts:
        return local[:120] or address[:120], ""
    first, *rest = (part.capitalize() for part in parts)
    return first[:120], " ".join(rest)[:120]


def _matches(term: str, *columns: Any) -> Any:
    needle = term.strip().lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


Memberships = dict[int, tuple[list[int], list[int]]]


def _memberships(session: Session, agent_ids: Sequence[int]) -> Memberships:
    """Workspace and group ids of ``agent_ids``, in one round trip."""
    result: Memberships = {agent_id: ([], []) for agent_id in agent_ids}
    if not agent_ids:
        return result
    workspaces: Select[int, int, int] = sql_select(
        col(AgentWorkspace.agent_id).label("agent_id"),
        col(AgentWorkspace.workspace_id).label("member_of"),
        literal(0).label("kind"),
    ).where(col(AgentWorkspace.agent_id).in_(agent_ids))
    groups: Select[int, int, int] = sql_select(
        col(AgentGroup.agent_id).label("agent_id"),
        col(AgentGroup.group_id).label("member_of"),
        literal(1).label("kind"),
    ).where(col(AgentGroup.agent_id).in_(agent_ids))
    combined = union_all(workspaces, groups).subquery()
    ordered = select(combined.c.agent_id, combined.c.member_of, combined.c.kind).order_by(
        combined.c.member_of
    )
    for agent_id, member_of, kind in session.exec(ordered):
        result[agent_id][kind].append(member_of)
    return result


def _agent_public(agent: Agent, memberships: Memberships) -> AgentPublic:
    workspace_ids, group_ids = memberships.get(agent.id or 0, ([], []))
    return AgentPublic.model_validate(agent, update={"workspace_ids": workspace_ids, "group_ids": group_ids})


MIN_PASSWORD_LENGTH = 12


def create_agent(
    *,
    session: Session,
    email: str,
    first_name: str,
    last_name: str = "",
    role: AgentRole,
    workspace_ids: Sequence[int],
    password: str,
) -> AgentPublic:
    """An operator's command, not a tool: an admin or agent who can sign in, in ``workspace_ids``."""
    address = normalized_email(email, field="email")
    if session.exec(select(Agent.id).where(func.lower(Agent.email) == address)).first() is not None:
        raise InvalidField("email", f"an agent with {address} exists already.")
    if _requester_by_email(session, address) is not None:
        raise InvalidField("email", f"{address} is a requester; agents and requesters need distinct emails.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidField("password", f"must be at least {MIN_PASSWORD_LENGTH} characters.")
    if not first_name.strip():
        raise InvalidField("first_name", "is required.")
    known = existing_workspace_ids(session)
    unknown = sorted(set(workspace_ids) - known)
    if unknown or (role == AgentRole.agent and not workspace_ids):
        raise InvalidField("workspace", "an agent needs one or more existing workspaces.", sorted(known))
    agent = Agent(
        email=address,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        password_hash=hash_password(password),
    )
    session.add(agent)
    session.flush()
    assert agent.id is not None
    session.add_all(AgentWorkspace(agent_id=agent.id, workspace_id=w) for w in sorted(set(workspace_ids)))
    session.flush()
    return _agent_public(agent, _memberships(session, [agent.id]))


def agent_by_email(session: Session, email: str) -> Agent:
    """The admin or agent with ``email`` (ignoring case); ``InvalidField`` for something that is
    not an email address, ``NotFound`` when no agent has it."""
    address = normalized_email(email, field="email")
    agent = session.exec(select(Agent).where(func.lower(Agent.email) == address)).first()
    if agent is None or agent.id is None:
        if _requester_by_email(session, address) is not None:
            raise InvalidField("email", f"{address} is a requester, not an admin or agent.")
        raise NotFound("agent", "email", address)
    return agent


def agent_public(session: Session, agent: Agent) -> AgentPublic:
    assert agent.id is not None
    return _agent_public(agent, _memberships(session, [agent.id]))


def active_admin_count(session: Session) -> int:
    statement = select(func.count()).select_from(Agent).where(Agent.role == AgentRole.admin, Agent.active)
    return int(session.exec(statement).one())


def existing_workspace_ids(session: Session) -> set[int]:
    return {workspace_id for workspace_id in session.exec(select(Workspace.id)).all() if workspace_id}


def create_requester(
    *, session: Session, email: str, first_name: str, last_name: str = "", department: str = ""
) -> RequesterPublic:
    """An operator's command: an end user tickets can be raised for (requesters never sign in)."""
    address = normalized_email(email, field="email")
    if _requester_by_email(session, address) is not None:
        raise InvalidField("email", f"a requester with {address} exists already.")
    if session.exec(select(Agent.id).where(func.lower(Agent.email) == address)).first() is not None:
        raise InvalidField("email", f"{address} is an agent; agents and requesters need distinct emails.")
    if not first_name.strip():
        raise InvalidField("first_name", "is required.")
    requester = Requester(
        email=address,
        first_name=first_name.strip()[:120],
        last_name=last_name.strip()[:120],
        department=department.strip()[:200],
    )
    session.add(requester)
    session.flush()
    return RequesterPublic.model_validate(requester)


def all_agents(*, session: Session) -> list[AgentPublic]:
    """Every admin and agent, by id (for the account-wide lists of the CLI and the console)."""
    agents: list[AgentPublic] = []
    page: int | None = 1
    while page is not None:
        listing = list_agents(session=session, caller=OPERATOR, page=page, per_page=MAX_PER_PAGE)
        agents.extend(listing.agents)
        page = listing.next_page
    return agents
