"""The knowledge base: categories → folders → articles, and searching articles by relevance.

A folder takes its workspace from its category, an article from its folder, so that a whole
branch of the tree is visible to the same agents. Agents see drafts as well as published
articles (they write them); every summary carries its status.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.caller import Caller, ensure_visible, scope_to_caller
from domain.errors import Conflict, InvalidField, NotFound
from domain.pagination import DEFAULT_PER_PAGE, paginate
from domain.search import ARTICLE_INDEX, rank_by_relevance, search_words
from domain.solutions.models import (
    ArticleStatus,
    SolutionArticle,
    SolutionArticleCreate,
    SolutionArticlePublic,
    SolutionArticleSearchResult,
    SolutionArticleSearchResults,
    SolutionArticlesPublic,
    SolutionArticleSummary,
    SolutionArticleUpdate,
    SolutionCategoriesPublic,
    SolutionCategory,
    SolutionCategoryPublic,
    SolutionFolder,
    SolutionFolderCreate,
    SolutionFolderPublic,
    SolutionFoldersPublic,
)
from domain.types import utcnow

MAX_TITLE_LENGTH = 255
MAX_BODY_LENGTH = 200000
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
EXCERPT_LENGTH = 240


def list_solution_categories(
    *,
    session: Session,
    caller: Caller,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> SolutionCategoriesPublic:
    statement = scope_to_caller(select(SolutionCategory), SolutionCategory.workspace_id, caller)
    rows, info = paginate(
        session, statement, key=col(SolutionCategory.id), page=page, per_page=per_page, cursor=cursor
    )
    return SolutionCategoriesPublic(
        categories=[SolutionCategoryPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def get_solution_category(*, session: Session, caller: Caller, category_id: int) -> SolutionCategoryPublic:
    return SolutionCategoryPublic.model_validate(_visible_category(session, caller, category_id))


def list_solution_folders(
    *,
    session: Session,
    caller: Caller,
    category_id: int,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> SolutionFoldersPublic:
    """The folders of one category, by id."""
    _visible_category(session, caller, category_id)
    statement = scope_to_caller(
        select(SolutionFolder).where(SolutionFolder.category_id == category_id),
        SolutionFolder.workspace_id,
        caller,
    )
    rows, info = paginate(
        session, statement, key=col(SolutionFolder.id), page=page, per_page=per_page, cursor=cursor
    )
    return SolutionFoldersPublic(
        folders=[SolutionFolderPublic.model_validate(row) for row in rows], **info.model_dump()
    )


def get_solution_folder(*, session: Session, caller: Caller, folder_id: int) -> SolutionFolderPublic:
    return SolutionFolderPublic.model_validate(_visible_folder(session, caller, folder_id))


def create_solution_folder(
    *, session: Session, caller: Caller, folder_in: SolutionFolderCreate
) -> SolutionFolderPublic:
    """A new folder in a category (and so in the category's workspace); names are unique per category."""
    category = _visible_category(session, caller, folder_in.category_id)
    name = _required_text(folder_in.name, field="name", max_length=MAX_NAME_LENGTH)
    taken = session.exec(
        select(SolutionFolder.id).where(
            SolutionFolder.category_id == category.id, func.lower(SolutionFolder.name) == name.lower()
        )
    ).first()
    if taken is not None:
        raise Conflict(f"Category {category.id} already has a folder named {name!r} (folder_id {taken}).")
    folder = SolutionFolder(
        name=name,
        description=_bounded_text(
            folder_in.description.strip(), field="description", max_length=MAX_DESCRIPTION_LENGTH
        ),
        category_id=folder_in.category_id,
        workspace_id=category.workspace_id,
    )
    session.add(folder)
    session.flush()
    return SolutionFolderPublic.model_validate(folder)


def list_solution_articles(
    *,
    session: Session,
    caller: Caller,
    folder_id: int,
    status: ArticleStatus | str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> SolutionArticlesPublic:
    """The articles of one folder (drafts included unless ``status`` says otherwise), by id."""
    _visible_folder(session, caller, folder_id)
    statement = scope_to_caller(
        select(SolutionArticle).where(SolutionArticle.folder_id == folder_id),
        SolutionArticle.workspace_id,
        caller,
    )
    if status is not None:
        statement = statement.where(SolutionArticle.status == _status(status))
    rows, info = paginate(
        session, statement, key=col(SolutionArticle.id), page=page, per_page=per_page, cursor=cursor
    )
    return SolutionArticlesPublic(
        articles=[SolutionArticleSummary.model_validate(row) for row in rows], **info.model_dump()
    )


def get_solution_article(*, session: Session, caller: Caller, article_id: int) -> SolutionArticlePublic:
    return SolutionArticlePublic.model_validate(_visible_article(session, caller, article_id))


def create_solution_article(
    *, session: Session, caller: Caller, article_in: SolutionArticleCreate
) -> SolutionArticlePublic:
    """A new article in a folder (and the folder's workspace), written by the caller."""
    folder = _visible_folder(session, caller, article_in.folder_id)
    fields = _checked_article_fields(article_in.model_dump())
    article = SolutionArticle(
        **fields, folder_id=article_in.folder_id, workspace_id=folder.workspace_id, agent_id=caller.agent_id
    )
    _require_body_if_published(article)
    session.add(article)
    session.flush()
    return SolutionArticlePublic.model_validate(article)


def update_solution_article(
    *, session: Session, caller: Caller, article_id: int, changes: SolutionArticleUpdate
) -> SolutionArticlePublic:
    """Change only the fields given; a new ``folder_id`` moves the article (and its workspace)."""
    article = _visible_article(session, caller, article_id)
    given = changes.model_dump(exclude_unset=True)
    for name, value in given.items():
        if value is None:
            raise InvalidField(name, "cannot be null; leave it out to keep the current value.")
    folder_id = given.pop("folder_id", None)
    if folder_id is not None:
        folder = _visible_folder(session, caller, folder_id)
        article.folder_id, article.workspace_id = folder_id, folder.workspace_id
    for name, value in _checked_article_fields(given).items():
        setattr(article, name, value)
    _require_body_if_published(article)
    if given or folder_id is not None:
        article.updated_at = utcnow()
    session.add(article)
    session.flush()
    return SolutionArticlePublic.model_validate(article)


def search_solution_articles(
    *,
    session: Session,
    caller: Caller,
    search_term: str,
    status: ArticleStatus | str | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    cursor: str | None = None,
) -> SolutionArticleSearchResults:
    """Articles matching ``search_term`` in their title, tags or body, best match first."""
    statement = scope_to_caller(select(SolutionArticle), SolutionArticle.workspace_id, caller)
    if status is not None:
        statement = statement.where(SolutionArticle.status == _status(status))
    statement = rank_by_relevance(
        statement,
        session=session,
        index=ARTICLE_INDEX,
        id_column=SolutionArticle.id,
        words=search_words(search_term),
    )
    rows, info = paginate(session, statement, key=None, page=page, per_page=per_page, cursor=cursor)
    return SolutionArticleSearchResults(
        articles=[
            SolutionArticleSearchResult(
                **SolutionArticleSummary.model_validate(row).model_dump(), excerpt=_excerpt(row.body)
            )
            for row in rows
        ],
        **info.model_dump(),
    )


def _checked_article_fields(fields: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    if "title" in fields:
        checked["title"] = _required_text(fields["title"], field="title", max_length=MAX_TITLE_LENGTH)
    if "body" in fields:
        checked["body"] = _bounded_text(fields["body"], field="body", max_length=MAX_BODY_LENGTH)
    if "status" in fields:
        checked["status"] = _status(fields["status"])
    if "tags" in fields:
        checked["tags"] = _clean_tags(fields["tags"])
    return checked


def _require_body_if_published(article: SolutionArticle) -> None:
    if article.status == ArticleStatus.published and not article.body.strip():
        raise InvalidField("body", "must not be empty for a published article; save it as a draft instead.")


def _excerpt(body: str) -> str:
    text = re.sub(r"\s+", " ", body).strip()
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"


def _required_text(value: str, *, field: str, max_length: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidField(field, "must not be empty.")
    return _bounded_text(text, field=field, max_length=max_length)


def _bounded_text(value: str, *, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidField(field, f"is {len(value)} characters long; at most {max_length} are allowed.")
    return value


def _clean_tags(tags: list[str]) -> list[str]:
    """Tags trimmed, blanks and repeats (ignoring case) dropped, order kept."""
    cleaned: list[str] = []
    for raw in tags:
        tag = raw.strip()
        if not tag or tag.casefold() in {seen.casefold() for seen in cleaned}:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidField("tags", f"tag {tag[:20]!r}… is longer than {MAX_TAG_LENGTH} characters.")
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidField("tags", f"{len(cleaned)} tags given; at most {MAX_TAGS} are allowed.")
    return cleaned


def _status(value: ArticleStatus | str) -> ArticleStatus:
    try:
        return ArticleStatus(value)
    except ValueError:
        raise InvalidField(
            "status", f"{value!r} is not an article status.", [s.value for s in ArticleStatus]
        ) from None


def _visible_category(session: Session, caller: Caller, category_id: int) -> SolutionCategory:
    category = session.get(SolutionCategory, category_id)
    if category is None:
        raise NotFound("solution category", "category_id", category_id)
    ensure_visible(caller, category.workspace_id, "solution category", "category_id", category_id)
    return category


def _visible_folder(session: Session, caller: Caller, folder_id: int) -> SolutionFolder:
    folder = session.get(SolutionFolder, folder_id)
    if folder is None:
        raise NotFound("solution folder", "folder_id", folder_id)
    ensure_visible(caller, folder.workspace_id, "solution folder", "folder_id", folder_id)
    return folder


def _visible_article(session: Session, caller: Caller, article_id: int) -> SolutionArticle:
    article = session.get(SolutionArticle, article_id)
    if article is None:
        raise NotFound("solution article", "article_id", article_id)
    ensure_visible(caller, article.workspace_id, "solution article", "article_id", article_id)
    return article
