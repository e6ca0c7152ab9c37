"""End to end in a real headless Chromium (Debian's ``chromium``, installed by ``make browser``), driven by Playwright.

The page is opened from the canvas served by uvicorn on 127.0.0.1, backed by the in-process stand-in that requires a
marker key. Strokes are drawn with real pointer events; the output must change, the panel must show a latency and a
cost, the console must stay free of errors, and the marker key must appear nowhere the browser can see: the page, any
response, any request, any WebSocket frame. The run writes ``docs/canvas.png`` (the README's picture) when the
page looks different from the committed one.

Skips only where the browser cannot be installed (not root, or no apt-get), saying so.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas
from leonardo_realtime_client.canvas import CanvasConfig, running_canvas
from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, Faults, LocalTransport, ServerConfig

from .conftest import MARKER_KEY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, WebSocket

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "canvas.png"
WAIT_MS = 15_000
"""How long a condition may take to come true (a safety net: each normally holds within a second)."""
OUTPUT_WAIT_MS = 5_000
"""The output must follow a stroke within this (the stand-in answers in milliseconds; a second is plenty)."""
TOKEN = "browser-test-token-0123456789"


def _browser_or_skip() -> Path:
    if CHROMIUM.is_file():
        return CHROMIUM
    can_install = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None
    if not can_install:
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (not root, or no apt-get): no browser test")
    pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (make test does) to install Debian's chromium")


class Seen:
    """Everything the browser saw or sent, as text, to look for the key in; and its console errors."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.console_errors: list[str] = []
        self.frames_sent: list[bytes | str] = []
        self.socket: WebSocket | None = None

    def add(self, value: object) -> None:
        self.texts.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))

    def contains(self, needle: str) -> bool:
        return any(needle in text for text in self.texts)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("websocket", self._socket)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _request(self, request: Request) -> None:
        self.add(request.url)
        self.add(request.headers)
        self.add(request.post_data or "")

    def _response(self, response: Response) -> None:
        self.add(response.headers)
        self.add(response.body())

    def _socket(self, ws: WebSocket) -> None:
        self.socket = ws
        self.add(ws.url)
        ws.on("framereceived", self.add)
        ws.on("framesent", self._sent)

    def _sent(self, payload: bytes | str) -> None:
        self.add(payload)
        self.frames_sent.append(payload)


@contextlib.contextmanager
def _canvas(server: ServerConfig | None = None, **options: Any) -> Iterator[str]:
    """The canvas on 127.0.0.1 over the in-process stand-in, which accepts only the marker key (so it is used)."""
    server = server or ServerConfig(require_token=MARKER_KEY)

    def factory() -> AsyncRealtimeCanvas:
        transport = LocalTransport(server)
        return AsyncRealtimeCanvas(api_key=MARKER_KEY, base_url=IN_PROCESS_BASE_URL, transport=transport, max_retries=0)

    config = CanvasConfig(client_factory=factory, secret=MARKER_KEY, access_token=TOKEN, **options)
    with running_canvas(config) as url:
        yield f"{url}?token={TOKEN}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = _browser_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def canvas_url() -> Iterator[str]:
    with _canvas() as url:
        yield url


def _stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """One stroke of real pointer events (mouse) across the drawing, in fractions of its size."""
    box = page.locator("#pad").bounding_box()
    assert box is not None

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return box["x"] + p[0] * box["width"], box["y"] + p[1] * box["height"]

    page.mouse.move(*at(points[0]))
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(*at(p), steps=4)
    page.mouse.up()


def _pen_stroke(page: Page, start: tuple[float, float], end: tuple[float, float], pressure: float) -> None:
    """A stylus stroke: Chromium's own input pipeline (CDP) with pointerType "pen" and a pressure."""
    box = page.locator("#pad").bounding_box()
    assert box is not None
    cdp = page.context.new_cdp_session(page)
    points = [(start[0] + (end[0] - start[0]) * i / 8, start[1] + (end[1] - start[1]) * i / 8) for i in range(9)]
    for i, (fx, fy) in enumerate(points):
        kind = "mousePressed" if i == 0 else "mouseReleased" if i == len(points) - 1 else "mouseMoved"
        event = {"type": kind, "x": box["x"] + fx * box["width"], "y": box["y"] + fy * box["height"]}
        event.update(button="left", buttons=1 if kind != "mouseReleased" else 0, clickCount=1)
        cdp.send("Input.dispatchMouseEvent", {**event, "pointerType": "pen", "force": pressure})
    cdp.detach()


def _keep_screenshot(png: bytes) -> None:
    """Write ``docs/canvas.png`` when it is missing or the page looks different (over 2 % of its pixels changed).

    Only the panel's numbers and the output's last strokes move from run to run (~0.2 % of the pixels): rewriting
    the committed picture for those would leave every working tree changed after ``make test``.
    """
    from PIL import Image, ImageChops

    if SCREENSHOT.is_file():
        with Image.open(SCREENSHOT) as old_file, Image.open(io.BytesIO(png)) as new_file:
            old, new = old_file.convert("RGB"), new_file.convert("RGB")
            if old.size == new.size:
                changed = ImageChops.difference(old, new).convert("L").point(lambda v: 255 if v > 24 else 0)
                if changed.histogram()[255] <= 0.02 * new.width * new.height:
                    return
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.write_bytes(png)


def _frames(page: Page) -> int:
    return int(page.text_content("[data-stat=frames]") or "0")


def _zigzag(y: float, teeth: int = 6) -> list[tuple[float, float]]:
    return [(0.1 + 0.8 * i / (2 * teeth), y + (0.12 if i % 2 else 0.0)) for i in range(2 * teeth + 1)]


def test_draw_and_watch_the_output_follow_in_chromium(browser: Browser, canvas_url: str) -> None:
    seen = Seen()
    page = browser.new_page(viewport={"width": 1400, "height": 880}, has_touch=True)
    try:
        seen.watch(page)
        page.goto(canvas_url)
        page.wait_for_selector("#params textarea", timeout=WAIT_MS)  # the controls came from the server

        _stroke(page, _zigzag(0.15))
        page.wait_for_function(
            "() => document.getElementById('output').src.startsWith('data:image/')", timeout=OUTPUT_WAIT_MS
        )
        first = page.eval_on_selector("#output", "img => img.src")

        # Mid-drawing: a second stroke, the picture following, caught for the README.
        box = page.locator("#pad").bounding_box()
        assert box is not None
        _stroke(page, _zigzag(0.55, teeth=4))
        page.wait_for_function(
            "src => document.getElementById('output').src !== src", arg=first, timeout=OUTPUT_WAIT_MS
        )
        page.wait_for_function(
            "() => /\\d+ ms/.test(document.querySelector('[data-stat=latency_p50_ms]').textContent)",
            timeout=WAIT_MS,
        )
        page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.85 * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.8 * box["height"], steps=6)
        page.wait_for_function(
            "src => document.getElementById('output').src !== src",
            arg=page.eval_on_selector("#output", "img => img.src"),
            timeout=WAIT_MS,
        )
        _keep_screenshot(page.screenshot())
        page.mouse.up()

        # Touch and pen draw too: each adds a frame the server counts.
        before = _frames(page)
        page.touchscreen.tap(box["x"] + 0.8 * box["width"], box["y"] + 0.9 * box["height"])
        page.wait_for_function(f"() => Number(document.querySelector('[data-stat=frames]').textContent) > {before}")
        before = _frames(page)
        _pen_stroke(page, (0.6, 0.92), (0.9, 0.8), pressure=0.9)
        page.wait_for_function(f"() => Number(document.querySelector('[data-stat=frames]').textContent) > {before}")

        latency = page.text_content("[data-stat=latency_p50_ms]")
        spent = Decimal(page.text_content("[data-stat=spent]") or "0")
        budget = page.text_content("[data-stat=budget]")
        sent = int(page.text_content("[data-stat=sent]") or "0")

        # Inpaint: the brush now paints the mask layer; the result says it was an inpaint.
        assert seen.socket is not None
        with seen.socket.expect_event("framesent", predicate=lambda payload: '"inpaint"' in str(payload)):
            page.check("input[name=operation][value=inpaint]")  # sent on the next tick, before any mask is painted
        _stroke(page, _zigzag(0.4, teeth=3))
        page.wait_for_function(
            "() => document.getElementById('output-caption').textContent.includes('(inpaint)')", timeout=WAIT_MS
        )
        # Upscale the current output on the button; the download link offers it.
        page.click("#upscale")
        page.wait_for_function(
            "() => document.getElementById('output-caption').textContent.startsWith('Upscaled')"
            " && document.getElementById('output').complete",
            timeout=WAIT_MS,
        )
        size = page.eval_on_selector("#output", "img => [img.naturalWidth, img.naturalHeight]")
        download = page.get_attribute("#download", "href") or ""
        seen.add(page.content())
    finally:
        page.close()

    assert latency is not None
    assert latency.endswith(" ms")
    assert spent > 0
    assert budget == "1.00"
    assert sent >= 2
    assert size == [1024, 1024]
    assert download.startswith("data:image/jpeg;base64,")
    assert seen.console_errors == []
    drawings = [f for f in seen.frames_sent if isinstance(f, bytes) and f[:1] == b"\x01"]
    masks = [f for f in seen.frames_sent if isinstance(f, bytes) and f[:1] == b"\x02"]
    assert len(drawings) >= 3
    assert len(masks) >= 1
    # A mask goes out only once something is painted on it (an empty one would pay for nothing).
    from PIL import Image

    for m in masks:
        with Image.open(io.BytesIO(m[1:])) as painted:
            assert painted.convert("L").getbbox() is not None
    # Only changes are sent: no drawing went out twice in a row.
    assert all(a != b for a, b in itertools.pairwise(drawings))
    assert seen.texts, "nothing was recorded: the checks below would prove nothing"
    assert seen.contains(TOKEN)  # the probe sees what went over the socket's URL...
    assert not seen.contains(MARKER_KEY)  # ...and the key is nowhere in it
    assert SCREENSHOT.stat().st_size > 10_000


def _last_drawing(seen: Seen) -> bytes:
    return next(f for f in reversed(seen.frames_sent) if isinstance(f, bytes) and f[:1] == b"\x01")


def _wait_frames_above(page: Page, count: int) -> None:
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-stat=frames]').textContent) > {count}", timeout=WAIT_MS
    )


def test_upload_eraser_clear_and_undo(browser: Browser, canvas_url: str, tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    picture = tmp_path / "start.png"
    img = Image.new("RGB", (300, 200), (150, 190, 235))
    ImageDraw.Draw(img).ellipse((100, 40, 200, 140), fill=(250, 200, 60))
    img.save(picture)
    seen = Seen()
    page = browser.new_page(viewport={"width": 1400, "height": 880})
    try:
        seen.watch(page)
        page.goto(canvas_url)
        page.wait_for_selector("#params textarea", timeout=WAIT_MS)
        # A picture the browser cannot decode (an iPhone's HEIC) is refused on the page, and the drawing stays blank.
        heic = tmp_path / "IMG_0001.HEIC"
        heic.write_bytes(b"\0\0\0\x18ftypheic" + bytes(200))
        page.set_input_files("#upload", str(heic))
        page.wait_for_function(
            "() => document.getElementById('message').textContent.includes('cannot read IMG_0001.HEIC')",
            timeout=WAIT_MS,
        )
        page.set_input_files("#upload", str(picture))  # a picture to start from
        _wait_frames_above(page, 0)
        uploaded = _last_drawing(seen)
        page.fill("#colour", "#c0392b")
        page.fill("#size", "40")
        # One click is one change, so one frame: each step below waits for exactly the next frame.
        box = page.locator("#pad").bounding_box()
        assert box is not None
        spot = (box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
        page.mouse.click(*spot)
        _wait_frames_above(page, 1)
        drawn = _last_drawing(seen)
        page.check("input[name=tool][value=eraser]")
        page.mouse.click(box["x"] + 0.5 * box["width"], box["y"] + 0.05 * box["height"])  # white on white
        page.wait_for_function("() => document.getElementById('unsent').textContent === '1'", timeout=WAIT_MS)
        page.mouse.click(*spot)
        _wait_frames_above(page, 2)
        erased = _last_drawing(seen)
        page.click("#clear")
        _wait_frames_above(page, 3)
        cleared = _last_drawing(seen)
        page.click("#undo")
        _wait_frames_above(page, 4)
        undone = _last_drawing(seen)
        page.wait_for_function("() => document.getElementById('output').src.startsWith('data:image/')", timeout=WAIT_MS)
        # Ctrl+Z while typing the prompt undoes the typing; the drawing stays as it is.
        pixels = "() => document.getElementById('drawing').toDataURL('image/png')"
        before_typing = page.evaluate(pixels)
        prompt = page.locator("#params textarea")
        typed = prompt.input_value()
        prompt.click()
        page.keyboard.press("End")
        page.keyboard.type("!")  # one keystroke: one step of the field's own undo
        page.keyboard.press("Control+z")
        after_typing = page.evaluate(pixels)
        prompt_after_undo = prompt.input_value()
    finally:
        page.close()
    assert seen.console_errors == []
    assert len({uploaded, drawn, erased, cleared}) == 4  # each tool changed the drawing
    assert undone == erased  # undo restored the drawing exactly as it was before the clear
    assert len(cleared) < len(uploaded)  # a white page compresses far better than the picture
    assert after_typing == before_typing  # Ctrl+Z in the prompt left the drawing alone
    assert prompt_after_undo == typed  # and undid the typing instead


def test_a_429_shows_its_countdown_and_the_budget_its_end(browser: Browser) -> None:
    # The first request gets 429 with Retry-After: 3 (real seconds: the session pauses, the page counts down);
    # the budget has room for two results (2 x 0.0147 of 0.03), so the third drawing is not sent.
    server = ServerConfig(require_token=MARKER_KEY, faults=Faults(script=["rate_limit"], retry_after=3))
    seen = Seen()
    with _canvas(server, budget="0.03") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 880})
        try:
            seen.watch(page)
            page.goto(url)
            page.wait_for_selector("#params textarea", timeout=WAIT_MS)
            _stroke(page, _zigzag(0.2))
            page.wait_for_function(
                "() => document.getElementById('message').textContent.includes('rate limited (429)')", timeout=WAIT_MS
            )
            countdown = page.text_content("#message") or ""
            page.wait_for_function(
                "() => document.getElementById('output').src.startsWith('data:image/')", timeout=WAIT_MS
            )
            first = page.eval_on_selector("#output", "img => img.src")
            _stroke(page, _zigzag(0.5))
            page.wait_for_function("src => document.getElementById('output').src !== src", arg=first, timeout=WAIT_MS)
            _stroke(page, _zigzag(0.8))
            page.wait_for_function(
                "() => document.getElementById('message').textContent.includes('budget reached')", timeout=WAIT_MS
            )
            errors = page.text_content("[data-stat=errors]")
            rate_limited = page.text_content("[data-stat=rate_limited]")
            spent = page.text_content("[data-stat=spent]")
        finally:
            page.close()
    assert "sending resumes in" in countdown
    assert (errors, rate_limited) == ("1", "1")
    assert spent == "0.0294"
    assert seen.console_errors == []


def test_on_a_phone_the_drawing_and_its_output_show_together_and_a_finger_draws(
    browser: Browser, canvas_url: str
) -> None:
    seen = Seen()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        seen.watch(page)
        page.goto(canvas_url)
        page.wait_for_selector("#params textarea", timeout=WAIT_MS)
        pad = page.locator("#pad").bounding_box()
        assert pad is not None
        # A finger drags across the drawing (Chromium's touch input): it draws, and the page does not scroll.
        cdp = context.new_cdp_session(page)
        x, y = pad["x"] + 0.1 * pad["width"], pad["y"] + 0.1 * pad["height"]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for i in range(1, 9):
            point = {"x": x + i * 0.1 * pad["width"], "y": y + i * 0.08 * pad["height"]}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.wait_for_function(
            "() => document.getElementById('output').src.startsWith('data:image/')", timeout=OUTPUT_WAIT_MS
        )
        scrolled = page.evaluate("() => window.scrollY")
        output = page.locator("#output").bounding_box()
    finally:
        context.close()
    assert scrolled == 0
    assert output is not None
    # Both on the first screen: all of the drawing, at least half of the output.
    assert pad["y"] + pad["height"] <= 844
    assert output["y"] + 0.5 * output["height"] <= 844
    assert seen.console_errors == []
