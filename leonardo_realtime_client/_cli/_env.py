"""How the CLI reaches the outside world: the API client, the local server, the demo.

Tests swap these through ``CliEnv`` (passed as click's ``obj``); the defaults import lazily, so
``leonardo-realtime --help`` stays fast and works without the server extra installed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._key_file import read_api_key

if TYPE_CHECKING:
    import socket

    from .._demo import DemoReport
    from ..canvas import CanvasConfig
    from ..server import ServerConfig

__all__ = ["AsyncCanvas", "CliEnv", "Connection", "make_client", "read_api_key"]


class AsyncCanvas(Protocol):
    """What the CLI and its MCP tools need of ``AsyncRealtimeCanvas``: ``aclose``, and the method named like the
    command or tool (``generate``, ``refine``, ``inpaint``, ``upscale``: ``(image, [mask,] **options) ->
    RealtimeResult``), looked up by name."""

    async def aclose(self) -> None: ...


@dataclasses.dataclass(frozen=True, slots=True)  # not attrs (~6 ms): `--help` imports this
class Connection:
    """Where and how to send requests. ``api_key`` is hidden from ``repr``."""

    api_key: str | None = dataclasses.field(repr=False)
    base_url: str | None
    local: bool
    timeout: float | None
    max_retries: int | None
    allow_insecure_http: bool
    total_timeout: float | None = None


def make_client(conn: Connection, local_config: ServerConfig | None = None) -> AsyncCanvas:
    """An ``AsyncRealtimeCanvas`` for the connection; ``--local`` runs the local server in-process."""
    from .._async_client import AsyncRealtimeCanvas

    kwargs: dict[str, Any] = {"allow_insecure_http": conn.allow_insecure_http}
    if conn.timeout is not None:
        kwargs["timeout"] = conn.timeout
    if conn.max_retries is not None:
        kwargs["max_retries"] = conn.max_retries
    if conn.total_timeout is not None:
        kwargs["total_timeout"] = conn.total_timeout
    base_url = conn.base_url
    if conn.local:
        from ..server import IN_PROCESS_BASE_URL, LocalTransport

        kwargs["transport"] = LocalTransport(local_config)
        base_url = base_url or IN_PROCESS_BASE_URL
    client: AsyncCanvas = AsyncRealtimeCanvas(api_key=conn.api_key or "local", base_url=base_url, **kwargs)
    return client


def _default_serve(host: str, port: int, config: ServerConfig, log_level: str) -> None:
    from ..server import serve

    serve(host, port, config, log_level=log_level)


def _default_demo(output_dir: Path, *, real_api: bool, over_http: bool, echo: Callable[[str], None]) -> DemoReport:
    from .._demo import run_demo

    return run_demo(output_dir, real_api=real_api, over_http=over_http, echo=echo)


def _default_canvas(config: CanvasConfig, sock: socket.socket, log_level: str, on_ready: Callable[[], None]) -> None:
    from ..canvas import serve_canvas

    serve_canvas(config, sock, log_level=log_level, on_ready=on_ready)


@dataclasses.dataclass(frozen=True, slots=True)
class CliEnv:
    """The CLI's seams: how to make a client, run the server, the demo and the canvas."""

    client_factory: Callable[[Connection], AsyncCanvas] = make_client
    serve: Callable[[str, int, ServerConfig, str], None] = _default_serve
    demo: Callable[..., DemoReport] = _default_demo
    canvas: Callable[[CanvasConfig, socket.socket, str, Callable[[], None]], None] = _default_canvas
