"""The realtime canvas in a browser: draw, watch the picture follow, see latency and spend.

``leonardo-realtime canvas`` runs it (the ``canvas`` extra: starlette, uvicorn, wsproto, Pillow). The page is
static HTML/CSS/JS in ``static/`` (no build step, no CDN); it talks to this package over one WebSocket per tab,
and the Python process holds the API key — the page never sees it. Pieces:

- ``CanvasConfig``: backend factory, budget, frame-rate cap, allowed hosts, access token (``_config``);
- ``create_canvas_app(config)``: the starlette app (``_app``); its ``/ws`` feeds one latest-wins
  ``RealtimeSession`` per connection (``_connection``), speaking the protocol in ``_protocol``;
- ``running_canvas(config)`` / ``serve_canvas(config, sock)``: uvicorn in a thread or in the foreground (``_running``).

Importing this package loads nothing heavy; starlette and uvicorn load with ``create_canvas_app`` and the runners.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_dir, lazy_getattr
from ._config import DEFAULT_BUDGET, DEFAULT_MAX_FPS, DEFAULT_THROTTLE_MS, LOOPBACK_HOSTS, CanvasBackend, CanvasConfig

if TYPE_CHECKING:
    from ._app import CanvasHub, create_canvas_app
    from ._running import running_canvas, serve_canvas

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_MAX_FPS",
    "DEFAULT_THROTTLE_MS",
    "LOOPBACK_HOSTS",
    "CanvasBackend",
    "CanvasConfig",
    "CanvasHub",
    "create_canvas_app",
    "running_canvas",
    "serve_canvas",
]

_LAZY = {
    "CanvasHub": "._app",
    "create_canvas_app": "._app",
    "running_canvas": "._running",
    "serve_canvas": "._running",
}


__getattr__ = lazy_getattr(__name__, _LAZY, extra="canvas")
__dir__ = lazy_dir(__name__, _LAZY, requires="starlette")
