"""The inputSchema a model reads: pydantic's JSON schema made plain enough for every client.

Pydantic writes enums as ``$ref`` into ``$defs``, optional values as ``anyOf [X, null]``, and a
``title`` and ``default`` on every property. OpenAI's strict converter and older Gemini reject
``$ref``; Gemini rejects ``anyOf`` and ``title``; and all of it costs tokens on every ``tools/list``.
Served schemas therefore inline every reference, drop the null arm (leaving a parameter out means
null, and the server still accepts an explicit null), write ``const`` as a one-value ``enum``,
and drop titles, defaults (a default worth knowing is stated in the description) and
``minLength`` (always 1 here). Arguments are still validated by the pydantic model the schema
came from, so nothing here loosens a check. docs/response-contract.md, "Input schemas", lists
the subsets and the documented exceptions.
"""

from __future__ import annotations

from typing import Any

# minLength is always 1 here ("not empty"): the server's one-sentence error says so when it matters.
_DROPPED = frozenset({"title", "default", "$defs", "minLength"})


def model_facing(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` with references inlined and the noise above removed."""
    definitions: dict[str, Any] = schema.get("$defs", {})
    plain: dict[str, Any] = _plain(schema, definitions)
    return plain


def _plain(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_plain(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        merged = {**definitions[name], **{k: v for k, v in node.items() if k != "$ref"}}
        return _plain(merged, definitions)
    arms = node.get("anyOf")
    if isinstance(arms, list):
        concrete = [arm for arm in arms if arm != {"type": "null"}]
        if len(concrete) == 1:
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            return _plain({**concrete[0], **rest}, definitions)
    plain: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "const":  # a one-value Literal; Gemini knows enum, not const
            plain["enum"] = [value]
            continue
        if key == "properties":
            plain[key] = {name: _plain(prop, definitions) for name, prop in value.items()}
        else:
            plain[key] = _plain(value, definitions)
    return plain
