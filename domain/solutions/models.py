"""The solution knowledge base: categories → folders → articles (draft or published)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import Field, SQLModel

from domain.pagination import PageInfo
from domain.records import Record
from domain.types import enum_column, json_column, timestamp_column, utcnow


class ArticleStatus(enum.StrEnum):
    draft = "draft"
    published = "published"


class SolutionCategory(SQLModel, table=True):
    __tablename__ = "solution_category"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SolutionFolder(SQLModel, table=True):
    __tablename__ = "solution_folder"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    category_id: int = Field(foreign_key="solution_category.id", index=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SolutionArticle(SQLModel, table=True):
    __tablename__ = "solution_article"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=255)
    body: str = Field(max_length=200000)
    status: ArticleStatus = Field(sa_column=enum_column(ArticleStatus, "article_status", index=True))
    folder_id: int = Field(foreign_key="solution_folder.id", index=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    views: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SolutionCategoryPublic(Record):
    id: int
    name: str
    description: str
    workspace_id: int
    created_at: datetime
    updated_at: datetime


class SolutionCategoriesPublic(PageInfo):
    categories: list[SolutionCategoryPublic]


class SolutionFolderPublic(Record):
    id: int
    name: str
    description: str
    category_id: int
    workspace_id: int
    created_at: datetime
    updated_at: datetime


class SolutionFoldersPublic(PageInfo):
    folders: list[SolutionFolderPublic]


class SolutionArticleSummary(Record):
    id: int
    title: str
    status: ArticleStatus
    folder_id: int
    workspace_id: int
    tags: list[str]
    updated_at: datetime


class SolutionArticlePublic(SolutionArticleSummary):
    body: str
    agent_id: int | None
    created_at: datetime


class SolutionArticlesPublic(PageInfo):
    articles: list[SolutionArticleSummary]


class SolutionArticleSearchResult(SolutionArticleSummary):
    """A search hit: the summary plus the start of the body, enough to judge the match."""

    excerpt: str


class SolutionArticleSearchResults(PageInfo):
    articles: list[SolutionArticleSearchResult]


class SolutionFolderCreate(SQLModel):
    category_id: int
    name: str
    description: str = ""


class SolutionArticleCreate(SQLModel):
    folder_id: int
    title: str
    body: str
    status: ArticleStatus = ArticleStatus.draft
    tags: list[str] = []


class SolutionArticleUpdate(SQLModel):
    """Every field optional: only the fields given are changed (moving folders included)."""

    title: str | None = None
    body: str | None = None
    status: ArticleStatus | None = None
    tags: list[str] | None = None
    folder_id: int | None = None
