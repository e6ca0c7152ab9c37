"""The ``MCPServer`` (official ``mcp`` SDK, 2.x API) with the four tools, and its stdio / Streamable HTTP transports.

The only module of the package that imports ``mcp`` (and pydantic); the CLI imports it when ``leonardo-realtime
mcp`` runs. Each tool is registered as an SDK ``Tool`` whose input schema is the one generated from the constraints
table (``_schema.input_schema``); its arguments reach ``ToolCalls`` as given, so that every problem of a call is
reported at once, in the same words as the client, the CLI and the local server.
"""

from __future__ import annotations

import inspect
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, ContentBlock, TextContent, ToolAnnotations

from .. import __version__
from ._calls import ToolCalls, ToolOutcome
from ._output import ToolResultOut
from ._schema import TOOL_OPERATIONS, input_schema, tool_description

__all__ = ["build_server", "serve_http", "to_call_tool_result"]

SERVER_NAME = "leonardo-realtime"


def to_call_tool_result(outcome: ToolOutcome) -> CallToolResult:
    """Image content labelled with the sniffed media type, then the summary and the structured content as JSON."""
    content: list[ContentBlock] = [
        # The SDK's Image helper labels bytes image/png unless told the format: pass the sniffed one.
        Image(data=data, format=mime.removeprefix("image/")).to_image_content()
        for data, mime in outcome.images
    ]
    content.append(TextContent(type="text", text=outcome.text + "\n" + json.dumps(outcome.structured, indent=2)))
    return CallToolResult(content=content, structured_content=outcome.structured, is_error=outcome.is_error)


def _raw_arguments(ctx: Context[Any], validated: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the client sent them, unknown names included (the SDK's argument model drops those)."""
    try:
        params = ctx.request_context.params
    except ValueError:  # called outside a request (MCPServer.call_tool without a context)
        params = None
    raw = params.get("arguments") if params is not None else None
    if isinstance(raw, dict):
        return dict(raw)
    return {name: value for name, value in validated.items() if value is not None}


def _tool_function(calls: ToolCalls, tool: str, names: list[str]) -> Callable[..., Awaitable[CallToolResult]]:
    async def run(ctx: Context[Any], **arguments: Any) -> CallToolResult:
        return to_call_tool_result(await calls.call(tool, _raw_arguments(ctx, arguments)))

    # The published schema states every limit; ToolCalls checks them all (and names a misspelt argument, which the
    # SDK's argument model would drop silently), so the SDK's own model accepts anything for each property.
    returns = Annotated[CallToolResult, ToolResultOut]
    parameters = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)]
    parameters += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any) for n in names]
    run.__signature__ = inspect.Signature(parameters, return_annotation=returns)  # type: ignore[attr-defined]
    run.__annotations__ = {"ctx": Context, **dict.fromkeys(names, Any), "return": returns}
    run.__name__ = run.__qualname__ = tool
    return run


def _instructions(calls: ToolCalls) -> str:
    where = (
        "This server runs on the local stand-in of the Leonardo.AI Realtime Canvas API: no key, no network, no cost; "
        "its pictures are drawn locally and only show that a call works."
        if calls.local
        else "Each tool call is a paid request to the Leonardo.AI Realtime Canvas API."
    )
    budget = calls.budget
    limit = ""
    if budget.limit is not None:
        limit = f" Calls that could pass the budget of {budget.limit} {budget.unit} are refused."
    return (
        f"{where}{limit} Images go in as a file path, a data URL or the id of an earlier result (such as "
        "'generate-1'), so generate → refine → upscale chains by id without passing bytes. Results are saved under "
        f"{calls.store.folder}. Masks for inpaint are white on black (white = repaint), at the image's size."
    )


def build_server(calls: ToolCalls) -> MCPServer[Any]:
    """An ``MCPServer`` offering generate, refine, inpaint and upscale over ``calls``.

    Tool annotations: not read-only, not destructive (results go to new files), not idempotent (each call is a new
    generation and may be paid), open-world unless the server runs on the local stand-in.
    """
    annotations = ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=not calls.local
    )
    budget_text = None
    if calls.budget.limit is not None:
        budget_text = f"Refused when it could pass the server's budget of {calls.budget.limit} {calls.budget.unit}."
    tools: list[Tool] = []
    for tool in TOOL_OPERATIONS:
        schema = input_schema(tool)
        registered = Tool.from_function(
            _tool_function(calls, tool, list(schema["properties"])),
            name=tool,
            title=f"Leonardo Realtime Canvas: {tool}",
            description=tool_description(tool, local=calls.local, budget_text=budget_text),
            annotations=annotations,
        )
        registered.parameters = schema  # generated from the constraints table: limits, enums, descriptions
        tools.append(registered)
    return MCPServer(
        SERVER_NAME,
        title="Leonardo.AI Realtime Canvas",
        instructions=_instructions(calls),
        version=__version__,
        tools=tools,
        log_level="WARNING",  # the SDK configures the root logger; INFO would log every HTTP request
    )


def bind_loopback(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (a busy port raises ``OSError`` here, not inside uvicorn)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


async def serve_http(server: MCPServer[Any], sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve Streamable HTTP at ``http://127.0.0.1:<port>/mcp`` on an already bound socket until cancelled."""
    import uvicorn

    app = server.streamable_http_app(host="127.0.0.1")
    config = uvicorn.Config(app, log_level=log_level)
    await uvicorn.Server(config).serve(sockets=[sock])
