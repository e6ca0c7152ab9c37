"""``leonardo-realtime mcp``: serve the four operations as MCP tools (stdio, or Streamable HTTP on 127.0.0.1).

The ``mcp`` SDK is imported only when this command runs (the ``mcp`` extra); the key comes from the CLI's usual
places (``LEONARDO_API_KEY`` or ``--api-key-file``), never from a tool argument, and is never printed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .._click import CONTEXT_SETTINGS, LogLevelOption
from .._errors import ConfigurationError
from ._env import CliEnv, Connection, read_api_key
from ._startup import is_cli_process

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["mcp_command"]

DEFAULT_PORT = 8765
DEFAULT_OUTPUT = Path("leonardo-mcp-output")


def _decimal(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    from decimal import Decimal, InvalidOperation  # here: `--help` does not need decimal

    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise click.BadParameter(f"{value!r}: a number above 0")
    return amount


def _env() -> CliEnv:
    found = click.get_current_context().find_object(CliEnv)
    return found if found is not None else CliEnv()


def _run(values: dict[str, Any]) -> None:
    try:
        import anyio

        from .._mcp._budget import Budget
        from .._mcp._calls import ToolCalls
        from .._mcp._results import ResultStore
        from .._mcp._server import bind_loopback, build_server, serve_http
    except ImportError as exc:
        raise click.UsageError(
            f"the MCP server needs the 'mcp' extra: pip install 'leonardo-realtime-client[mcp]' ({exc.name})"
        ) from None
    local: bool = values["local"]
    key = read_api_key(values["api_key_file"], required=not local)
    conn = Connection(
        api_key=key,
        base_url=values["base_url"],
        local=local,
        timeout=values["timeout"],
        max_retries=values["max_retries"],
        allow_insecure_http=values["allow_insecure_http"],
        total_timeout=values.get("total_timeout"),
    )
    folder = Path(values["output_dir"]).expanduser().absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.UsageError(f"cannot use {folder} for results ({exc.strerror or exc}); pass --output-dir") from None
    budget = Budget(limit=values["budget"], unit=values["budget_unit"])
    http = values["transport"] == "http"
    sock = None
    if http:
        try:
            sock = bind_loopback(values["port"])
        except OSError as exc:
            raise click.UsageError(f"cannot listen on 127.0.0.1:{values['port']}: {exc.strerror or exc}") from None
    where = "the local stand-in (no key, no cost)" if local else "the Leonardo.AI API (paid calls)"
    limit = f", budget {budget.limit} {budget.unit}" if budget.limit is not None else ""
    url = f" at http://127.0.0.1:{values['port']}/mcp" if http else " on stdio"
    env = _env()

    async def main() -> None:
        try:
            client = env.client_factory(conn)
        except ImportError as exc:
            raise click.UsageError(
                f"--local needs the 'server' extra: pip install 'leonardo-realtime-client[server]' ({exc.name})"
            ) from None
        except ConfigurationError as exc:  # a bad --base-url, plain http to a remote host, a missing extra
            from .._redaction import redact  # here: `--help` does not load it (and logging with it)

            message = str(exc).replace("pass allow_insecure_http=True", "pass --allow-insecure-http")
            raise click.UsageError(redact(message, key)) from None
        # Only once the client is made: an MCP host shows this line, so it must not announce a server that is not.
        click.echo(f"leonardo-realtime MCP server{url}: tools on {where}{limit}; results in {folder}", file=sys.stderr)
        try:
            calls = ToolCalls(client, ResultStore(folder), budget, secret=key, local=local)
            server = build_server(calls)
            if sock is not None:
                await serve_http(server, sock, log_level=values["log_level"])
            elif is_cli_process() and threading.current_thread() is threading.main_thread():
                await _stdio_until_signal(server.run_stdio_async, client)
            else:
                await server.run_stdio_async()
        finally:
            await client.aclose()

    if sock is None:
        _interrupt_at_once()
    try:
        anyio.run(main)
    except KeyboardInterrupt:  # Ctrl-C is how a server is meant to stop
        click.echo("stopped", file=sys.stderr)
        if sock is None and is_cli_process():
            _exit_now()
    finally:
        if sock is not None:
            sock.close()


async def _stdio_until_signal(serve: Callable[[], Awaitable[None]], client: Any) -> None:
    """Serve over stdio until standard input closes, or stop on Ctrl-C or SIGTERM: close the client, say
    "stopped", end the process with 0 (:func:`_exit_now`).

    The signals are taken by the event loop (``anyio.open_signal_receiver``), not by a handler raising
    ``KeyboardInterrupt`` wherever the main thread happens to be: under load a signal landed inside one of the
    SDK's tasks, which then died with it and asyncio's shutdown logged that task's traceback to the host."""
    import anyio

    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as group:

            async def run() -> None:
                await serve()
                group.cancel_scope.cancel()  # standard input closed: the server ended by itself

            group.start_soon(run)
            async for _ in signals:
                with anyio.CancelScope(shield=True):
                    await client.aclose()
                click.echo("stopped", file=sys.stderr)
                _exit_now()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _interrupt_at_once() -> None:
    """Ctrl-C raises ``KeyboardInterrupt`` where the main thread is, as SIGTERM already does in the command.

    asyncio's own Ctrl-C handling cancels the running task instead, and the SDK's stdio task then waits for its
    reader thread, which waits for a line on standard input: the server would not stop until the host wrote or
    closed the pipe. Only in the command's own process (a library or test caller keeps its handlers).
    """
    if is_cli_process() and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _raise_interrupt)


def _exit_now() -> NoReturn:
    """End the process at once, with status 0.

    Over stdio the SDK reads standard input in a worker thread; after Ctrl-C or SIGTERM that thread still waits
    for a line the host may never send (a host that signals without closing the pipe, a terminal), and the
    interpreter would wait for it before exiting. Everything of ours is done by now: the client is closed and
    every result was written atomically.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def mcp_command(connection_options: list[click.Parameter]) -> click.Command:
    """The ``mcp`` command, with the same connection options as the four operations."""
    params: list[click.Parameter] = [
        click.Option(
            ["--transport"],
            type=click.Choice(["stdio", "http"]),
            default="stdio",
            show_default=True,
            help="stdio (an MCP host starts this command) or Streamable HTTP on 127.0.0.1 (at /mcp).",
        ),
        click.Option(
            ["--port"],
            type=click.IntRange(1, 65535),
            default=DEFAULT_PORT,
            show_default=True,
            help="Port for --transport http (always on 127.0.0.1).",
        ),
        click.Option(
            ["-o", "--output-dir"],
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_OUTPUT,
            show_default=True,
            help="Folder where every returned image is saved (created if needed; files are never replaced).",
        ),
        click.Option(
            ["--budget"],
            callback=_decimal,
            metavar="AMOUNT",
            help="Refuse calls that could take the server's total cost past AMOUNT (in --budget-unit). "
            "Default: no limit.",
        ),
        click.Option(
            ["--budget-unit"],
            type=click.Choice(["DOLLARS", "CREDITS"]),
            default="DOLLARS",
            show_default=True,
            help="The unit of --budget, as the API reports cost.",
        ),
        LogLevelOption(default="warning", help="uvicorn's log level (--transport http)."),
        *connection_options,
    ]

    def callback(**values: Any) -> None:
        _run(values)

    return click.Command(
        "mcp",
        params=params,
        callback=callback,
        help="Serve generate, refine, inpaint and upscale as MCP tools for an MCP host (an AI assistant).\n\n"
        "Input schemas carry the spec's limits; images are given as a file path, a data URL or the id of an "
        "earlier result; every result is returned as an image and saved in --output-dir. The API key is read "
        "from LEONARDO_API_KEY or --api-key-file, never from a tool argument. --local serves the local "
        "stand-in (no key, no network, no cost). Needs the 'mcp' extra.",
        short_help="Serve the four operations as MCP tools (stdio or Streamable HTTP).",
        context_settings=CONTEXT_SETTINGS,
    )
