"""The explicit list of every tool, and the SDK server built from it."""

from __future__ import annotations

import functools
import logging
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mcp.server.context import CallNext, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver import server as sdk_server
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.request_state import RequestStateSecurity
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ValidationError

from domain.errors import DomainError
from server.capabilities import Capabilities
from server.render.answer import answer, check_fields
from server.results import ResultShapeMiddleware, server_info
from server.tools.arguments import explain, nul_path, strict_model
from server.tools.base import ToolSpec
from server.tools.schemas import model_facing

logger = logging.getLogger(__name__)

NAME = "helpdesk-mcp"
TITLE = "Helpdesk"
INSTRUCTIONS = (
    "Tools for a helpdesk / ITSM service desk: tickets and their notes, assets, agents, requesters, "
    "onboarding and offboarding requests, the service catalog and the solution knowledge base. "
    "Lists are paginated: pass per_page (at most 100) and follow next_cursor (pass it as cursor) "
    "until it is null; page numbers work too. total is exact unless total_is_exact is false. "
    "You only see the workspaces your account belongs to."
)


def all_tool_specs() -> list[ToolSpec]:
    """Every tool of the product, in catalogue order."""
    from server.tools import assets as asset_tools
    from server.tools import catalog as catalog_tools
    from server.tools import onboarding as onboarding_tools
    from server.tools import people as people_tools
    from server.tools import solutions as solution_tools
    from server.tools import tickets as ticket_tools
    from server.tools import workspaces as workspace_tools

    specs: list[ToolSpec] = []
    for module in (
        ticket_tools,
        asset_tools,
        people_tools,
        onboarding_tools,
        catalog_tools,
        solution_tools,
        workspace_tools,
    ):
        specs.extend(module.TOOLS)
    return specs


def internal_error_message(name: str) -> str:
    return (
        f"{name} failed because of an internal error of the helpdesk server; nothing was changed. "
        "Try again later; if it keeps failing, tell a helpdesk admin."
    )


def _answering(spec: ToolSpec) -> Callable[..., Any]:
    """The tool function returning its answer (``server.render``): text for the model and the
    complete structured result. Domain errors become tool errors the model can act on; anything
    else is our fault: logged with its traceback, and answered with a generic sentence (never the
    exception's text)."""
    fn, name = spec.fn, spec.name
    result_model = typing.get_type_hints(fn)["return"]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        fields = kwargs.get("fields")
        try:
            check_fields(result_model, fields)
            return answer(fn(*args, **kwargs), tool=name, fields=fields)
        except DomainError as exc:
            raise ToolError(str(exc)) from None
        except Exception:
            logger.exception("tool %s failed", name)
            raise ToolError(internal_error_message(name)) from None

    return call


@dataclass(frozen=True, slots=True)
class ToolBook:
    """What the HTTP edge and the middleware need to know about each tool, by name."""

    specs: dict[str, ToolSpec]
    strict_models: dict[str, type[BaseModel]]
    parameters: dict[str, list[str]]
    tools: dict[str, Tool]  # the SDK's, as served

    def requires_write(self, name: str) -> bool:
        spec = self.specs.get(name)
        return spec is not None and spec.writes


class StrictArgumentsMiddleware:
    """Checks ``tools/call`` arguments before the SDK does; see ``server.tools.arguments``."""

    def __init__(self, book: ToolBook) -> None:
        self._book = book

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method == "tools/call" and ctx.params is not None:
            name = ctx.params.get("name")
            if isinstance(name, str):
                refusal = strict_refusal(self._book, name, ctx.params.get("arguments"))
                if refusal is not None:
                    return refusal
        return await call_next(ctx)


def strict_refusal(book: ToolBook, name: str, arguments: Any) -> CallToolResult | None:
    """A tool error naming what is wrong with ``arguments``, or None when they are the tool's."""
    nul = nul_path(arguments)
    if nul is not None:
        text = f"Invalid arguments for {name}: '{nul}': text must not contain the NUL character (U+0000)."
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
    model = book.strict_models.get(name)
    if model is None:
        return None
    try:
        model.model_validate({} if arguments is None else arguments)
    except ValidationError as exc:
        text = explain(exc, name, book.parameters[name])
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
    return None


def build_tools(specs: Sequence[ToolSpec]) -> tuple[list[Tool], ToolBook]:
    tools: list[Tool] = []
    strict: dict[str, type[BaseModel]] = {}
    parameters: dict[str, list[str]] = {}
    for spec in specs:
        annotations = ToolAnnotations(
            title=spec.title,
            read_only_hint=not spec.writes,
            destructive_hint=False,
            idempotent_hint=spec.idempotent,
            open_world_hint=False,
        )
        sdk_tool = Tool.from_function(
            _answering(spec),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=annotations,
            structured_output=True,
        )
        if sdk_tool.output_schema is None:
            raise TypeError(f"tool {spec.name} must return a pydantic model (it needs an output schema)")
        sdk_tool.parameters = {**model_facing(sdk_tool.parameters), "additionalProperties": False}
        # The answer is built from a value of the declared type (server.render.answer), so the
        # SDK's second validation of structuredContent would only repeat work: the schema stays.
        sdk_tool.fn_metadata.output_model = None
        strict[spec.name] = strict_model(sdk_tool.fn_metadata.arg_model)
        parameters[spec.name] = list(sdk_tool.parameters.get("properties", {}))
        tools.append(sdk_tool)
    book = ToolBook(
        specs={spec.name: spec for spec in specs},
        strict_models=strict,
        parameters=parameters,
        tools={tool.name: tool for tool in tools},
    )
    return tools, book


_SDK_LOGGING_SETUP = "configure_logging"


@contextmanager
def _sdk_logging_setup_skipped() -> Iterator[None]:
    """``MCPServer.__init__`` calls the SDK's ``configure_logging``: it imports rich to build a
    handler for ``logging.basicConfig``. Logging is configured by ``serve`` (``server.logs``), so
    that call never changes anything but costs every worker ~1.5 MiB of memory (rich's modules).
    Skipped while the server is built; tests/server/test_worker_memory.py notices if it moves."""
    configure = getattr(sdk_server, _SDK_LOGGING_SETUP)  # AttributeError if the SDK moved it
    setattr(sdk_server, _SDK_LOGGING_SETUP, lambda *_args, **_kwargs: None)
    try:
        yield
    finally:
        setattr(sdk_server, _SDK_LOGGING_SETUP, configure)


def build_mcp_server(
    specs: Sequence[ToolSpec],
    *,
    version: str,
    middleware: Sequence[ServerMiddleware[Any]] = (),
    request_state_security: RequestStateSecurity | None = None,
) -> tuple[MCPServer[Any], ToolBook]:
    """The SDK server; ``middleware`` (outermost first) runs before the strict argument check.

    ``request_state_security`` seals the 2026-07-28 ``requestState`` (``server.request_state_keys``);
    None keeps the SDK's per-process key."""
    tools, book = build_tools(specs)
    capabilities = Capabilities()
    with _sdk_logging_setup_skipped():
        server: MCPServer[Any] = MCPServer(
            name=NAME,
            title=TITLE,
            instructions=INSTRUCTIONS,
            version=version,
            tools=tools,
            middleware=[
                ResultShapeMiddleware(server_info(name=NAME, title=TITLE, version=version)),
                *middleware,
                *capabilities.middleware(),
                StrictArgumentsMiddleware(book),
                *capabilities.middleware_after_argument_checks(),
            ],
            request_state_security=request_state_security,
            # Nothing publishes list or resource changes, so 2026-07-28's subscriptions/listen is
            # not served: server/discover then advertises listChanged and subscribe as false, as
            # is true.
            subscriptions=False,
        )
    capabilities.install(server)
    return server, book
