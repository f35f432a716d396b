"""Assets, addressed by their display id (the number people read on the label)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.assets.models import (
    Asset,
    AssetCreate,
    AssetPublic,
    AssetsPublic,
    AssetState,
    AssetType,
    AssetUpdate,
)
from domain.caller import Caller, ensure_visible, scope_to_caller
from domain.checks import aware_utc, bounded_text, clean_attributes, coerce_enum, required_text
from domain.errors import Conflict, InvalidField, NotFound
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.people.models import Requester
from domain.types import utcnow
from domain.workspaces.service import resolve_workspace_id

DISPLAY_ID_ATTEMPTS = 5

_TEXT_LIMITS = {"name": 255, "description": 10000, "serial_number": 120, "vendor": 120}
_ENUM_FIELDS: dict[str, Any] = {"asset_type": AssetType, "state": AssetState}
_NOT_NULL = ("name", "description", "serial_number", "vendor", "custom_attributes", "workspace_id")


def list_assets(
    *,
    session: Session,
    caller: Caller,
    asset_type: AssetType | str | None = None,
    state: AssetState | str | None = None,
    workspace_id: int | None = None,
    assigned_requester_id: int | None = None,
    search_term: str | None = None,
    updated_since: datetime | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> AssetsPublic:
    """Assets the caller can see, by id; ``search_term`` matches part of the name or serial number."""
    statement = scope_to_caller(select(Asset), Asset.workspace_id, caller)
    if asset_type is not None:
        statement = statement.where(
            Asset.asset_type == coerce_enum(AssetType, asset_type, field="asset_type")
        )
    if state is not None:
        statement = statement.where(Asset.state == coerce_enum(AssetState, state, field="state"))
    if workspace_id is not None:
        statement = statement.where(Asset.workspace_id == workspace_id)
    if assigned_requester_id is not None:
        statement = statement.where(Asset.assigned_requester_id == assigned_requester_id)
    if search_term:
        needle = search_term.strip().lower()
        statement = statement.where(
            or_(
                func.lower(Asset.name).contains(needle, autoescape=True),
                func.lower(Asset.serial_number).contains(needle, autoescape=True),
            )
        )
    if updated_since is not None:
        statement = statement.where(col(Asset.updated_at) >= aware_utc(updated_since, field="updated_since"))
    rows, info = paginate(session, statement, key=col(Asset.id), page=page, per_page=per_page, cursor=cursor)
    return AssetsPublic(assets=[AssetPublic.model_validate(row) for row in rows], **info.model_dump())


def get_asset(*, session: Session, caller: Caller, display_id: int) -> AssetPublic:
    return AssetPublic.model_validate(_visible_asset(session, caller, display_id))


def create_asset(*, session: Session, caller: Caller, asset_in: AssetCreate) -> AssetPublic:
    """Create an asset in a workspace the caller belongs to, numbered after the highest display id.

    Two concurrent creations may pick the same number; the unique constraint refuses the second,
    whose insert is undone alone (a savepoint) and retried with the next number.
    """
    workspace_id = resolve_workspace_id(session=session, caller=caller, workspace_id=asset_in.workspace_id)
    fields = _checked(session, asset_in.model_dump(exclude={"workspace_id"}))
    fields["name"] = required_text(fields["name"], field="name", max_length=_TEXT_LIMITS["name"])
    for _attempt in range(DISPLAY_ID_ATTEMPTS):
        now = utcnow()
        asset = Asset(
            **fields,
            display_id=_next_display_id(session),
            workspace_id=workspace_id,
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(asset)
        except IntegrityError:
            continue
        return AssetPublic.model_validate(asset)
    raise Conflict("Could not number the new asset while others were being created; try again.")


def update_asset(*, session: Session, caller: Caller, display_id: int, changes: AssetUpdate) -> AssetPublic:
    """Change only the fields given; ``assigned_requester_id`` may be null (unassigned).

    ``custom_attributes``, when given, replaces the whole mapping.
    """
    asset = _visible_asset(session, caller, display_id)
    given = changes.model_dump(exclude_unset=True)
    if not given:
        return AssetPublic.model_validate(asset)
    for name in (*_NOT_NULL, *_ENUM_FIELDS):
        if name in given and given[name] is None:
            allowed = [member.value for member in _ENUM_FIELDS[name]] if name in _ENUM_FIELDS else None
            raise InvalidField(name, "cannot be null.", allowed)
    if "workspace_id" in given:
        given["workspace_id"] = resolve_workspace_id(
            session=session, caller=caller, workspace_id=given["workspace_id"]
        )
    given = _checked(session, given)
    if "name" in given:
        given["name"] = required_text(given["name"], field="name", max_length=_TEXT_LIMITS["name"])
    for name, value in given.items():
        setattr(asset, name, value)
    asset.updated_at = utcnow()
    session.add(asset)
    session.flush()
    return AssetPublic.model_validate(asset)


def _checked(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    """Check the writable fields present in ``fields`` (enums, lengths, attributes, requester)."""
    checked = dict(fields)
    for name, cls in _ENUM_FIELDS.items():
        if name in checked:
            checked[name] = coerce_enum(cls, checked[name], field=name)
    for name, limit in _TEXT_LIMITS.items():
        if name in checked:
            checked[name] = bounded_text(checked[name].strip(), field=name, max_length=limit)
    if "custom_attributes" in checked:
        checked["custom_attributes"] = clean_attributes(checked["custom_attributes"])
    requester_id = checked.get("assigned_requester_id")
    if requester_id is not None and session.get(Requester, requester_id) is None:
        raise InvalidField("assigned_requester_id", f"there is no requester {requester_id}.")
    return checked


def _next_display_id(session: Session) -> int:
    # Display ids are unique across the account, so the maximum is taken over every workspace; it
    # reveals no more than the asset labels themselves do.
    highest = session.exec(select(func.max(Asset.display_id))).one()
    return (highest or 0) + 1


def _visible_asset(session: Session, caller: Caller, display_id: int) -> Asset:
    asset = session.exec(select(Asset).where(Asset.display_id == display_id)).first()
    if asset is None:
        raise NotFound("asset", "display_id", display_id)
    ensure_visible(caller, asset.workspace_id, "asset", "display_id", display_id)
    return asset
