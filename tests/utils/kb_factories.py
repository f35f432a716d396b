"""Factories for onboarding, catalog and knowledge-base tests: rows with sensible defaults.

Each factory flushes (so the row has its id) and never commits; names and emails get a unique
suffix so that tests can make as many as they like.
"""

from __future__ import annotations

from itertools import count
from typing import Any, TypeVar

from sqlmodel import Session

from domain.caller import Caller
from domain.catalog.models import CatalogCategory, CatalogItem
from domain.onboarding.models import FormFieldType, OnboardingFormField
from domain.people.models import Agent, AgentRole, AgentWorkspace, Requester
from domain.solutions.models import ArticleStatus, SolutionArticle, SolutionCategory, SolutionFolder
from domain.workspaces.models import Workspace

R = TypeVar("R")

_serial = count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def _saved(session: Session, row: R) -> R:
    session.add(row)
    session.flush()
    return row


def kb_workspace(session: Session, name: str | None = None, *, is_default: bool = False) -> Workspace:
    return _saved(session, Workspace(name=name or _unique("Workspace"), is_default=is_default))


def kb_caller(session: Session, *workspaces: Workspace, admin: bool = False) -> Caller:
    """An agent (or admin) row belonging to ``workspaces``, returned as the ``Caller`` it would be."""
    agent = _saved(
        session,
        Agent(
            email=f"{_unique('agent')}@example.test",
            first_name="Alex",
            last_name="Agent",
            role=AgentRole.admin if admin else AgentRole.agent,
        ),
    )
    assert agent.id is not None
    for workspace in workspaces:
        assert workspace.id is not None
        session.add(AgentWorkspace(agent_id=agent.id, workspace_id=workspace.id))
    session.flush()
    return Caller(
        agent_id=agent.id,
        email=agent.email,
        is_admin=admin,
        workspace_ids=frozenset(w.id for w in workspaces if w.id is not None),
    )


def kb_requester(
    session: Session, *, first_name: str = "Robin", last_name: str = "Reed", **fields: Any
) -> Requester:
    fields.setdefault("email", f"{_unique('requester')}@example.test")
    return _saved(session, Requester(first_name=first_name, last_name=last_name, **fields))


def kb_form_field(
    session: Session,
    name: str,
    field_type: FormFieldType = FormFieldType.text,
    *,
    required: bool = False,
    choices: list[str] | None = None,
    position: int = 0,
) -> OnboardingFormField:
    label = name.replace("_", " ").capitalize()
    return _saved(
        session,
        OnboardingFormField(
            name=name,
            label=label,
            field_type=field_type,
            required=required,
            choices=choices or [],
            position=position,
        ),
    )


def kb_catalog_category(session: Session, workspace: Workspace, name: str | None = None) -> CatalogCategory:
    assert workspace.id is not None
    return _saved(session, CatalogCategory(name=name or _unique("Category"), workspace_id=workspace.id))


def kb_catalog_item(
    session: Session,
    category: CatalogCategory,
    name: str | None = None,
    *,
    short_description: str = "",
    description: str = "",
    custom_fields: list[dict[str, Any]] | None = None,
    active: bool = True,
) -> CatalogItem:
    assert category.id is not None
    return _saved(
        session,
        CatalogItem(
            name=name or _unique("Item"),
            short_description=short_description,
            description=description,
            category_id=category.id,
            workspace_id=category.workspace_id,
            custom_fields=custom_fields or [],
            active=active,
        ),
    )


def kb_solution_category(session: Session, workspace: Workspace, name: str | None = None) -> SolutionCategory:
    assert workspace.id is not None
    return _saved(session, SolutionCategory(name=name or _unique("Category"), workspace_id=workspace.id))


def kb_solution_folder(
    session: Session, category: SolutionCategory, name: str | None = None
) -> SolutionFolder:
    assert category.id is not None
    return _saved(
        session,
        SolutionFolder(
            name=name or _unique("Folder"), category_id=category.id, workspace_id=category.workspace_id
        ),
    )


def kb_article(
    session: Session,
    folder: SolutionFolder,
    title: str,
    body: str = "",
    *,
    tags: list[str] | None = None,
    status: ArticleStatus = ArticleStatus.published,
) -> SolutionArticle:
    assert folder.id is not None
    return _saved(
        session,
        SolutionArticle(
            title=title,
            body=body or f"{title}. Follow the steps below.",
            status=status,
            folder_id=folder.id,
            workspace_id=folder.workspace_id,
            tags=tags or [],
        ),
    )
