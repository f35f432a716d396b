from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from domain.assets import service
from domain.assets.models import AssetCreate, AssetState, AssetType, AssetUpdate
from domain.caller import Caller
from domain.errors import InvalidField, NotFound
from domain.people.models import AgentRole, Requester
from domain.workspaces.models import Workspace
from tests.utils.factories import caller_for, make_agent, make_asset, make_requester, make_workspace

PAST = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class World:
    home: Workspace
    away: Workspace
    as_agent: Caller
    as_admin: Caller
    requester: Requester


@pytest.fixture
def world(session: Session) -> World:
    home, away = make_workspace(session), make_workspace(session)
    return World(
        home=home,
        away=away,
        as_agent=caller_for(session, make_agent(session, workspaces=[home])),
        as_admin=caller_for(session, make_agent(session, role=AgentRole.admin)),
        requester=make_requester(session),
    )


def test_agent_cannot_read_or_update_a_foreign_asset(session: Session, world: World) -> None:
    foreign = make_asset(session, workspace=world.away)

    with pytest.raises(NotFound, match="display_id"):
        service.get_asset(session=session, caller=world.as_agent, display_id=foreign.display_id)
    with pytest.raises(NotFound, match="display_id"):
        service.update_asset(
            session=session,
            caller=world.as_agent,
            display_id=foreign.display_id,
            changes=AssetUpdate(name="x"),
        )
    assert service.list_assets(session=session, caller=world.as_agent).total == 0
    seen_by_admin = service.get_asset(session=session, caller=world.as_admin, display_id=foreign.display_id)
    assert seen_by_admin.id == foreign.id


def test_list_filters_and_search(session: Session, world: World) -> None:
    laptop = make_asset(session, workspace=world.home, name="ThinkPad X1", serial_number="PF-123")
    monitor = make_asset(session, workspace=world.home, asset_type=AssetType.monitor, state=AssetState.in_use)
    lent = make_asset(session, workspace=world.home, assigned_requester_id=world.requester.id)
    old = make_asset(session, workspace=world.home, updated_at=PAST)
    make_asset(session, workspace=world.away)

    def ids(**filters: object) -> list[int]:
        listed = service.list_assets(session=session, caller=world.as_agent, **filters)  # type: ignore[arg-type]
        return [asset.display_id for asset in listed.assets]

    assert ids() == [laptop.display_id, monitor.display_id, lent.display_id, old.display_id]
    assert ids(asset_type="monitor") == [monitor.display_id]
    assert ids(state=AssetState.in_use) == [monitor.display_id]
    assert ids(assigned_requester_id=world.requester.id) == [lent.display_id]
    assert ids(search_term="thinkpad") == ids(search_term="pf-1") == [laptop.display_id]
    assert old.display_id not in ids(updated_since=datetime(2021, 1, 1, tzinfo=UTC))
    assert ids(workspace_id=world.away.id) == []
    with pytest.raises(InvalidField, match=r"'asset_type'.*laptop"):
        ids(asset_type="toaster")
    with pytest.raises(InvalidField, match=r"'state'.*in_stock"):
        ids(state="lost")


def test_pages_walk_every_asset_once(session: Session, world: World) -> None:
    created = [make_asset(session, workspace=world.home).id for _ in range(5)]

    seen: list[int] = []
    page: int | None = 1
    while page is not None:
        listed = service.list_assets(session=session, caller=world.as_agent, page=page, per_page=2)
        seen += [asset.id for asset in listed.assets]
        page = listed.next_page

    assert seen == created
    with pytest.raises(InvalidField, match="'page'"):
        service.list_assets(session=session, caller=world.as_agent, page=4, per_page=2)


def test_create_numbers_assets_after_the_highest_display_id(session: Session, world: World) -> None:
    make_asset(session, workspace=world.away, display_id=41)

    created = service.create_asset(
        session=session,
        caller=world.as_agent,
        asset_in=AssetCreate(
            name=" MacBook Pro ",
            asset_type=AssetType.laptop,
            assigned_requester_id=world.requester.id,
            custom_attributes={"ram_gb": 32, "colour": "grey"},
        ),
    )

    assert (created.display_id, created.name, created.workspace_id) == (42, "MacBook Pro", world.home.id)
    assert (created.state, created.custom_attributes) == ("in_stock", {"ram_gb": 32, "colour": "grey"})
    assert service.get_asset(session=session, caller=world.as_agent, display_id=42) == created


def test_create_retries_when_the_display_id_was_just_taken(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = make_asset(session, workspace=world.home)
    numbers = iter([taken.display_id, taken.display_id + 1])
    # Another writer committed the same number between our read of the maximum and our insert.
    monkeypatch.setattr(service, "_next_display_id", lambda _session: next(numbers))

    created = service.create_asset(
        session=session, caller=world.as_agent, asset_in=AssetCreate(name="Dock", asset_type="monitor")
    )

    assert created.display_id == taken.display_id + 1
    assert service.list_assets(session=session, caller=world.as_agent).total == 2


def test_create_checks_its_fields(session: Session, world: World) -> None:
    cases = [
        ({"name": " "}, "name"),
        ({"assigned_requester_id": 987654}, "assigned_requester_id"),
        ({"workspace_id": world.away.id}, "workspace_id"),
        ({"custom_attributes": {"nested": {"a": 1}}}, "custom_attributes"),
        ({"serial_number": "x" * 121}, "serial_number"),
    ]
    for extra, field in cases:
        asset_in = AssetCreate(**({"name": "Laptop", "asset_type": AssetType.laptop} | extra))
        with pytest.raises(InvalidField) as raised:
            service.create_asset(session=session, caller=world.as_agent, asset_in=asset_in)
        assert raised.value.field == field


def test_update_changes_only_the_fields_given(session: Session, world: World) -> None:
    asset = make_asset(
        session,
        workspace=world.home,
        vendor="Lenovo",
        assigned_requester_id=world.requester.id,
        custom_attributes={"ram_gb": 16},
        updated_at=PAST,
    )

    updated = service.update_asset(
        session=session,
        caller=world.as_agent,
        display_id=asset.display_id,
        changes=AssetUpdate(state=AssetState.in_repair),
    )

    assert updated.state == "in_repair"
    assert (updated.vendor, updated.assigned_requester_id, updated.custom_attributes) == (
        "Lenovo",
        world.requester.id,
        {"ram_gb": 16},
    )
    assert updated.updated_at > PAST
    unassigned = service.update_asset(
        session=session,
        caller=world.as_agent,
        display_id=asset.display_id,
        changes=AssetUpdate(assigned_requester_id=None),
    )
    assert unassigned.assigned_requester_id is None


def test_update_refuses_bad_values(session: Session, world: World) -> None:
    asset = make_asset(session, workspace=world.home)

    for changes, field in [
        (AssetUpdate(state=None), "state"),
        (AssetUpdate(name=None), "name"),
        (AssetUpdate(assigned_requester_id=987654), "assigned_requester_id"),
        (AssetUpdate(workspace_id=world.away.id), "workspace_id"),
    ]:
        with pytest.raises(InvalidField) as raised:
            service.update_asset(
                session=session, caller=world.as_agent, display_id=asset.display_id, changes=changes
            )
        assert raised.value.field == field


def test_admin_moves_an_asset_out_of_an_agents_sight(session: Session, world: World) -> None:
    asset = make_asset(session, workspace=world.home)

    moved = service.update_asset(
        session=session,
        caller=world.as_admin,
        display_id=asset.display_id,
        changes=AssetUpdate(workspace_id=world.away.id),
    )

    assert moved.workspace_id == world.away.id
    with pytest.raises(NotFound):
        service.get_asset(session=session, caller=world.as_agent, display_id=asset.display_id)
