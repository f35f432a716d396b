"""The one validator behind the onboarding form and catalog items' custom fields."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidField
from domain.forms import FormField, validate_form
from domain.onboarding.models import FormFieldType

FORM = [
    FormField("full_name", "Full name", FormFieldType.text, required=True),
    FormField("email", "Work email", FormFieldType.email, required=True),
    FormField("start_date", "Start date", FormFieldType.date, required=True),
    FormField("department", "Department", FormFieldType.dropdown, True, ("Engineering", "Sales", "Finance")),
    FormField("needs_laptop", "Needs a laptop", FormFieldType.checkbox),
    FormField("desk_number", "Desk number", FormFieldType.number),
    FormField("notes", "Notes", FormFieldType.paragraph),
]

VALID = {
    "full_name": " Dana Diaz ",
    "email": "Dana.Diaz@Example.com",
    "start_date": "2025-03-03",
    "department": "sales",
    "needs_laptop": True,
    "desk_number": "12",
}


def _errors(values: dict[str, Any]) -> InvalidField:
    with pytest.raises(InvalidField) as error:
        validate_form(FORM, values, field="fields")
    return error.value


def test_valid_values_come_back_canonical() -> None:
    assert validate_form(FORM, VALID, field="fields") == {
        "full_name": "Dana Diaz",
        "email": "dana.diaz@example.com",
        "start_date": "2025-03-03",
        "department": "Sales",
        "needs_laptop": True,
        "desk_number": 12,
    }


def test_optional_fields_given_as_null_are_left_out() -> None:
    assert "notes" not in validate_form(FORM, {**VALID, "notes": None}, field="fields")
    assert validate_form(FORM, {**VALID, "desk_number": 2.5}, field="fields")["desk_number"] == 2.5


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_required_field_is_named(value: Any) -> None:
    error = _errors({**VALID, "start_date": value})
    assert error.field == "fields.start_date"
    assert "required" in str(error) and "Start date" in str(error)


def test_a_bad_email_is_named() -> None:
    error = _errors({**VALID, "email": "dana-at-example"})
    assert error.field == "fields.email"
    assert "email address" in str(error)


def test_a_bad_choice_lists_the_choices() -> None:
    error = _errors({**VALID, "department": "Marketing"})
    assert error.field == "fields.department"
    assert "Allowed values: Engineering, Sales, Finance." in str(error)


def test_an_unknown_field_is_refused_and_the_fields_listed() -> None:
    error = _errors({**VALID, "favourite_colour": "blue"})
    assert error.field == "fields.favourite_colour"
    assert "full_name, email, start_date, department, needs_laptop, desk_number, notes" in str(error)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("desk_number", "twelve", "number"),
        ("desk_number", True, "number"),
        ("desk_number", "nan", "finite"),
        ("needs_laptop", "yes", "true or false"),
        ("start_date", "03/03/2025", "YYYY-MM-DD"),
        ("start_date", "2025-02-30", "YYYY-MM-DD"),
        ("full_name", 42, "text"),
        ("full_name", "x" * 256, "at most 255"),
        ("department", 3, "choices"),
    ],
)
def test_a_value_of_the_wrong_type_is_named(name: str, value: Any, expected: str) -> None:
    error = _errors({**VALID, name: value})
    assert error.field == f"fields.{name}"
    assert expected in str(error)


def test_catalog_custom_fields_read_as_form_fields() -> None:
    spec = {
        "name": "os",
        "label": "Operating system",
        "field_type": "dropdown",
        "choices": ["Windows", "macOS"],
    }
    field = FormField.from_mapping(spec)
    assert field == FormField("os", "Operating system", FormFieldType.dropdown, False, ("Windows", "macOS"))
    assert validate_form([field], {"os": "MACOS"}, field="custom_fields") == {"os": "macOS"}
