"""Strict argument checking with messages a model can act on.

The SDK validates tool arguments too, but it ignores unknown keys and reports pydantic's raw
text. This runs first, as SDK middleware on ``tools/call``: it refuses unknown keys (naming the
parameters that exist) and turns each validation error into one sentence naming the field and,
for enumerations, the allowed values. Text holding a NUL character is refused first, naming where.
The caller's values are never echoed back at length.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails


def strict_model(arg_model: type[BaseModel]) -> type[BaseModel]:
    """A subclass of the SDK's argument model that forbids keys the tool does not declare."""
    config = ConfigDict(**{**arg_model.model_config, "extra": "forbid"})  # type: ignore[typeddict-item]
    return type(f"Strict{arg_model.__name__}", (arg_model,), {"model_config": config})


def _sentence(error: ErrorDetails, tool: str, parameters: list[str]) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "arguments"
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return f"'{field}' is required."
    if kind == "extra_forbidden":
        allowed = ", ".join(parameters) or "none"
        return f"'{field}' is not a parameter of {tool}; its parameters are: {allowed}."
    if kind in ("enum", "literal_error") and "expected" in context:
        return f"'{field}' must be one of {context['expected']}."
    if kind == "model_type" or kind == "dict_type":
        return "The arguments must be a JSON object."
    message = error["msg"].removeprefix("Value error, ")
    return f"'{field}': {message}."


def nul_path(value: Any, path: str = "") -> str | None:
    """Where the first text in ``value`` (a string, or a key or item of a JSON object or array at any
    depth) holds a NUL character, as ``name.0.key``; None when none does. PostgreSQL's text refuses
    NUL (the statement fails, the call with it) where SQLite stores it: it is no valid text on either."""
    if isinstance(value, str):
        return (path or "arguments") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if "\x00" in key:
                return where.replace("\x00", "\\u0000")  # named, not echoed
            found = nul_path(item, where)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}.{index}")
            if found is not None:
                return found
    return None


def explain(exc: ValidationError, tool: str, parameters: list[str]) -> str:
    sentences = [_sentence(error, tool, parameters) for error in exc.errors()[:5]]
    return f"Invalid arguments for {tool}: " + " ".join(sentences)
