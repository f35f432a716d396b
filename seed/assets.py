"""The asset inventory: laptops, phones, monitors, infrastructure and licences."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from domain.assets.models import AssetState, AssetType
from seed.org import Org, Row
from seed.plan import END, START, TICKETS_FROM, Sizes, moment, stream, weighted
from seed.text.assets import ASSET_MODELS, DESCRIPTIONS, PERSONAL_TYPES, STATE_WEIGHTS, AssetModel
from seed.text.catalog import OFFICES
from seed.text.conversation import LOCATION_CODES
from seed.text.people import FLOORS

# display_id is what people quote ("LT-01234"); it is offset from the row id on purpose, so that a
# tool which mixes the two up fails visibly on the seed data.
DISPLAY_ID_OFFSET = 1000

_SERIAL_ALPHABET = string.ascii_uppercase + string.digits


def display_id_of(asset_id: int) -> int:
    return asset_id + DISPLAY_ID_OFFSET


def asset_rows(org: Org, sizes: Sizes) -> Iterator[Row]:
    rng = stream("assets")
    weights = {model: model.weight for model in ASSET_MODELS}
    holders = [person.id for person in org.requesters if org.requester_row(person.id)["active"]]
    for asset_id in range(1, sizes.assets + 1):
        model = weighted(rng, weights)
        kind = "personal" if model.asset_type in PERSONAL_TYPES else model.asset_type
        state = AssetState(weighted(rng, STATE_WEIGHTS.get(kind, STATE_WEIGHTS["infrastructure"])))
        handed_out = state == AssetState.in_use and model.workspace == "IT" and kind == "personal"
        assigned = rng.choice(holders) if handed_out else None
        display_id = display_id_of(asset_id)
        # Most of the fleet came in with the inventory import; the rest was bought during the half year.
        if rng.random() < 0.75:
            created = moment(rng, START + timedelta(days=1, hours=9), START + timedelta(days=1, hours=17))
        else:
            created = moment(rng, TICKETS_FROM, END - timedelta(days=1))
        yield {
            "id": asset_id,
            "display_id": display_id,
            "name": f"{model.name} - {model.tag_prefix}-{display_id:05d}",
            "description": DESCRIPTIONS[state.value],
            "asset_type": AssetType(model.asset_type),
            "state": state,
            "serial_number": _serial(rng, model.serial_style),
            "vendor": model.vendor,
            "assigned_requester_id": assigned,
            "workspace_id": org.workspace_ids[model.workspace],
            "custom_attributes": _attributes(rng, model, asset_id),
            "created_at": created,
            "updated_at": created if rng.random() < 0.5 else moment(rng, created, END),
        }


def _serial(rng: random.Random, style: str) -> str:
    def chars(n: int) -> str:
        return "".join(rng.choice(_SERIAL_ALPHABET) for _ in range(n))

    if style == "apple":
        return f"C02{chars(9)}"
    if style == "dell":
        return chars(7)
    if style == "lenovo":
        return f"PF{chars(6)}"
    return f"{chars(3)}{rng.randrange(10**7):07d}"


def _attributes(rng: random.Random, model: AssetModel, asset_id: int) -> dict[str, Any]:
    purchased = date(2021, 1, 4) + timedelta(days=rng.randint(0, 5 * 365 - 10))
    office = rng.choice(OFFICES)
    code = LOCATION_CODES[office]
    attributes: dict[str, Any] = dict(model.specs)
    attributes["purchase_date"] = purchased.isoformat()
    attributes["purchase_cost"] = model.cost
    if model.asset_type == "software_license":
        seats = rng.choice((25, 50, 100, 250, 500))
        renewal = date(2026, rng.randint(7, 12), rng.randint(1, 28))
        attributes.update(
            seats=seats, seats_used=rng.randint(seats // 2, seats), renewal_date=renewal.isoformat()
        )
        return attributes
    attributes["warranty_expires"] = (purchased + timedelta(days=3 * 365)).isoformat()
    attributes["location"] = office
    if model.asset_type in ("mobile_phone", "tablet") and model.workspace == "IT":
        attributes["imei"] = f"35{rng.randrange(10**13):013d}"
    if model.asset_type in ("server", "network_device", "printer"):
        floor = rng.randrange(len(FLOORS))
        prefix = {"server": "sv", "network_device": "nw", "printer": "prn"}[model.asset_type]
        attributes["hostname"] = f"{prefix}-{code.lower()}-{asset_id:05d}"
        attributes["ip_address"] = f"10.{10 + OFFICES.index(office)}.{floor + 1}.{rng.randint(10, 250)}"
        attributes["floor"] = FLOORS[floor]
    return attributes
