"""Every served inputSchema against the JSON-schema subsets two strict clients accept: OpenAI's
strict mode (function calling with ``strict: true``) and Gemini's function declarations (an
OpenAPI 3.0 subset). What falls outside is listed in DOCUMENTED with the reason, mirrored in
docs/response-contract.md; a new kind of violation fails, and so does an exception that no
longer occurs (the list stays true)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from server.tools.registry import all_tool_specs, build_tools

OPENAI_KEYWORDS = {
    "type", "description", "properties", "required", "additionalProperties", "items", "enum", "anyOf",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "pattern", "format",
    "minItems", "maxItems",
}  # fmt: skip
OPENAI_FORMATS = {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
GEMINI_KEYWORDS = {
    "type", "format", "description", "nullable", "enum", "properties", "required", "items",
    "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength",
}  # fmt: skip
GEMINI_FORMATS = {
    "string": {"enum", "date-time"},
    "integer": {"int32", "int64"},
    "number": {"float", "double"},
}

# (client, rule) -> why it is accepted. Each still occurs (checked), and docs/response-contract.md
# lists the same.
DOCUMENTED = {
    ("openai", "optional parameter not in required"): "parameters with defaults stay optional; a "
    "strict-mode client declares the function non-strict or sends every parameter",
    ("openai", "keyword maxLength"): "length bounds are checked by the server; strict mode ignores them",
    ("openai", "open object"): "custom_attributes, fields and custom_fields hold user-defined keys",
    ("gemini", "keyword additionalProperties"): "Gemini clients drop it; the server refuses unknown "
    "arguments itself",
    ("gemini", "open object"): "as for OpenAI: user-defined keys",
    ("gemini", "format date"): "last_working_day is a date; the description says YYYY-MM-DD",
}


def _served() -> list[tuple[str, dict[str, Any]]]:
    tools, _ = build_tools(all_tool_specs())
    return [(tool.name, tool.parameters) for tool in tools]


def _nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path or "/", schema
    for name, prop in schema.get("properties", {}).items():
        yield from _nodes(prop, f"{path}/{name}")
    if isinstance(schema.get("items"), dict):
        yield from _nodes(schema["items"], f"{path}[]")
    for index, arm in enumerate(schema.get("anyOf", [])):
        yield from _nodes(arm, f"{path}|{index}")


def openai_violations(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if schema.get("type") != "object" or "anyOf" in schema:
        yield "/", "root must be an object"
    for path, node in _nodes(schema):
        for key in set(node) - OPENAI_KEYWORDS:
            yield path, f"keyword {key}"
        if "format" in node and node["format"] not in OPENAI_FORMATS:
            yield path, f"format {node['format']}"
        if node.get("type") == "object":
            if node.get("additionalProperties") is not False:
                yield path, "open object"
            for name in set(node.get("properties", {})) - set(node.get("required", [])):
                yield f"{path}/{name}", "optional parameter not in required"


def gemini_violations(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for path, node in _nodes(schema):
        for key in set(node) - GEMINI_KEYWORDS:
            yield path, f"keyword {key}"
        kind = node.get("type")
        if not isinstance(kind, str):
            yield path, "type must be one name"
        if "format" in node and node["format"] not in GEMINI_FORMATS.get(str(kind), set()):
            yield path, f"format {node['format']}"
        if "enum" in node and kind != "string":
            yield path, "enum of non-strings"
        if kind == "object" and not node.get("properties"):
            yield path, "open object"


def test_no_served_input_schema_uses_ref_defs_titles_or_null_arms() -> None:
    for name, schema in _served():
        text = json.dumps(schema)
        assert "$ref" not in text and "$defs" not in text, name
        assert not [path for path, node in _nodes(schema) if "title" in node], name
        assert '{"type": "null"}' not in text, name


def test_served_input_schemas_fit_the_openai_and_gemini_subsets_but_for_documented_exceptions() -> None:
    found: dict[tuple[str, str], list[str]] = {}
    for name, schema in _served():
        for client, check in (("openai", openai_violations), ("gemini", gemini_violations)):
            for path, rule in check(schema):
                found.setdefault((client, rule), []).append(f"{name}{path}")
    undocumented = {key: where for key, where in found.items() if key not in DOCUMENTED}
    assert not undocumented, f"outside the subsets and not documented: {undocumented}"
    stale = set(DOCUMENTED) - set(found)
    assert not stale, f"documented but no longer occurring: {stale}"


def test_open_objects_are_described() -> None:
    for name, schema in _served():
        for path, node in _nodes(schema):
            if node.get("type") == "object" and path != "/":
                assert len(node.get("description", "").split()) >= 5, f"{name}{path} needs a description"


def test_every_integer_is_bounded() -> None:
    for name, schema in _served():
        for path, node in _nodes(schema):
            if node.get("type") == "integer":
                assert "minimum" in node and "maximum" in node, f"{name}{path} is unbounded"
