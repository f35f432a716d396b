"""A tool's answer: ``structuredContent`` complete for programs, a compact text for the model.

Pages render one line per item (id, name, the view's fields, free text shortened) between a
header that counts them and a footer naming the next step: the next page or cursor and the tool
that gives one item in full. Records render every non-empty field, free text whole. No text
grows past ``MAX_TEXT_CHARS``: a page stops early and a long text is cut, each saying so and how
to get the rest. The rules are docs/response-contract.md.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from domain.errors import InvalidField
from domain.pagination import PageInfo
from server.render.text import plain, scalar, shorten, stamp
from server.render.views import View, view_of

# Under the 8,000-token budget even for id- and date-dense lines (~2.9 characters a token at
# worst on the demo dataset, ~4 for prose): see tests/server/test_answer_budgets.py.
MAX_TEXT_CHARS = 21_000

_ENVELOPE = frozenset(PageInfo.model_fields)


def answer(result: BaseModel, *, tool: str, fields: Sequence[str] | None = None) -> CallToolResult:
    """The ``CallToolResult`` for a tool's return value: text for the model, the whole for programs."""
    text = render_page(result, tool=tool, fields=fields) if isinstance(result, PageInfo) else render(result)
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=result.model_dump(mode="json", by_alias=True),
    )


def items_field(page_model: type[BaseModel]) -> str:
    """The name of a page's one list of items (``tickets``, ``assets``, …)."""
    return next(name for name in page_model.model_fields if name not in _ENVELOPE)


def item_model(page_model: type[BaseModel]) -> type[BaseModel]:
    """The model of a page's items."""
    (model,) = typing.get_args(page_model.model_fields[items_field(page_model)].annotation)
    return model  # type: ignore[no-any-return]


def check_fields(result_model: type[BaseModel], fields: Sequence[str] | None) -> None:
    """Refuse ``fields`` naming something the items do not have, listing what they do have."""
    if not fields or not issubclass(result_model, PageInfo):
        return
    known = item_model(result_model).model_fields
    unknown = [name for name in fields if name not in known]
    if unknown:
        choices = ", ".join(known)
        raise InvalidField("fields", f"has unknown field(s) {', '.join(unknown)}; choose from {choices}.")


def render_page(page: BaseModel, *, tool: str, fields: Sequence[str] | None = None) -> str:
    items: list[BaseModel] = getattr(page, items_field(type(page)))
    view = view_of(item_model(type(page)))
    envelope = page.__dict__
    per_page, total = envelope.get("per_page"), envelope.get("total")
    if not items:
        return f"No {view.plural} match. Change or drop a filter to see more."
    first = ((envelope.get("page") or 1) - 1) * (per_page or 0) + 1
    exact = envelope.get("total_is_exact", True)
    counted = "" if not isinstance(total, int) else f" of {total}" if exact else f" of more than {total}"
    lines = [f"{view.plural.capitalize()} {first}-{first + len(items) - 1}{counted}:"]
    size = len(lines[0])
    shortened = False
    for shown, item in enumerate(items):
        line, cut = _list_line(item, view, fields)
        if size + len(line) > MAX_TEXT_CHARS and shown:
            lines.append(
                f"Truncated: {shown} of the {len(items)} {view.plural} on this page fit in one answer; "
                f"ask for per_page={shown} (or fewer fields) to read the rest."
            )
            break
        lines.append(line)
        size += len(line) + 1
        shortened |= cut
    lines.append(_next_page(envelope, tool))
    if view.detail is not None:
        detail_tool, argument = view.detail
        lead = "Texts shortened; " if shortened else ""
        gives = view.detail_gives or f"one {view.noun} in full"
        lines.append(f"{lead}{detail_tool}({argument}) gives {gives}.")
    return "\n".join(lines)


def _next_page(envelope: dict[str, Any], tool: str) -> str:
    cursor, next_page = envelope.get("next_cursor"), envelope.get("next_page")
    if cursor:
        return f'Next: {tool} with cursor="{cursor}" and the same other arguments.'
    if next_page:
        return f"Next: {tool} with page={next_page} and the same other arguments."
    return "Last page."


Formatter = Callable[[Any], str]


def _enum_value(value: Any) -> str:
    return str(value._value_)


def _formatter(annotation: Any) -> Formatter:
    """``scalar`` for one declared type: the model says what a field holds, so a line need not ask
    each value (pydantic validated it). None is skipped before a formatter is called."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        kinds = [kind for kind in typing.get_args(annotation) if kind is not type(None)]
    else:  # a list[int] is not an int: its values go to ``scalar``, which joins them
        kinds = [annotation] if origin is None else []
    kind = kinds[0] if len(kinds) == 1 else None
    if kind is int:
        return str
    if kind is datetime:
        return stamp
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _enum_value
    return scalar


@functools.lru_cache(maxsize=256)
def _line_plan(
    model: type[BaseModel], view: View, fields: tuple[str, ...] | None
) -> tuple[tuple[tuple[str, bool, Formatter], ...], tuple[str, ...]]:
    """Which fields a line shows (name, shown without its key, how to format it) and which free
    texts follow it."""
    shown = view.line if fields is None else fields
    declared = model.model_fields
    pairs = tuple(
        (name, name in view.bare, _formatter(declared[name].annotation) if name in declared else scalar)
        for name in shown
        if name not in view.long and name not in view.heading
    )
    texts = tuple(name for name in view.long if fields is None or name in fields)
    return pairs, texts


def _list_line(
    item: BaseModel, view: View, fields: Sequence[str] | None, *, whole: bool = False
) -> tuple[str, bool]:
    data = item.__dict__
    pairs, texts = _line_plan(type(item), view, None if fields is None else tuple(fields))
    line = f"#{data[view.key]}"
    heading = " ".join(scalar(data[name]) for name in view.heading if data.get(name))
    if heading:
        line += " " + heading
    shown = [
        value if bare else f"{name}={value}"
        for name, bare, format_value in pairs
        if (value := data.get(name)) is not None and (value := format_value(value))
    ]
    if shown:
        line += " | " + " ".join(shown)
    cut = False
    for name in texts:
        text = data.get(name)
        if not text:
            continue
        if whole or fields is not None or not isinstance(text, str):  # in a record, or asked for: whole
            line += "\n  " + scalar(text)
            continue
        short, was_cut = shorten(text, view.shorten_to)
        line += "\n  " + short
        cut |= was_cut
    return line, cut


def render(record: BaseModel, *, budget: int = MAX_TEXT_CHARS) -> str:
    """One item: heading, every non-empty field, free text whole, nested lists as lines."""
    view = view_of(type(record))
    data = record.__dict__
    heading = " ".join(scalar(data[name]) for name in view.heading if data.get(name))
    title = view.noun.capitalize() + (f" #{data.get(view.key)}" if view.key in data else "")
    lines = [title + (f": {heading}" if heading else "")]
    pairs, blocks = [], []
    plans = _record_plan(type(record), view)
    for name, value in data.items():
        plan = plans.get(name)
        if plan is None:  # not a declared field: the general rules
            plan = _field_plan(name, None, view)
        skipped, sibling, bare, in_line, format_value = plan
        if skipped or (sibling is not None and isinstance(data.get(sibling), BaseModel)):
            continue
        if value is None:
            if in_line and not bare:
                pairs.append(f"{name}=none")
            continue
        if format_value is None:  # a list, model or dict may be among what the field holds
            if isinstance(value, list) and value and isinstance(value[0], BaseModel):
                blocks.append(_nested(name, value))
                continue
            if isinstance(value, BaseModel):
                blocks.append(f"{name}: {scalar(value)}")
                continue
            if isinstance(value, dict):
                if value:
                    blocks.append(f"{name}: {scalar(value)}")
                continue
            format_value = scalar
        shown = format_value(value)
        if bare:
            pairs.append(shown)
        elif shown:
            pairs.append(f"{name}={shown}")
    if pairs:
        lines.append(" ".join(pairs))
    for name in view.long:
        text = data.get(name)
        if text:
            lines.append(f"{name}:\n{plain(text) if isinstance(text, str) else scalar(text)}")
    lines.extend(blocks)
    if view.next_step:
        lines.append(view.next_step)
    return _within(lines, budget)


# (left out, the field whose model shows this one, shown without its key, on the list line, how to
# format a value when the declared type says so (None: look at the value))
_FieldPlan = tuple[bool, str | None, bool, bool, Formatter | None]


@functools.lru_cache(maxsize=256)
def _record_plan(model: type[BaseModel], view: View) -> dict[str, _FieldPlan]:
    """How ``render`` shows each declared field of ``model``: what the rules decide from the field's
    name and declared type, worked out once per model instead of once per value."""
    return {name: _field_plan(name, field.annotation, view) for name, field in model.model_fields.items()}


def _field_plan(name: str, annotation: Any, view: View) -> _FieldPlan:
    skipped = name in view.heading or name == view.key or name in view.long
    # ``requester_id`` is left out when the record also carries the requester itself (shown with its id).
    sibling = name[:-3] if name.endswith("_id") else None
    return skipped, sibling, name in view.bare, name in view.line, _simple_formatter(annotation)


def _simple_formatter(annotation: Any) -> Formatter | None:
    """``_formatter`` for a declared type that cannot hold a list, a model or a dict; else None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        kinds = [kind for kind in typing.get_args(annotation) if kind is not type(None)]
    elif origin is None and annotation is not None:
        kinds = [annotation]
    else:  # list[...], dict[...], Literal[...] and the like: the value says
        return None
    if len(kinds) != 1 or not isinstance(kinds[0], type) or typing.get_origin(kinds[0]) is not None:
        return None
    kind = kinds[0]
    if kind is str or kind is bool or kind is float or kind is date:
        return scalar
    if kind is int or kind is datetime or issubclass(kind, enum.Enum):
        return _formatter(kind)
    return None


def _nested(name: str, items: list[BaseModel]) -> str:
    """A list inside a record (a ticket's notes, a form's fields): one line each, text whole."""
    view = view_of(type(items[0]))
    lines = [f"{name} ({len(items)}):"]
    for item in items:
        line, _ = _list_line(item, view, None, whole=True)
        lines.append("- " + line.replace("\n  ", ": ", 1).replace("\n  ", " "))
    return "\n".join(lines)


def _within(lines: list[str], budget: int) -> str:
    text = "\n".join(lines)
    if len(text) <= budget:
        return text
    return (
        text[:budget].rstrip()
        + f"\n[Truncated: {budget} of {len(text)} characters shown; the structured result has the whole.]"
    )
