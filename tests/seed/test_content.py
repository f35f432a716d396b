"""What the default dataset (scale 1) holds: sizes, demo logins, and rows that hang together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.assets.models import Asset
from domain.catalog.models import CatalogItem
from domain.onboarding.models import (
    FormFieldType,
    OffboardingRequest,
    OnboardingFormField,
    OnboardingRequest,
    RequestStatus,
)
from domain.people.models import Agent, AgentRole, AgentWorkspace, Requester
from domain.people.passwords import verify_password
from domain.solutions.models import ArticleStatus, SolutionArticle
from domain.tickets.models import Ticket, TicketNote, TicketType
from domain.workspaces.models import Workspace
from schema import metadata
from seed import DEMO_PASSWORD, SeedSummary, seed_database
from seed.demo import ADMIN_EMAIL, AGENT_EMAIL, IT_WORKSPACE_ID, REQUESTER_EMAIL
from seed.plan import END, START
from tests.seed.conftest import MakeDatabase


@pytest.fixture(scope="module")
def seeded(make_module_database: MakeDatabase) -> tuple[Engine, SeedSummary]:
    engine = make_module_database("default_scale")
    return engine, seed_database(engine)


@pytest.fixture
def session(seeded: tuple[Engine, SeedSummary]) -> Iterator[Session]:
    with Session(seeded[0]) as session:
        yield session


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_default_scale_has_the_documented_sizes(seeded: tuple[Engine, SeedSummary], session: Session) -> None:
    counts = seeded[1].counts
    assert counts["workspace"] == 3
    assert counts["agent"] == 40
    assert counts["requester"] == 400
    assert counts["ticket"] == 5000
    assert 5000 <= counts["ticket_note"] <= 4 * 5000
    assert counts["asset"] == 1500
    assert counts["catalog_category"] >= 3
    assert counts["catalog_item"] == 30
    assert counts["solution_category"] == 6
    assert counts["solution_folder"] == 20
    assert counts["solution_article"] == 300
    assert 8 <= counts["onboarding_form_field"] <= 10
    assert 24 <= counts["onboarding_request"] <= 60
    assert 10 <= counts["offboarding_request"] <= 40
    # The summary counts what is in the database.
    assert count(session, Ticket) == counts["ticket"]
    assert count(session, TicketNote) == counts["ticket_note"]


def test_workspaces_are_it_hr_and_facilities_with_it_the_default(session: Session) -> None:
    workspaces = session.exec(select(Workspace).order_by(col(Workspace.id))).all()
    assert [(w.id, w.name, w.is_default) for w in workspaces] == [
        (1, "IT", True),
        (2, "HR", False),
        (3, "Facilities", False),
    ]


def test_demo_logins_have_the_documented_roles_and_password(session: Session) -> None:
    admin = session.exec(select(Agent).where(Agent.email == ADMIN_EMAIL)).one()
    agent = session.exec(select(Agent).where(Agent.email == AGENT_EMAIL)).one()
    requester = session.exec(select(Requester).where(Requester.email == REQUESTER_EMAIL)).one()

    assert (admin.role, agent.role) == (AgentRole.admin, AgentRole.agent)
    assert session.exec(select(Agent).where(Agent.email == REQUESTER_EMAIL)).first() is None
    for account in (admin, agent, requester):
        assert verify_password(account.password_hash, DEMO_PASSWORD)
        assert not verify_password(account.password_hash, "not-the-password")
    assert _workspaces_of(session, admin.id) == {1, 2, 3}
    assert _workspaces_of(session, agent.id) == {IT_WORKSPACE_ID}


def test_only_the_demo_accounts_have_a_password(session: Session) -> None:
    agents = session.exec(select(Agent.email).where(col(Agent.password_hash).is_not(None))).all()
    requesters = session.exec(select(Requester.email).where(col(Requester.password_hash).is_not(None))).all()
    assert sorted(agents) == sorted([ADMIN_EMAIL, AGENT_EMAIL])
    assert requesters == [REQUESTER_EMAIL]


def test_demo_agent_has_work_in_its_workspace_and_others_have_work_elsewhere(session: Session) -> None:
    agent = session.exec(select(Agent).where(Agent.email == AGENT_EMAIL)).one()
    per_workspace = Counter(session.exec(select(Ticket.workspace_id)).all())
    assert per_workspace[IT_WORKSPACE_ID] >= 2000
    assert per_workspace[2] >= 300 and per_workspace[3] >= 300
    assigned = session.exec(select(Ticket).where(Ticket.agent_id == agent.id)).all()
    assert len(assigned) >= 100
    assert {t.workspace_id for t in assigned} == {IT_WORKSPACE_ID}
    assert any(t.status == "open" for t in assigned)


def test_every_group_workspace_has_agents_and_every_agent_a_workspace(session: Session) -> None:
    members = session.exec(select(AgentWorkspace)).all()
    assert {m.agent_id for m in members} == set(session.exec(select(Agent.id)).all())
    assert {m.workspace_id for m in members} == {1, 2, 3}


def test_tickets_are_assigned_within_their_workspace(session: Session) -> None:
    memberships = {(m.agent_id, m.workspace_id) for m in session.exec(select(AgentWorkspace)).all()}
    for agent_id, workspace_id in session.exec(
        select(Ticket.agent_id, Ticket.workspace_id).where(col(Ticket.agent_id).is_not(None))
    ).all():
        assert (agent_id, workspace_id) in memberships


def test_catalog_items_have_custom_fields_of_the_form_field_shape(session: Session) -> None:
    items = session.exec(select(CatalogItem)).all()
    assert sum(1 for item in items if item.custom_fields) >= 25
    for item in items:
        for field in item.custom_fields:
            assert set(field) == {"name", "label", "field_type", "required", "choices"}
            assert FormFieldType(field["field_type"])
            assert bool(field["choices"]) == (field["field_type"] == FormFieldType.dropdown)


def test_catalog_tickets_are_service_requests_answering_their_items_fields(session: Session) -> None:
    items = {item.id: item for item in session.exec(select(CatalogItem)).all()}
    tickets = session.exec(select(Ticket).where(col(Ticket.catalog_item_id).is_not(None))).all()
    assert len(tickets) >= 300
    for ticket in tickets:
        assert ticket.catalog_item_id is not None
        item = items[ticket.catalog_item_id]
        assert ticket.type == TicketType.service_request
        assert ticket.workspace_id == item.workspace_id
        assert ticket.catalog_fields is not None
        for field in item.custom_fields:
            if field["required"]:
                assert field["name"] in ticket.catalog_fields
            if field["choices"] and field["name"] in ticket.catalog_fields:
                assert ticket.catalog_fields[field["name"]] in field["choices"]


def test_every_offboarding_request_has_child_tickets(session: Session) -> None:
    requests = session.exec(select(OffboardingRequest)).all()
    children = Counter(
        session.exec(
            select(Ticket.offboarding_request_id).where(col(Ticket.offboarding_request_id).is_not(None))
        ).all()
    )
    for request in requests:
        assert children[request.id] >= 2
        assert request.employee_id != request.requester_id
        employee = session.get(Requester, request.employee_id)
        assert employee is not None
        if request.status == RequestStatus.completed:
            assert not employee.active


def test_onboarding_requests_answer_the_form(session: Session) -> None:
    form = session.exec(select(OnboardingFormField)).all()
    types = {field.field_type for field in form}
    assert {FormFieldType.dropdown, FormFieldType.date, FormFieldType.email, FormFieldType.checkbox} <= types
    assert any(field.required for field in form) and not all(field.required for field in form)
    for request in session.exec(select(OnboardingRequest)).all():
        for field in form:
            if field.required:
                assert field.name in request.fields
            if field.choices and field.name in request.fields:
                assert request.fields[field.name] in field.choices


def test_knowledge_base_has_distinct_titles_and_both_statuses(session: Session) -> None:
    articles = session.exec(select(SolutionArticle)).all()
    titles = [article.title for article in articles]
    assert len(set(titles)) == len(titles)
    statuses = Counter(article.status for article in articles)
    assert statuses[ArticleStatus.draft] >= 20 and statuses[ArticleStatus.published] >= 200
    for word in ("password", "vpn", "printer", "mfa", "outlook", "laptop", "onboarding"):
        assert any(word in title.lower() for title in titles), word
    assert all(article.body.count("\n\n") >= 3 for article in articles)


def test_asset_names_carry_their_display_id(session: Session) -> None:
    assets = session.exec(select(Asset)).all()
    assert len({asset.display_id for asset in assets}) == len(assets)
    for asset in assets:
        assert asset.name.endswith(f"-{asset.display_id:05d}")


def test_timestamps_are_in_the_first_half_of_2026_and_in_order(session: Session) -> None:
    tickets = session.exec(select(Ticket).order_by(col(Ticket.id))).all()
    created = [ticket.created_at for ticket in tickets]
    assert created == sorted(created), "ticket ids rise with creation time"
    for ticket in tickets:
        _in_range(ticket.created_at, ticket.updated_at)
        assert ticket.created_at.tzinfo is not None
    created_of = {ticket.id: ticket for ticket in tickets}
    for note in session.exec(select(TicketNote)).all():
        ticket = created_of[note.ticket_id]
        assert ticket.created_at <= note.created_at <= ticket.updated_at
    for name in ("agent", "requester", "asset", "catalog_item", "solution_article", "onboarding_request",
                 "offboarding_request"):  # fmt: skip
        table = metadata.tables[name]
        for created_at, updated_at in session.execute(select(table.c.created_at, table.c.updated_at)).all():
            _in_range(created_at, updated_at)


def test_notes_come_from_the_assigned_agent_or_the_requester(session: Session) -> None:
    tickets = {t.id: t for t in session.exec(select(Ticket)).all()}
    per_ticket = Counter[int]()
    for note in session.exec(select(TicketNote)).all():
        ticket = tickets[note.ticket_id]
        per_ticket[note.ticket_id] += 1
        if note.agent_id is not None:
            assert note.agent_id == ticket.agent_id and note.requester_id is None
        else:
            assert note.requester_id == ticket.requester_id and not note.private
    assert max(per_ticket.values()) <= 4


def _in_range(created: datetime, updated: datetime) -> None:
    assert START <= created <= updated <= END


def _workspaces_of(session: Session, agent_id: int | None) -> set[int]:
    statement = select(AgentWorkspace.workspace_id).where(AgentWorkspace.agent_id == agent_id)
    return set(session.exec(statement).all())
