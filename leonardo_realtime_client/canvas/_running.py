"""Running the canvas with uvicorn: in the foreground (the CLI), or in a thread on 127.0.0.1 (tests, notebooks)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .._extras import CANVAS, require_extra
from ._config import CanvasConfig

__all__ = ["bind", "running_canvas", "serve_canvas"]


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on ``host:port`` (``port=0``: a free one); raises OSError when the port is taken.

    The local server's own (``IPPROTO_TCP``, so asyncio turns Nagle off on every accepted connection)."""
    from ..server._running import listening_socket

    return listening_socket(host, port)


def _server(config: CanvasConfig, log_level: str, on_ready: Callable[[], None]) -> Any:
    import uvicorn

    from ._app import create_canvas_app

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            on_ready()

    uv_config = uvicorn.Config(
        create_canvas_app(config),
        log_level=log_level,
        access_log=log_level in ("debug", "trace"),
        http="h11",
        ws="wsproto",  # sans-I/O like h11; the 'canvas' extra installs it
        ws_max_size=config.max_frame_bytes + 1024,
        lifespan="off",
        loop="asyncio",
        timeout_graceful_shutdown=2,
    )
    return _Server(uv_config)


def serve_canvas(
    config: CanvasConfig,
    sock: socket.socket,
    *,
    log_level: str = "warning",
    on_ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve the canvas on a bound socket until interrupted (Ctrl-C); ``on_ready`` runs once it accepts.
    Raises ConfigurationError without the ``canvas`` extra."""
    require_extra("the browser canvas", "canvas", CANVAS)
    with sock:
        _server(config, log_level, on_ready).run(sockets=[sock])


@contextlib.contextmanager
def running_canvas(config: CanvasConfig, *, port: int = 0) -> Iterator[str]:
    """Run the canvas on ``127.0.0.1`` in a background thread; yield its URL (``http://127.0.0.1:<port>/``).
    Raises ConfigurationError without the ``canvas`` extra (before anything is bound)."""
    require_extra("the browser canvas", "canvas", CANVAS)
    from ..server._running import in_thread

    ready = threading.Event()
    sock = bind("127.0.0.1", port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server = _server(config, "warning", ready.set)
    try:
        with in_thread(server, sock, ready, name="leonardo-canvas", failed=f"the canvas did not start on {url}"):
            yield url
    finally:
        logging.getLogger("leonardo_realtime_client.canvas").debug("canvas at %s stopped", url)
