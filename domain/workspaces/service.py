"""Workspaces: which ones a caller sees, and which one a new record lands in."""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.caller import Caller, ensure_visible, scope_to_caller
from domain.errors import InvalidField, NotFound
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.workspaces.models import Workspace, WorkspacePublic, WorkspacesPublic


def list_workspaces(
    *,
    session: Session,
    caller: Caller,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> WorkspacesPublic:
    """The workspaces the caller belongs to (every workspace for an admin), by id."""
    statement = scope_to_caller(select(Workspace), Workspace.id, caller)
    rows, info = paginate(
        session, statement, key=col(Workspace.id), page=page, per_page=per_page, cursor=cursor
    )
    return WorkspacesPublic(
        workspaces=[WorkspacePublic.model_validate(row) for row in rows], **info.model_dump()
    )


def get_workspace(*, session: Session, caller: Caller, workspace_id: int) -> WorkspacePublic:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("workspace", "workspace_id", workspace_id)
    ensure_visible(caller, workspace.id, "workspace", "workspace_id", workspace_id)
    return WorkspacePublic.model_validate(workspace)


def resolve_workspace_id(*, session: Session, caller: Caller, workspace_id: int | None) -> int:
    """The workspace a record created (or moved) by ``caller`` goes to.

    An explicit ``workspace_id`` must exist and be one the caller belongs to. Without one: the
    agent's only workspace, else the account's default workspace if the caller belongs to it,
    else (for an admin of a one-workspace account) that workspace; otherwise the caller must choose.
    """
    if workspace_id is not None:
        if caller.can_see_workspace(workspace_id) and session.get(Workspace, workspace_id) is not None:
            return workspace_id
        raise InvalidField(
            "workspace_id",
            f"there is no workspace {workspace_id} that you belong to.",
            _usable_workspace_ids(session, caller),
        )
    if not caller.is_admin and len(caller.workspace_ids) == 1:
        return next(iter(caller.workspace_ids))
    default_id = session.exec(select(Workspace.id).where(col(Workspace.is_default))).first()
    if default_id is not None and caller.can_see_workspace(default_id):
        return default_id
    usable = _usable_workspace_ids(session, caller)
    if caller.is_admin and len(usable) == 1:
        return usable[0]
    if not usable:
        raise InvalidField("workspace_id", "you belong to no workspace; ask an admin to add you to one.")
    raise InvalidField("workspace_id", "is required because you belong to several workspaces.", usable)


def _usable_workspace_ids(session: Session, caller: Caller) -> list[int]:
    statement = scope_to_caller(select(Workspace.id), Workspace.id, caller).order_by(col(Workspace.id))
    return [workspace_id for workspace_id in session.exec(statement).all() if workspace_id is not None]


def create_workspace(
    *, session: Session, name: str, description: str = "", is_default: bool = False
) -> WorkspacePublic:
    """An operator's command, not a tool: a new workspace (the first one is the default)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidField("name", "must be 1 to 120 characters.")
    if session.exec(select(Workspace.id).where(Workspace.name == name)).first() is not None:
        raise InvalidField("name", f"a workspace named {name!r} exists already.")
    first = session.exec(select(Workspace.id)).first() is None
    if is_default:
        for other in session.exec(select(Workspace).where(col(Workspace.is_default))).all():
            other.is_default = False
            session.add(other)
    workspace = Workspace(name=name, description=description.strip(), is_default=is_default or first)
    session.add(workspace)
    session.flush()
    return WorkspacePublic.model_validate(workspace)
