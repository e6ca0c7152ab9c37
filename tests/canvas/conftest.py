"""Pieces shared by the canvas tests: a canvas app on the in-process stand-in, a fake clock, socket helpers."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import attrs
import pytest
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.testclient import TestClient, WebSocketTestSession

from leonardo_realtime_client import AsyncRealtimeCanvas
from leonardo_realtime_client.canvas import CanvasConfig, CanvasHub, create_canvas_app
from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, LocalTransport, ServerConfig

MARKER_KEY = "sk-CANVAS-MARKER-7f3a9c1e5b2d4068-NEVER-ON-THE-PAGE"
ORIGIN = "http://127.0.0.1:8765"
DEADLINE = float(__import__("os").environ.get("CANVAS_DEADLINE", "20"))
"""Seconds a test waits for a message before failing (a safety net against a hang, not a measurement)."""


def drawing(strokes: int = 1, size: tuple[int, int] = (512, 512)) -> bytes:
    """A JPEG 'drawing' on white: ``strokes`` lines, so different counts give different frames."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i in range(strokes):
        draw.line((40, 40 + 30 * i, 470, 80 + 30 * i), fill=(30, 50, 90), width=12)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def mask_png(size: tuple[int, int] = (512, 512)) -> bytes:
    img = Image.new("L", size, 0)
    ImageDraw.Draw(img).ellipse((150, 150, 350, 350), fill=255)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class FakeClock:
    """A monotonic clock that only moves when the session sleeps (nothing waits for real)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class ClosingClient(AsyncRealtimeCanvas):
    """The real async client, remembering that it was closed."""

    closed = False

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


@attrs.define
class Canvas:
    """A canvas app on the in-process stand-in, with what it made: transports (request logs) and clients."""

    app: Starlette
    config: CanvasConfig
    clock: FakeClock
    transports: list[LocalTransport]
    clients: list[ClosingClient]

    @property
    def hub(self) -> CanvasHub:
        hub: CanvasHub = self.app.state.canvas
        return hub

    def requests(self) -> list[Any]:
        return [r for t in self.transports for r in t.requests]


def make_canvas(
    server: ServerConfig | None = None, client_class: type[ClosingClient] = ClosingClient, **options: Any
) -> Canvas:
    """A canvas app whose clients are ``client_class`` (a subclass may hold calls back) on the stand-in."""
    clock = FakeClock()
    transports: list[LocalTransport] = []
    clients: list[ClosingClient] = []

    def factory() -> ClosingClient:
        transport = LocalTransport(server)
        transports.append(transport)
        client = client_class(api_key=MARKER_KEY, base_url=IN_PROCESS_BASE_URL, transport=transport, max_retries=0)
        clients.append(client)
        return client

    options.setdefault("secret", MARKER_KEY)
    config = CanvasConfig(client_factory=factory, session_options={"clock": clock, "sleep": clock.sleep}, **options)
    return Canvas(create_canvas_app(config), config, clock, transports, clients)


@pytest.fixture
def canvas() -> Canvas:
    return make_canvas()


@pytest.fixture
def client(canvas: Canvas) -> Iterator[TestClient]:
    with TestClient(canvas.app, base_url=ORIGIN) as test_client:
        yield test_client


def connect(
    client: TestClient, origin: str | None = ORIGIN, path: str = "/ws", host: str = "127.0.0.1:8765"
) -> WebSocketTestSession:
    """Open the socket as a page loaded from ``http://{host}`` would (the test client says ``testserver`` otherwise)."""
    headers = {"origin": origin} if origin is not None else {}
    return client.websocket_connect(f"ws://{host}{path}", headers=headers)


class Page:
    """The test's side of one socket: every message received is kept (to check none carries the key)."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []
        self.raw: list[str] = []

    def receive(self) -> dict[str, Any]:
        # WebSocketTestSession.receive() has no timeout: read its stream under a deadline so a bug fails, not hangs.
        stream = self.ws._send_rx

        async def next_message() -> Any:
            with anyio.fail_after(DEADLINE):
                return await stream.receive()

        message = self.ws.portal.call(next_message)
        if message["type"] == "websocket.close":
            raise AssertionError(f"the server closed the socket: {message}")
        text = message["text"]
        self.raw.append(text)
        decoded: dict[str, Any] = json.loads(text)
        self.seen.append(decoded)
        return decoded

    def until(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            message = self.receive()
            if predicate(message):
                return message

    def last(self, kind: str) -> dict[str, Any]:
        """The newest message of this type received so far."""
        return next(m for m in reversed(self.seen) if m["type"] == kind)

    def until_type(self, kind: str) -> dict[str, Any]:
        return self.until(lambda m: m["type"] == kind)

    def until_stats(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return self.until(lambda m: m["type"] == "stats" and predicate(m))

    def frame(self, data: bytes) -> None:
        self.ws.send_bytes(b"\x01" + data)

    def result_of(self, data: bytes) -> dict[str, Any]:
        """Send a drawing and wait for the next result (the answer to it, or to a newer drawing)."""
        self.frame(data)
        return self.until_type("result")

    def mask(self, data: bytes) -> None:
        self.ws.send_bytes(b"\x02" + data)

    def params(self, **values: Any) -> None:
        self.ws.send_text(json.dumps({"type": "params", **values}))


def leftover_tasks(client: TestClient) -> list[str]:
    """Names of the package's tasks still alive on the app's event loop."""

    async def names() -> list[str]:
        return sorted(t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("leonardo-"))

    assert client.portal is not None
    return client.portal.call(names)


def wait_closed(client: TestClient, hub: CanvasHub) -> None:
    async def closed() -> None:
        with anyio.fail_after(DEADLINE):
            await hub.wait_closed()

    assert client.portal is not None
    client.portal.call(closed)
