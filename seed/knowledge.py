"""The knowledge base: solution categories, folders and articles written from topic templates."""

from __future__ import annotations

import random
from datetime import timedelta

from domain.solutions.models import ArticleStatus
from seed.org import Org, Row
from seed.plan import END, START, TICKETS_FROM, moment, stream
from seed.text.articles_access import ACCOUNTS_AND_ACCESS, NETWORK_AND_REMOTE
from seed.text.articles_devices import DEVICES_AND_PRINTING, EMAIL_AND_COLLABORATION
from seed.text.articles_workplace import HR_AND_PEOPLE, WORKPLACE_AND_FACILITIES
from seed.text.kb import BEFORE_YOU_START, CLOSINGS, REVIEW_NOTES, ArticleTopic, Folders

CATEGORIES: tuple[tuple[str, str, str, Folders], ...] = (
    (
        "Accounts & Access",
        "IT",
        "Passwords, multi-factor authentication and access requests.",
        ACCOUNTS_AND_ACCESS,
    ),
    ("Network & Remote Work", "IT", "VPN, Wi-Fi and working away from the office.", NETWORK_AND_REMOTE),
    ("Devices & Printing", "IT", "Laptops, phones, printers and software.", DEVICES_AND_PRINTING),
    ("Email & Collaboration", "IT", "Outlook, Teams, OneDrive and SharePoint.", EMAIL_AND_COLLABORATION),
    ("HR & People", "HR", "Onboarding, leave, pay and leaving the company.", HR_AND_PEOPLE),
    (
        "Workplace & Facilities",
        "Facilities",
        "Buildings, desks, rooms and repairs.",
        WORKPLACE_AND_FACILITIES,
    ),
)

DRAFT_SHARE = 0.15


def build_knowledge_base(org: Org) -> dict[str, list[Row]]:
    rng = stream("knowledge-base")
    categories: list[Row] = []
    folders: list[Row] = []
    articles: list[Row] = []
    for category_position, (category, workspace, description, folder_texts) in enumerate(CATEGORIES, start=1):
        workspace_id = org.workspace_ids[workspace]
        created = START + timedelta(days=1, hours=category_position)
        categories.append(
            {
                "id": category_position,
                "name": category,
                "description": description,
                "workspace_id": workspace_id,
                "position": category_position,
                "created_at": created,
                "updated_at": created,
            }
        )
        for folder_position, (folder, (folder_description, topics)) in enumerate(
            folder_texts.items(), start=1
        ):
            folder_id = len(folders) + 1
            folder_created = created + timedelta(minutes=folder_position)
            folders.append(
                {
                    "id": folder_id,
                    "name": folder,
                    "description": folder_description,
                    "category_id": category_position,
                    "workspace_id": workspace_id,
                    "position": folder_position,
                    "created_at": folder_created,
                    "updated_at": folder_created,
                }
            )
            for topic in topics:
                for title in topic.titles:
                    articles.append(
                        _article(rng, org, len(articles) + 1, title, topic, folder_id, workspace_id)
                    )
    return {"solution_category": categories, "solution_folder": folders, "solution_article": articles}


def _article(
    rng: random.Random,
    org: Org,
    article_id: int,
    title: str,
    topic: ArticleTopic,
    folder_id: int,
    workspace_id: int,
) -> Row:
    status = ArticleStatus.draft if rng.random() < DRAFT_SHARE else ArticleStatus.published
    created = moment(rng, START + timedelta(days=2), TICKETS_FROM + timedelta(days=120))
    return {
        "id": article_id,
        "title": title,
        "body": article_body(rng, topic),
        "status": status,
        "folder_id": folder_id,
        "workspace_id": workspace_id,
        "agent_id": rng.choice(org.authors[workspace_id]),
        "tags": list(topic.tags),
        "views": 0 if status == ArticleStatus.draft else min(25_000, int(rng.paretovariate(1.2) * 40)),
        "created_at": created,
        "updated_at": created if rng.random() < 0.4 else moment(rng, created, END),
    }


def article_body(rng: random.Random, topic: ArticleTopic) -> str:
    """A few paragraphs: what and why, before you start, the steps, what to try if it fails."""
    intro = " ".join(rng.sample(topic.intro, k=min(2, len(topic.intro))))
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(topic.steps, start=1))
    tips = " ".join(rng.sample(topic.tips, k=min(2, len(topic.tips))))
    return "\n\n".join(
        (
            intro,
            rng.choice(BEFORE_YOU_START),
            f"Steps:\n{steps}",
            f"If it does not work: {tips}",
            f"{rng.choice(CLOSINGS)} {rng.choice(REVIEW_NOTES)}",
        )
    )
