from __future__ import annotations

import pytest
from sqlmodel import Session

from domain.errors import InvalidField, NotFound
from domain.people import service
from domain.people.models import AgentRole
from tests.utils.factories import caller_for, make_agent, make_group, make_requester, make_workspace
from tests.utils.queries import count_queries


def test_agents_are_visible_to_every_agent_with_their_memberships(session: Session) -> None:
    home, away = make_workspace(session), make_workspace(session)
    group = make_group(session, workspace=away)
    me = make_agent(session, workspaces=[home])
    colleague = make_agent(session, workspaces=[away, home], groups=[group])

    listed = service.list_agents(session=session, caller=caller_for(session, me))

    by_id = {agent.id: agent for agent in listed.agents}
    assert list(by_id) == [me.id, colleague.id]
    assert by_id[colleague.id].workspace_ids == sorted([home.id, away.id])
    assert by_id[colleague.id].group_ids == [group.id]
    assert (by_id[me.id].workspace_ids, by_id[me.id].group_ids) == ([home.id], [])
    fetched = service.get_agent(session=session, caller=caller_for(session, me), agent_id=colleague.id)
    assert fetched == by_id[colleague.id]


def test_agent_list_pages_in_three_queries(session: Session) -> None:
    workspace = make_workspace(session)
    agents = [make_agent(session, workspaces=[workspace]) for _ in range(4)]
    caller = caller_for(session, agents[0])

    with count_queries(session) as queries:
        listed = service.list_agents(session=session, caller=caller, per_page=3)

    assert len(queries) == 3
    assert all(agent.workspace_ids == [workspace.id] for agent in listed.agents)


def test_agent_filters(session: Session) -> None:
    home, away = make_workspace(session), make_workspace(session)
    group = make_group(session, workspace=home)
    admin = make_agent(session, role=AgentRole.admin, first_name="Grace")
    member = make_agent(session, workspaces=[home], groups=[group])
    retired = make_agent(session, workspaces=[away], active=False)
    caller = caller_for(session, admin)

    def ids(**filters: object) -> list[int]:
        listed = service.list_agents(session=session, caller=caller, **filters)  # type: ignore[arg-type]
        return [agent.id for agent in listed.agents]

    assert ids(role="admin") == [admin.id]
    assert ids(active=False) == [retired.id]
    assert ids(workspace_id=home.id) == [member.id]
    assert ids(group_id=group.id) == [member.id]
    assert ids(email=member.email.upper()) == [member.id]
    assert ids(search_term="grac") == [admin.id]
    with pytest.raises(InvalidField, match=r"'role'.*admin, agent"):
        ids(role="owner")


def test_unknown_agent_and_requester_are_not_found(session: Session) -> None:
    caller = caller_for(session, make_agent(session, role=AgentRole.admin))

    with pytest.raises(NotFound, match="agent_id"):
        service.get_agent(session=session, caller=caller, agent_id=987654)
    with pytest.raises(NotFound, match="requester_id"):
        service.get_requester(session=session, caller=caller, requester_id=987654)


def test_requesters_list_and_filter(session: Session) -> None:
    caller = caller_for(session, make_agent(session, workspaces=[make_workspace(session)]))
    finance = make_requester(session, department="Finance", first_name="Ada", last_name="Lovelace")
    other = make_requester(session, department="Sales", active=False)

    def ids(**filters: object) -> list[int]:
        listed = service.list_requesters(session=session, caller=caller, **filters)  # type: ignore[arg-type]
        return [requester.id for requester in listed.requesters]

    assert ids() == [finance.id, other.id]
    assert ids(department="Finance") == [finance.id]
    assert ids(active=False) == [other.id]
    assert ids(email=f"  {finance.email.upper()} ") == [finance.id]
    assert ids(search_term="LOVE") == [finance.id]
    assert ids(search_term="%") == []
    assert service.get_requester(session=session, caller=caller, requester_id=other.id).department == "Sales"


def test_requester_for_email_finds_or_creates(session: Session) -> None:
    known = make_requester(session, email="Known.Person@example.com")

    assert service.requester_for_email(session=session, email="known.person@EXAMPLE.com").id == known.id
    created = service.requester_for_email(session=session, email="sam_o-neil@example.org")
    assert (created.first_name, created.last_name) == ("Sam", "O Neil")
    with pytest.raises(InvalidField, match="'email'"):
        service.requester_for_email(session=session, email="nobody")
