"""Service catalog categories and items, the onboarding form, and filled-in answers to both."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.onboarding.models import FormFieldType
from seed.org import Org, Row
from seed.plan import END, START, moment, stream
from seed.text.catalog import CATALOG, ONBOARDING_FORM, FormField

# Which agent group fulfils the requests of each category.
FULFILLING_GROUP = {
    "Hardware": "endpoint",
    "Software": "applications",
    "Access & Accounts": "identity",
    "Network & Phones": "network",
    "HR Services": "hr_operations",
    "Workplace Services": "workplace",
}

SHARED_MAILBOXES = (
    "support@helpdesk.test",
    "finance@helpdesk.test",
    "careers@helpdesk.test",
    "sales-ops@helpdesk.test",
    "press@helpdesk.test",
)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    name: str
    category: str
    workspace_id: int
    group_key: str
    fields: tuple[FormField, ...]


def build_catalog(org: Org) -> tuple[dict[str, list[Row]], list[Item]]:
    rng = stream("catalog")
    categories: list[Row] = []
    items: list[Row] = []
    infos: list[Item] = []
    published = START + timedelta(days=1, hours=10)
    for position, (category, (workspace, description, texts)) in enumerate(CATALOG.items(), start=1):
        workspace_id = org.workspace_ids[workspace]
        categories.append(
            {
                "id": position,
                "name": category,
                "description": description,
                "workspace_id": workspace_id,
                "position": position,
            }
        )
        for text in texts:
            item_id = len(items) + 1
            created = published + timedelta(minutes=item_id)
            items.append(
                {
                    "id": item_id,
                    "name": text.name,
                    "short_description": text.short_description,
                    "description": text.description,
                    "category_id": position,
                    "workspace_id": workspace_id,
                    "cost": text.cost,
                    "delivery_time_hours": text.delivery_time_hours,
                    "active": True,
                    "custom_fields": [f.as_json() for f in text.fields],
                    "created_at": created,
                    "updated_at": created if rng.random() < 0.5 else moment(rng, created, END),
                }
            )
            infos.append(
                Item(item_id, text.name, category, workspace_id, FULFILLING_GROUP[category], text.fields)
            )
    form = [
        {
            "id": position,
            "name": f.name,
            "label": f.label,
            "field_type": FormFieldType(f.field_type),
            "required": f.required,
            "choices": list(f.choices),
            "position": position,
            "description": f.description,
        }
        for position, f in enumerate(ONBOARDING_FORM, start=1)
    ]
    rows = {"catalog_category": categories, "catalog_item": items, "onboarding_form_field": form}
    return rows, infos


def answer(rng: random.Random, field: FormField, *, when: datetime, email: str) -> Any:
    """A plausible answer to one field, of the type the field declares."""
    kind = FormFieldType(field.field_type)
    if kind == FormFieldType.dropdown:
        return rng.choice(field.choices)
    if kind == FormFieldType.checkbox:
        return rng.random() < 0.5
    if kind == FormFieldType.date:
        return (when.date() + timedelta(days=rng.randint(3, 30))).isoformat()
    if kind == FormFieldType.number:
        return int(rng.choice(field.examples or ("1",)))
    if kind == FormFieldType.email:
        return rng.choice(SHARED_MAILBOXES) if field.name == "mailbox_address" else email
    return rng.choice(field.examples) if field.examples else ""


def answers(
    rng: random.Random, fields: tuple[FormField, ...], *, when: datetime, email: str
) -> dict[str, Any]:
    """Answers to a form: every required field, most optional ones (empty answers left out)."""
    filled: dict[str, Any] = {}
    for field in fields:
        if not field.required and rng.random() < 0.3:
            continue
        value = answer(rng, field, when=when, email=email)
        if value != "":
            filled[field.name] = value
    return filled
