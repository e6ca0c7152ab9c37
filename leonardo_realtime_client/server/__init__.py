"""A local stand-in for the Leonardo.AI Realtime Canvas API: same routes, auth, validation and error shapes.

It does not run an LCM model: images are made deterministically with Pillow from the prompt, seed and style
(see ``_imaging``). Three ways to run it:

- in-process: ``httpx.Client(transport=LocalTransport(config))`` (or ``AsyncClient``), no socket;
- over HTTP on 127.0.0.1: ``with running_server(config) as base_url: ...``, ``serve(host, port, config)``,
  ``python -m leonardo_realtime_client.server --port 8000`` or ``leonardo-realtime serve``;
- in a pytest suite: the fixtures of ``leonardo_realtime_client.testing``.

Latency and faults come from ``ServerConfig(latency=Latency(...), faults=Faults(...), seed=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_dir, lazy_getattr

if TYPE_CHECKING:
    from ._app import create_app
    from ._config import DEFAULT_COSTS, LOCAL_BASE_PATH, UPSCALE_FACTOR, Fault, Faults, Latency, ServerConfig
    from ._handler import CanvasHandler, RecordedRequest
    from ._running import LocalServer, running_local_server, running_server, serve
    from ._transport import IN_PROCESS_BASE_URL, LocalTransport

__all__ = [
    "DEFAULT_COSTS",
    "IN_PROCESS_BASE_URL",
    "LOCAL_BASE_PATH",
    "UPSCALE_FACTOR",
    "CanvasHandler",
    "Fault",
    "Faults",
    "Latency",
    "LocalServer",
    "LocalTransport",
    "RecordedRequest",
    "ServerConfig",
    "create_app",
    "running_local_server",
    "running_server",
    "serve",
]

_LAZY = {
    "DEFAULT_COSTS": "._config",
    "LOCAL_BASE_PATH": "._config",
    "UPSCALE_FACTOR": "._config",
    "Fault": "._config",
    "Faults": "._config",
    "Latency": "._config",
    "ServerConfig": "._config",
    "CanvasHandler": "._handler",
    "RecordedRequest": "._handler",
    "IN_PROCESS_BASE_URL": "._transport",
    "LocalTransport": "._transport",
    "create_app": "._app",
    "LocalServer": "._running",
    "running_local_server": "._running",
    "running_server": "._running",
    "serve": "._running",
}


# Every name loads on first use: starlette and uvicorn only when the HTTP server is asked for, and the rest (httpx,
# attrs, the image helpers) not for `leonardo-realtime --help`, which imports the `serve` command from this package.
__getattr__ = lazy_getattr(__name__, _LAZY, extra="server")
__dir__ = lazy_dir(__name__, _LAZY, requires="starlette")
