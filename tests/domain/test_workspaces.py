from __future__ import annotations

import pytest
from sqlmodel import Session

from domain.errors import InvalidField, NotFound
from domain.people.models import AgentRole
from domain.workspaces import service
from tests.utils.factories import caller_for, make_agent, make_workspace


def test_agent_lists_only_its_workspaces(session: Session) -> None:
    mine = make_workspace(session)
    make_workspace(session)
    agent = make_agent(session, workspaces=[mine])

    listed = service.list_workspaces(session=session, caller=caller_for(session, agent))

    assert [workspace.id for workspace in listed.workspaces] == [mine.id]
    assert (listed.total, listed.next_page) == (1, None)


def test_admin_lists_every_workspace_in_pages(session: Session) -> None:
    workspaces = [make_workspace(session) for _ in range(3)]
    admin = caller_for(session, make_agent(session, role=AgentRole.admin))

    first = service.list_workspaces(session=session, caller=admin, per_page=2)
    second = service.list_workspaces(session=session, caller=admin, page=2, per_page=2)

    assert [w.id for w in first.workspaces + second.workspaces] == [w.id for w in workspaces]
    assert (first.next_page, second.next_page) == (2, None)


def test_foreign_workspace_is_not_found(session: Session) -> None:
    foreign = make_workspace(session)
    agent = make_agent(session, workspaces=[make_workspace(session)])

    with pytest.raises(NotFound, match="workspace_id"):
        service.get_workspace(session=session, caller=caller_for(session, agent), workspace_id=foreign.id)


def test_agent_without_workspace_cannot_pick_one(session: Session) -> None:
    make_workspace(session, is_default=True)
    loner = caller_for(session, make_agent(session))

    with pytest.raises(InvalidField, match="no workspace") as raised:
        service.resolve_workspace_id(session=session, caller=loner, workspace_id=None)
    assert raised.value.field == "workspace_id"
    assert service.list_workspaces(session=session, caller=loner).total == 0


def test_admin_writes_to_the_default_workspace(session: Session) -> None:
    make_workspace(session)
    default = make_workspace(session, is_default=True)
    admin = caller_for(session, make_agent(session, role=AgentRole.admin))

    assert service.resolve_workspace_id(session=session, caller=admin, workspace_id=None) == default.id


def test_unknown_workspace_id_lists_the_usable_ones(session: Session) -> None:
    mine = make_workspace(session)
    agent = caller_for(session, make_agent(session, workspaces=[mine]))

    with pytest.raises(InvalidField, match=f"Allowed values: {mine.id}\\."):
        service.resolve_workspace_id(session=session, caller=agent, workspace_id=987654)
