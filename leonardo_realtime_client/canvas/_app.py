"""The canvas as an ASGI app (starlette): the static page, and one WebSocket per tab at ``/ws``.

Who may connect: the ``Host`` of every request must be one of ``CanvasConfig.allowed_hosts`` (a page from
another name that resolves to 127.0.0.1 — DNS rebinding — is refused), the WebSocket's ``Origin`` must be this
same host (another site open in the browser cannot drive the canvas), and with ``access_token`` set the socket
needs ``?token=`` with it. A refused handshake gets HTTP 403 and never reaches a session.
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ._config import CanvasConfig
from ._connection import CanvasConnection

__all__ = ["STATIC_DIR", "CanvasHub", "create_canvas_app"]

STATIC_DIR = Path(__file__).parent / "static"
"""The page: ``index.html``, ``canvas.css``, ``canvas.js`` (shipped in the wheel, no build step, no CDN)."""

# The page loads only its own files; images are data URLs (results) or blobs (uploads, downloads).
_CLOSE_DEADLINE = 10.0
"""Seconds a closing connection may take to cancel its requests and close its client."""

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"referrer-policy", b"no-referrer"),  # the token in the page's URL goes nowhere else
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CanvasHub:
    """The open connections of one app (``app.state.canvas``): counted, and waited for when they close."""

    def __init__(self, config: CanvasConfig) -> None:
        self.config = config
        self.connections: set[CanvasConnection] = set()
        self.refused = 0
        """Connections refused (bad origin, host or token; too many tabs)."""
        self._idle: asyncio.Event | None = None

    async def wait_closed(self) -> None:
        """Return once no connection is open (each one fully closed: session, tasks and client)."""
        while self.connections:
            if self._idle is None:
                self._idle = asyncio.Event()
            self._idle.clear()
            await self._idle.wait()

    def _closed(self, connection: CanvasConnection) -> None:
        self.connections.discard(connection)
        if not self.connections and self._idle is not None:
            self._idle.set()

    def refusal(self, websocket: WebSocket) -> str | None:
        """Why this handshake is refused, or None."""
        config = self.config
        host = websocket.headers.get("host", "")
        origin = websocket.headers.get("origin")
        if origin is None:
            return "no Origin header"
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.netloc != host:
            return "the Origin is not this page's"
        if "*" not in config.allowed_hosts and (parts.hostname or "") not in config.allowed_hosts:
            return "the Origin's host is not allowed"
        if config.access_token is not None:
            given = websocket.query_params.get("token", "")
            if not secrets.compare_digest(given.encode(), config.access_token.encode()):
                return "a wrong or missing access token"
        return None

    async def serve(self, websocket: WebSocket) -> None:
        """The ``/ws`` endpoint: check, accept, relay messages to a connection until the page goes away."""
        if self.refusal(websocket) is not None:
            self.refused += 1
            await websocket.close(code=1008)  # before accept: the handshake fails with HTTP 403
            return
        if len(self.connections) >= self.config.max_connections:
            self.refused += 1
            await websocket.accept()
            most = self.config.max_connections
            await websocket.close(code=1013, reason=f"at most {most} tab{'s' if most != 1 else ''} at once")
            return
        connection = CanvasConnection(self.config, websocket.send_text)
        self.connections.add(connection)  # counted before the first await: two handshakes cannot both squeeze in
        try:
            await websocket.accept()
            await connection.start()
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    connection.on_bytes(message["bytes"])
                elif message.get("text") is not None:
                    await connection.on_text(message["text"])
        except WebSocketDisconnect:
            pass
        finally:
            # Shielded: a server shutting down (or a test client) may cancel this task while it cleans up, and
            # then the session's requests, the outbox and the client would be left behind. Bounded all the same.
            try:
                with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_DEADLINE):
                    await connection.aclose()
            finally:
                self._closed(connection)


def _page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


def create_canvas_app(config: CanvasConfig) -> Starlette:
    """A starlette app: ``/`` the page, ``/static/*`` its files, ``/ws`` the canvas WebSocket."""
    hub = CanvasHub(config)
    hosts = ["*"] if "*" in config.allowed_hosts else list(config.allowed_hosts)
    hosts = [f"[{h}]" if ":" in h else h for h in hosts]  # starlette compares the Host header's text
    app = Starlette(
        routes=[
            Route("/", _page),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            WebSocketRoute("/ws", hub.serve),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts), Middleware(_SecurityHeaders)],
    )
    app.state.canvas = hub
    return app
