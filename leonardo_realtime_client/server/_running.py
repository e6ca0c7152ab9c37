"""Running the local server over real HTTP with uvicorn: in the foreground, or in a thread for tests."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import attrs

from .._extras import OVER_HTTP, require_server_extra
from ._config import LOCAL_BASE_PATH, ServerConfig
from ._handler import CanvasHandler, RecordedRequest

__all__ = ["LocalServer", "in_thread", "listening_socket", "running_local_server", "running_server", "serve"]

_DROP_MESSAGE = "ASGI callable returned without completing response."


class _QuietDrops(logging.Filter):
    """uvicorn logs an error for each faked dropped connection; those are deliberate, so they are not shown."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROP_MESSAGE


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound TCP socket for uvicorn, made with ``IPPROTO_TCP`` so asyncio sets ``TCP_NODELAY`` on every
    connection it accepts (it only does for sockets whose ``proto`` says TCP; ``proto=0`` leaves Nagle on,
    and a small answer written in two pieces then waits ~40 ms for the client's delayed ACK).

    Raises ``OSError`` when the address cannot be bound (closed again then)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _uvicorn_config(app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> Any:
    import uvicorn

    # h11 (pure Python) keeps the set-up the same everywhere; no websockets, no lifespan work to do.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=log_level in ("debug", "trace"),
        http="h11",
        ws="none",
        lifespan="off",
        loop="asyncio",
        timeout_graceful_shutdown=1,
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    config: ServerConfig | None = None,
    log_level: str = "info",
    *,
    handler: CanvasHandler | None = None,
) -> None:
    """Serve the four operations at ``http://{host}:{port}/api/rest/v1`` until interrupted (Ctrl-C).

    Raises :class:`~leonardo_realtime_client.ConfigurationError` without the ``server`` extra."""
    require_server_extra("the local HTTP server", OVER_HTTP)
    import uvicorn

    from ._app import create_app

    app = create_app(config, handler=handler)

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            # Bound here, not by uvicorn, which turns a failed bind into sys.exit(3): this raises the OSError.
            sock = listening_socket(host, port)
            await super().startup(sockets=[sock])
            url = f"http://{f'[{host}]' if ':' in host else host}:{sock.getsockname()[1]}"
            logging.getLogger("uvicorn.error").info("Uvicorn running on %s (Press CTRL+C to quit)", url)

    quiet = _QuietDrops()
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        _Server(_uvicorn_config(app, host=host, port=port, log_level=log_level)).run()
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet)


@contextlib.contextmanager
def running_server(
    config: ServerConfig | None = None, *, handler: CanvasHandler | None = None, port: int = 0
) -> Iterator[str]:
    """Run the server on ``127.0.0.1`` in a background thread; yield its base URL (``http://127.0.0.1:<port>/api/rest/v1``).

    ``port=0`` (the default) takes a free port. The server stops when the block ends. Raises
    :class:`~leonardo_realtime_client.ConfigurationError` without the ``server`` extra.
    """
    require_server_extra("the local HTTP server", OVER_HTTP)
    import uvicorn

    from ._app import create_app

    app = create_app(config, handler=handler)
    ready = threading.Event()

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            ready.set()

    sock = listening_socket("127.0.0.1", port)
    bound_port = sock.getsockname()[1]
    server = _Server(_uvicorn_config(app))
    quiet = _QuietDrops()
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        failed = f"the local Realtime Canvas server did not start on 127.0.0.1:{bound_port}"
        with in_thread(server, sock, ready, name="leonardo-local-server", failed=failed):
            yield f"http://127.0.0.1:{bound_port}{LOCAL_BASE_PATH}"
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet)


@contextlib.contextmanager
def in_thread(server: Any, sock: socket.socket, ready: threading.Event, *, name: str, failed: str) -> Iterator[None]:
    """Run the uvicorn ``server`` on ``sock`` in a daemon thread called ``name`` for the ``with`` block, once it
    is ready (its startup sets ``ready``); then stop it and close ``sock``. The local server and the canvas both
    run this way. Raises ``RuntimeError(failed)`` when the thread ends before it is ready."""
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    try:
        while not ready.wait(timeout=0.05):
            if not thread.is_alive():
                raise RuntimeError(failed)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@attrs.frozen
class LocalServer:
    """A running local server: where it is and what it saw (what the ``leonardo_server`` fixture gives)."""

    base_url: str
    """``http://127.0.0.1:<port>/api/rest/v1`` (or the in-process URL)."""
    handler: CanvasHandler = attrs.field(repr=False)

    @property
    def config(self) -> ServerConfig:
        return self.handler.config

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests the server saw, oldest first (up to ``ServerConfig.history``)."""
        return self.handler.requests


@contextlib.contextmanager
def running_local_server(config: ServerConfig | None = None, *, port: int = 0) -> Iterator[LocalServer]:
    """Like ``running_server``, but yields a ``LocalServer`` (base URL plus the request log)."""
    require_server_extra("the local HTTP server", OVER_HTTP)
    handler = CanvasHandler(config)
    with running_server(handler=handler, port=port) as base_url:
        yield LocalServer(base_url, handler)
