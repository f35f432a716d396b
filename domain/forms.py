"""Checking values against a form of typed fields: the onboarding form and catalog items' fields.

Both describe a field the same way (name, label, type, required, choices), so one validator
serves both. It returns the values in a canonical, JSON-ready shape (numbers as numbers, dates
as ISO strings, dropdown values spelled as their choice), and fails with an ``InvalidField`` that
names the field as the caller wrote it (``fields.start_date``) and, for a closed set, its choices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.errors import InvalidField
from domain.onboarding.models import FormFieldType, OnboardingFormField

MAX_TEXT_LENGTH = 255
MAX_PARAGRAPH_LENGTH = 10000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    field_type: FormFieldType
    required: bool = False
    choices: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: OnboardingFormField) -> FormField:
        return cls(row.name, row.label, row.field_type, row.required, tuple(row.choices))

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> FormField:
        """A catalog item's custom field, stored as JSON in the same shape as a form field."""
        return cls(
            name=str(spec["name"]),
            label=str(spec.get("label") or spec["name"]),
            field_type=FormFieldType(spec.get("field_type", FormFieldType.text)),
            required=bool(spec.get("required", False)),
            choices=tuple(str(choice) for choice in spec.get("choices") or ()),
        )


def validate_form(form: Iterable[FormField], values: Mapping[str, Any], *, field: str) -> dict[str, Any]:
    """``values`` checked against ``form`` and made canonical; ``field`` prefixes error names.

    Unknown names are refused (a typo must not vanish silently); a required field must be given
    and not blank; optional fields left out (or given as null) are left out of the result.
    """
    fields = list(form)
    known = {form_field.name for form_field in fields}
    for name in values:
        if name not in known:
            raise InvalidField(
                f"{field}.{name}", "is not a field of this form.", [f.name for f in fields] or ["(none)"]
            )
    cleaned: dict[str, Any] = {}
    for form_field in fields:
        value = values.get(form_field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if form_field.required:
                raise InvalidField(f"{field}.{form_field.name}", f"is required ({form_field.label}).")
            continue
        cleaned[form_field.name] = _checked(form_field, value, f"{field}.{form_field.name}")
    return cleaned


def _checked(form_field: FormField, value: Any, name: str) -> Any:
    match form_field.field_type:
        case FormFieldType.text | FormFieldType.paragraph:
            return _text(form_field.field_type, value, name)
        case FormFieldType.email:
            address = _text(FormFieldType.text, value, name)
            if not _EMAIL.match(address):
                raise InvalidField(name, f"{value!r} is not an email address like jane.doe@example.com.")
            return address.lower()
        case FormFieldType.number:
            return _number(value, name)
        case FormFieldType.date:
            return _iso_date(value, name)
        case FormFieldType.dropdown:
            return _choice(form_field.choices, value, name)
        case FormFieldType.checkbox:
            if not isinstance(value, bool):
                raise InvalidField(name, f"must be true or false, got {value!r}.")
            return value


def _text(field_type: FormFieldType, value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidField(name, f"must be text, got {value!r}.")
    limit = MAX_PARAGRAPH_LENGTH if field_type == FormFieldType.paragraph else MAX_TEXT_LENGTH
    text = value.strip()
    if len(text) > limit:
        raise InvalidField(name, f"is {len(text)} characters long; at most {limit} are allowed.")
    return text


def _number(value: Any, name: str) -> int | float:
    # Numeric text ("3", "2.5") is accepted: models often quote numbers.
    number: int | float
    if isinstance(value, bool):
        raise InvalidField(name, f"must be a number, got {value!r}.")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise InvalidField(name, f"must be a number, got {value!r}.") from None
    else:
        raise InvalidField(name, f"must be a number, got {value!r}.")
    if not math.isfinite(number):
        raise InvalidField(name, f"must be a finite number, got {value!r}.")
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _iso_date(value: Any, name: str) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise InvalidField(name, f"must be a date in ISO format (YYYY-MM-DD), got {value!r}.")


def _choice(choices: tuple[str, ...], value: Any, name: str) -> str:
    if isinstance(value, str):
        wanted = value.strip().casefold()
        for choice in choices:
            if choice.casefold() == wanted:
                return choice
    raise InvalidField(name, f"{value!r} is not one of its choices.", choices)
