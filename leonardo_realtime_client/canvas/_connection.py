"""One browser tab: its WebSocket messages in, one latest-wins ``RealtimeSession`` behind them, events out.

The page sends a drawing only when it changed; the connection submits it to the session (latest wins: a drawing
that arrives while a request is in flight replaces the waiting one, results come back in order, older ones are
dropped) and forwards every result, error and budget event, each followed by the panel's numbers. Everything the
page is sent goes through one outbox task, so messages never interleave. ``aclose()`` cancels what is in flight,
closes the session and the client, and leaves no task behind.

Switching the live operation (generate, refine, inpaint) closes the session and opens one for the new operation
with what is left of the connection's budget; counts and spend in the panel cover the whole connection, the
latency and staleness percentiles the current session.

The budget covers the whole connection, upscales included, although a session's budget is fixed when it opens:
a session is opened only when what is left covers one more request at the largest live cost seen. An upscale
first lets the live requests in flight finish (and upscales their output), is refused when the largest upscale cost
seen would pass what is left, holds the drawings that arrive while it runs (sent after it), and once it has cost
something reopens the live session with what is left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson

from .. import (
    BudgetExhausted,
    LeonardoError,
    RateLimitError,
    RealtimeSession,
    SessionError,
    SessionResult,
    SessionStats,
    ValidationError,
    encode_data_url,
    sniff_format,
)
from .._redaction import redact
from ._config import CanvasBackend, CanvasConfig
from ._protocol import FRAME_TAG, ProtocolError, call_kwargs, decimal_text, ms, parse_params, split_binary
from ._settings import control_specs, page_settings

__all__ = ["CanvasConnection"]

logger = logging.getLogger("leonardo_realtime_client.canvas")

_TOTALLED = ("sent", "coalesced", "dropped_stale", "errors", "rate_limited", "delivered", "cancelled")
_STATS = object()  # outbox marker: send the panel's numbers as they are when the message goes out


class CanvasConnection:
    """The server side of one page. ``send_text`` writes one text message to the WebSocket."""

    def __init__(self, config: CanvasConfig, send_text: Callable[[str], Awaitable[None]]) -> None:
        self._config = config
        self._send_text = send_text
        self._client: CanvasBackend = config.client_factory()
        self._clock: Callable[[], float] = config.session_options.get("clock", time.monotonic)
        self._outbox: asyncio.Queue[object] = asyncio.Queue()
        self._stats_queued = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._operation = "generate"
        self._params: dict[str, Any] = {c["name"]: c["value"] for c in control_specs()}
        self._frame: bytes | None = None
        self._mask: bytes | None = None
        self._last_submitted: tuple[object, ...] | None = None
        self._session: RealtimeSession[Any] | None = None
        self._totals: dict[str, int] = dict.fromkeys(_TOTALLED, 0)
        self._spent_before = Decimal(0)  # by closed sessions and upscales
        self._unit: str | None = None
        self._budget_reached = False
        self._latest_output: tuple[bytes, str] | None = None
        self._upscale: asyncio.Task[None] | None = None
        self._upscaling = False  # live drawings wait while an upscale runs (they are sent after it)
        self._held = False  # a drawing (or parameters) arrived while the upscale ran
        self._live_cost: Decimal | None = None  # the largest cost of a live request seen on this connection
        self._upscale_cost: Decimal | None = None  # the largest cost of an upscale seen
        self.frames = 0
        """Drawings received."""
        self.unchanged = 0
        """Drawings (or parameter messages) that changed nothing, so nothing was submitted."""
        self._closed = False

    # ------------------------------------------------------------------ life cycle

    @property
    def tasks(self) -> frozenset[asyncio.Task[None]]:
        """The connection's own tasks still running (the outbox, an upscale); empty once closed."""
        return frozenset(t for t in self._tasks if not t.done())

    async def start(self) -> None:
        """Start the outbox and greet the page with its settings."""
        self._spawn(self._pump(), "outbox")
        config = self._config
        settings = page_settings(
            budget=decimal_text(config.budget),
            max_fps=config.max_fps,
            throttle_ms=config.throttle_ms,
            backend=config.backend,
        )
        self._post({"type": "hello", **settings})
        self._post_stats()

    async def aclose(self) -> None:
        """Cancel in-flight work, close the session and the client. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._session is not None:
                await self._session.aclose()
        finally:
            running = [t for t in self._tasks if not t.done()]
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            await self._client.aclose()

    def _spawn(self, coroutine: Awaitable[None], what: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        task.set_name(f"leonardo-canvas-{what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ page → server

    def on_bytes(self, data: bytes) -> None:
        """A drawing (JPEG) or a mask (PNG or JPEG), tagged by its first byte."""
        try:
            tag, image = split_binary(data)
        except ProtocolError as exc:
            self._error("protocol", str(exc))
            return
        what = "drawing" if tag == FRAME_TAG else "mask"
        if len(image) > self._config.max_frame_bytes:
            self._error("frame", f"the {what} has {len(image):,} bytes; at most {self._config.max_frame_bytes:,}")
            return
        fmt = sniff_format(image)
        allowed = ("jpeg",) if tag == FRAME_TAG else ("png", "jpeg")
        if fmt not in allowed:
            self._error("frame", f"the {what} is {fmt or 'not an image'}; expected " + " or ".join(allowed).upper())
            return
        if tag == FRAME_TAG:
            self.frames += 1
            self._frame = image
        else:
            self._mask = image
        self._render()
        self._post_stats()  # the frame count moved even when nothing was submitted

    async def on_text(self, text: str) -> None:
        """A JSON message: ``params`` or ``upscale``."""
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            self._error("protocol", "a text message must be JSON")
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "params":
            await self._on_params(message)
        elif kind == "upscale":
            self._start_upscale()
        else:
            self._error("protocol", f"unknown message type {str(kind)[:40]!r}; known: params, upscale")

    async def _on_params(self, message: dict[str, Any]) -> None:
        try:
            operation, updates = parse_params(message, self._operation)
        except ValidationError as exc:
            self._error("params", str(exc), fields=list(exc.fields))
            return
        self._params.update(updates)
        if operation != self._operation:
            self._operation = operation
            await self._close_session()
        self._render()  # the current drawing with the new parameters (skipped when nothing changed)

    # ------------------------------------------------------------------ the live session

    def _open_session(self) -> RealtimeSession[Any] | None:
        """A session for the current operation with what is left of the budget; None when that cannot pay for one."""
        budget = self._config.budget
        remaining = None if budget is None else max(Decimal(0), budget - self._spent_before)
        if remaining is not None and (remaining <= 0 or (self._live_cost is not None and self._live_cost > remaining)):
            # A new session knows no cost yet and would send one request whatever it costs: do not open it.
            self._budget_reached = True
            self._post_budget(self._live_cost)
            return None
        options: dict[str, Any] = {"min_interval": 1 / self._config.max_fps, **self._config.session_options}
        session: RealtimeSession[Any] = RealtimeSession(
            self._client,
            self._operation,
            budget=remaining,
            on_event=self._on_event,
            max_buffered_events=0,
            **options,
        )
        self._session = session
        return session

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        await session.aclose()
        stats = session.stats()
        for name in _TOTALLED:
            self._totals[name] += getattr(stats, name)
        self._spent_before += stats.cost
        self._last_submitted = None

    def _render(self) -> None:
        """Submit the current drawing with the current parameters, unless exactly that was submitted last."""
        if self._frame is None or self._closed or self._budget_reached:
            return
        if self._upscaling:
            self._held = True  # sent once the upscale is done (see _run_upscale)
            return
        inpaint = self._operation == "inpaint"
        if inpaint and self._mask is None:
            return  # nothing to repaint until a mask is painted
        kwargs = call_kwargs(self._params, self._operation)
        key = (self._operation, self._frame, self._mask if inpaint else None, tuple(sorted(kwargs.items())))
        if key == self._last_submitted:
            self.unchanged += 1
            self._post_stats()
            return
        session = self._session or self._open_session()
        if session is None:
            return
        if inpaint:
            kwargs["mask"] = self._mask
        try:
            session.submit(self._frame, **kwargs)
        except ValidationError as exc:
            self._error("params", str(exc), fields=list(exc.fields))
            return
        self._last_submitted = key
        self._post_stats()

    def _on_event(self, event: SessionResult[Any] | SessionError | BudgetExhausted) -> None:
        if isinstance(event, SessionResult):
            result = event.result
            mime = result.mime_types[0] if result.mime_types else "image/jpeg"
            self._latest_output = (result.image, mime)
            self._unit = self._unit or _unit_text(result.cost_unit)
            self._live_cost = _larger(self._live_cost, result.cost)
            self._post(
                {
                    "type": "result",
                    "seq": event.seq,
                    "operation": self._operation,
                    "image": encode_data_url(result.image, mime),
                    "latency_ms": ms(event.latency),
                    "age_ms": ms(event.age),
                    "cost": decimal_text(result.cost),
                }
            )
        elif isinstance(event, SessionError):
            self._api_error("api", event.error, event.backoff, seq=event.seq)
        else:
            self._budget_reached = True
            self._post_budget(event.next_cost)
        self._post_stats()

    # ------------------------------------------------------------------ upscale (a button, not live)

    def _start_upscale(self) -> None:
        if self._upscale is not None and not self._upscale.done():
            self._error("upscale", "an upscale is already running")
            return
        if self._latest_output is None:
            self._error("upscale", "nothing to upscale yet: draw something first")
            return
        budget = self._config.budget
        if self._budget_reached or (budget is not None and self._spent() >= budget):
            self._budget_reached = True
            self._post_budget()
            return
        self._upscaling = True
        self._upscale = self._spawn(self._run_upscale(), "upscale")

    async def _run_upscale(self) -> None:
        try:
            await self._upscale_within_budget()
        finally:
            self._upscaling = False
            if self._held:
                self._held = False
                self._render()  # what arrived while the upscale ran
            self._post_stats()

    async def _upscale_within_budget(self) -> None:
        # What was drawn before the button was pressed is answered first (the page sends it before asking): the
        # upscale takes that output, its cost is known before the upscale is weighed, and the upscaled picture is
        # the last to arrive. Drawings that come while the upscale runs are held, and sent after it.
        if self._session is not None:
            await self._session.flush()
        assert self._latest_output is not None  # checked before the task started; outputs are never taken away
        image, _ = self._latest_output
        budget = self._config.budget
        if budget is not None:
            spent, estimate = self._spent(), self._upscale_cost
            if estimate is not None and spent + estimate > budget:
                unit = _unit_suffix(self._unit)
                self._error(
                    "upscale",
                    f"an upscale (~{estimate}{unit}) would pass the budget: spent {spent} of {budget}{unit}",
                )
                return
        kwargs = call_kwargs(self._params, "upscale")
        started = self._clock()
        try:
            result = await self._client.upscale(image, **kwargs)
        except LeonardoError as exc:
            self._totals["errors"] += 1
            backoff = exc.retry_after if isinstance(exc, RateLimitError) else None
            self._api_error("upscale", exc, backoff)
        else:
            if result.cost is not None:
                self._spent_before += result.cost
                self._upscale_cost = _larger(self._upscale_cost, result.cost)
            self._unit = self._unit or _unit_text(result.cost_unit)
            mime = result.mime_types[0] if result.mime_types else "image/jpeg"
            self._latest_output = (result.image, mime)
            self._post(
                {
                    "type": "upscaled",
                    "image": encode_data_url(result.image, mime),
                    "latency_ms": ms(self._clock() - started),
                    "cost": decimal_text(result.cost),
                }
            )
            if budget is not None and result.cost and self._session is not None:
                # The live session's budget was fixed when it opened: reopen it with what the upscale left.
                # It is idle (flushed, drawings held), so closing it cancels nothing.
                submitted = self._last_submitted
                await self._close_session()
                self._last_submitted = submitted

    # ------------------------------------------------------------------ server → page

    def _spent(self) -> Decimal:
        live = self._session.stats().cost if self._session is not None else Decimal(0)
        return self._spent_before + live

    def _redact(self, text: str) -> str:
        return redact(text, self._config.secret)

    def _post(self, message: dict[str, Any]) -> None:
        if not self._closed:
            self._outbox.put_nowait(message)

    def _post_stats(self) -> None:
        if not self._stats_queued and not self._closed:
            self._stats_queued = True
            self._outbox.put_nowait(_STATS)

    def _error(self, kind: str, message: str, **extra: Any) -> None:
        self._post({"type": "error", "kind": kind, "message": self._redact(message), **extra})

    def _api_error(self, kind: str, error: Exception, backoff: float | None, **extra: Any) -> None:
        status = getattr(error, "status_code", None)
        self._error(kind, str(error), status=status, retry_after=backoff, **extra)

    def _post_budget(self, next_cost: Decimal | None = None) -> None:
        budget, spent, unit = self._config.budget, self._spent(), self._unit
        suffix = _unit_suffix(unit)
        more = f"; one more request (~{next_cost}{suffix}) would pass it" if next_cost and spent < (budget or 0) else ""
        text = f"budget reached: spent {spent} of {budget}{suffix}{more}; nothing more is sent"
        self._post(
            {
                "type": "budget",
                "spent": decimal_text(spent),
                "budget": decimal_text(budget),
                "unit": unit,
                "message": text,
            }
        )

    def stats_message(self) -> dict[str, Any]:
        """The panel's numbers now: counts and spend over the connection, percentiles of the current session."""
        session = self._session
        stats: SessionStats | None = session.stats() if session is not None else None
        counts = {name: self._totals[name] + (getattr(stats, name) if stats else 0) for name in _TOTALLED}
        paused_until = session.paused_until if session is not None else None
        return {
            "type": "stats",
            "operation": self._operation,
            "frames": self.frames,
            "unchanged": self.unchanged,
            **counts,
            "in_flight": stats.in_flight if stats else 0,
            "latency_p50_ms": ms(stats.latency_p50) if stats else None,
            "latency_p95_ms": ms(stats.latency_p95) if stats else None,
            "staleness_p50_ms": ms(stats.staleness_p50) if stats else None,
            "staleness_p95_ms": ms(stats.staleness_p95) if stats else None,
            "paused_ms": ms(paused_until - self._clock()) if paused_until is not None else None,
            "spent": decimal_text(self._spent()),
            "budget": decimal_text(self._config.budget),
            "unit": self._unit,
            "budget_reached": self._budget_reached,
        }

    async def _pump(self) -> None:
        while True:
            message = await self._outbox.get()
            if message is _STATS:
                self._stats_queued = False
                message = self.stats_message()
            try:
                await self._send_text(orjson.dumps(message).decode())
            except Exception as exc:  # the page went away: the receive loop sees the disconnect and closes us
                logger.debug("canvas: could not send to the page (%s)", exc.__class__.__name__)
                return


def _larger(known: Decimal | None, cost: Decimal | None) -> Decimal | None:
    if cost is None:
        return known
    return cost if known is None else max(known, cost)


def _unit_suffix(unit: str | None) -> str:
    """``"DOLLARS"`` → ``" dollars"`` (as the page's panel shows it); ``""`` when unknown."""
    return f" {unit.lower()}" if unit else ""


def _unit_text(unit: object) -> str | None:
    """``CostUnit.DOLLARS`` → ``"DOLLARS"``."""
    return None if unit is None else str(getattr(unit, "value", unit))
