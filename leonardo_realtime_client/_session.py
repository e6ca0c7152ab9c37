"""Realtime sessions: "latest input wins" streaming for an interactive canvas.

Over 500 lines because :class:`RealtimeSession` is one state machine (pending input, requests in flight, pauses,
budget, delivery order) whose transitions read best together; its events, policy, parameter checks and thread
bridge are already modules of their own.

A canvas fires input events dozens of times a second, but a result takes a few hundred milliseconds.
:class:`RealtimeSession` keeps the person drawing looking at the freshest possible picture while paying
only for requests that can still matter:

- ``submit(image, **overrides)`` never blocks: it records the input and returns its request timestamp;
- at most ``max_in_flight`` requests run at once (default 1); while they do, a newer input *replaces*
  the pending one (latest wins) — replaced inputs are never sent and never paid;
- results are delivered in submission order only: a response older than the newest result already
  delivered is dropped (and counted), never shown;
- results and errors come as events, through ``async for event in session`` and/or ``on_event``;
- ``min_interval`` throttles sending; a 429 pauses sending for the *whole* session, honouring
  Retry-After; other errors are delivered as events and the session goes on;
- ``budget`` stops sending once the spent cost (or the next request's estimated cost) reaches it, each attempt of
  unknown outcome (``stats().possibly_billed``) counted at the largest cost seen; until a first cost is known it
  allows one request in flight at a time;
- ``aclose()`` cancels in-flight requests and leaves no task behind;
- an input identical to the last one sent (the same ``bytes`` or data URL, the same mask and parameters) is not
  sent again: the result on its way, or on screen, already shows it (``skip_identical=False`` turns this off).
  Only immutable inputs are compared (``bytes``, data URLs); a path, a file or a PIL image may change in place.

:class:`ThreadedRealtimeSession` runs the same session on a background event-loop thread for GUI
and notebook code: ``submit()`` is thread-safe, events come through a callback (on the session's
thread) and a blocking ``get()`` / ``events()``.

Request timestamps: every input gets ``requestTimestamp = str(T * 1_000_000 + n)`` where ``T`` is the
session's start in Unix milliseconds and ``n`` the input's number in the session (1, 2, …). It is a
decimal string like the spec's example, strictly increasing within a session, and ``divmod(int(ts),
1_000_000)`` gives back (start, number). The response must echo it; a response that echoes another
value is an error (:class:`~leonardo_realtime_client.APIResponseError`), not a result.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Generic, NamedTuple

from ._errors import APIResponseError, RateLimitError
from ._numbers import Integer, Number
from ._session_events import (
    BudgetExhausted,
    CanvasClient,
    EventCallback,
    R,
    ResultLike,
    SessionClosedError,
    SessionError,
    SessionEvent,
    SessionResult,
)
from ._session_params import Call, SessionParams, check_async_client, resolve_operation
from ._session_policy import (
    DEFAULT_MAX_BUFFERED_EVENTS,
    DEFAULT_RATE_LIMIT_BACKOFF,
    budget_verdict,
    check_options,
    rate_limit_pause,
)
from ._session_stats import SessionStats, StatsRecorder

__all__ = [
    "BudgetExhausted",
    "CanvasClient",
    "Input",
    "RealtimeSession",
    "ResultLike",
    "SessionClosedError",
    "SessionError",
    "SessionEvent",
    "SessionResult",
    "SessionStats",
    "bridge_count_overflow",
    "bridge_prepare",
    "bridge_submit",
]

logger = logging.getLogger("leonardo_realtime_client.session")

_TIMESTAMP_SCALE = 1_000_000


class Input(NamedTuple):
    """One submitted input: its number in the session, its request timestamp, the call, when it came.

    A named tuple (built in C): one is made per ``submit()``."""

    seq: int
    request_timestamp: str
    call: Call
    submitted_at: float


class RealtimeSession(Generic[R]):
    """A latest-wins stream of requests for one interactive canvas, on an :class:`AsyncRealtimeCanvas`.

    A canvas changes dozens of times a second and a result takes a few hundred milliseconds; the session sends
    only what can still matter:

    - ``submit(image, **overrides)`` never blocks or waits for the network: it records the input and returns the
      request timestamp it will carry;
    - at most ``max_in_flight`` requests run at once; while they do, a newer input replaces the waiting one
      (latest wins): a replaced input is never sent and never paid;
    - results come in submission order only: an answer older than the newest result already delivered is
      dropped (and counted), never shown;
    - results and errors arrive as events (:class:`SessionResult`, :class:`SessionError`,
      :class:`BudgetExhausted`) through ``async for event in session`` and/or ``on_event``; the iteration ends
      once the session is closed and its buffered events are read;
    - a 429 pauses the whole session for its Retry-After (else 1 s, 2 s, 4 s … up to 60 s), then the newest input
      is sent; other errors are delivered as events and the session goes on;
    - ``budget`` stops sending before the next request (estimated at the largest cost seen) would pass it;
    - leaving ``async with`` (or ``aclose()``) cancels what is in flight and leaves no task behind; ``flush()``
      first waits for every input to be answered.

    Every input is sent with ``requestTimestamp = str(T * 1_000_000 + n)`` (``T``: the session's start in Unix
    milliseconds, ``n``: the input's number), which the answer must echo. For GUI or notebook code that is not
    on an event loop, use :class:`ThreadedRealtimeSession`.

    ::

        async with AsyncRealtimeCanvas() as client:
            async with RealtimeSession(client, "generate", prompt="a castle", strength=0.7) as session:
                canvas.on_change(session.submit)  # your canvas calls submit on every change
                async for event in session:
                    match event:
                        case SessionResult(result=result):
                            show(result.image)
                        case SessionError(error=error):
                            log(error)
    """

    def __init__(
        self,
        client: CanvasClient[R],
        operation: str,
        *,
        max_in_flight: Integer = 1,
        min_interval: Number = 0.0,
        budget: Number | str | None = None,
        on_event: EventCallback[R] | None = None,
        max_buffered_events: Integer = DEFAULT_MAX_BUFFERED_EVENTS,
        rate_limit_backoff: Number = DEFAULT_RATE_LIMIT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        skip_identical: bool = True,
        **params: Any,
    ) -> None:
        """Check the parameters and set the session up (it starts with ``async with`` or the first ``submit()``).

        Args:
            client: The :class:`AsyncRealtimeCanvas` (or any client with the four async methods) to send with;
                the session does not close it.
            operation: ``"generate"``, ``"refine"``, ``"inpaint"`` or ``"upscale"`` (or the spec's operationId).
            max_in_flight: Requests running at once (default 1); newer inputs wait, the newest replacing the rest.
            min_interval: Seconds between two sends (default 0: as soon as a slot is free).
            budget: Stop sending before the spent cost would pass this amount, in the API's cost unit (a
                ``Decimal``, any number type or a numeric string); ``None`` (default): no limit. Until a first
                cost is known, only one request is in flight.
            on_event: Called with each event on the session's event loop (exceptions it raises are logged).
            max_buffered_events: Events kept for ``async for`` until read (oldest dropped first); 0 keeps none
                (then use ``on_event``).
            rate_limit_backoff: Seconds of the first pause after a 429 without Retry-After (doubling, ≤ 60 s).
            clock: Monotonic clock, in seconds; injectable for tests.
            sleep: The coroutine function that waits (``asyncio.sleep``); tests inject one that does not.
            skip_identical: An input identical to the last one sent is not sent again (default True).
            **params: The operation's fixed keyword arguments — ``prompt``, ``style``, ``strength``,
                ``guidance``, ``steps``, ``width``, ``height``, ``seed``, upscale's ``refine_creative`` and
                ``refine_strength``, inpaint's ``mask`` — and the per-call ``timeout`` / ``max_retries``.

        Raises:
            ValidationError: An unknown operation or parameter, a parameter outside the spec's limits, or a bad
                session option (every problem in one error).
            ConfigurationError: ``client`` cannot be awaited (a synchronous :class:`RealtimeCanvas`, say).
        """
        self._operation = name = resolve_operation(operation)
        check_async_client(client, name)  # a sync client would send every input, then fail on await
        options = check_options(max_in_flight, min_interval, budget, max_buffered_events, rate_limit_backoff)
        self._budget = options.budget
        self._client = client
        self._method: Callable[..., Awaitable[R]] = getattr(client, name)
        self._max_in_flight = options.max_in_flight
        self._min_interval = options.min_interval
        self._rate_limit_backoff = options.rate_limit_backoff
        self._on_event = on_event
        self._clock = clock
        self._sleep = sleep
        self._params = SessionParams(name, params)
        self._skip_identical = bool(skip_identical)
        self._last_sent_call: Call | None = None
        """The call of the last request sent, while it has not failed (what an identical input is compared with)."""
        self._identical_of: dict[int, int] = {}
        """Sent input's number → the newest identical input skipped for it: its result covers those too."""

        self._ts_base = time.time_ns() // 1_000_000 * _TIMESTAMP_SCALE
        self._seq = itertools.count(1)
        self._stats = StatsRecorder()
        self._pending: Input | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._last_sent_seq = 0
        self._newest_delivered = 0
        self._next_send_at = -math.inf
        self._paused_until = -math.inf
        self._consecutive_429 = 0
        self._budget_exhausted = False
        self._latest: SessionResult[R] | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._events_ready = asyncio.Event()
        self._buffer_limit = options.max_buffered_events
        self._events: deque[SessionEvent[R]] = deque(maxlen=options.max_buffered_events or None)
        self._idle_waiters: list[asyncio.Future[None]] = []

    # ------------------------------------------------------------------ public surface

    @property
    def operation(self) -> str:
        """The operation every request calls: ``generate``, ``refine``, ``inpaint`` or ``upscale``."""
        return self._operation

    @property
    def params(self) -> Mapping[str, Any]:
        """The fixed parameters every request is sent with (a copy)."""
        return dict(self._params.fixed)

    @property
    def closed(self) -> bool:
        """True once ``aclose()`` ran (or ``async with`` was left): ``submit()`` then raises."""
        return self._closed

    @property
    def budget_exhausted(self) -> bool:
        """True once the budget stopped sending (a :class:`BudgetExhausted` event said so)."""
        return self._budget_exhausted

    @property
    def paused_until(self) -> float | None:
        """While a 429 pauses the session: the ``clock()`` time sending resumes; else None."""
        return self._paused_until if self._paused_until > self._clock() else None

    @property
    def latest(self) -> SessionResult[R] | None:
        """The newest delivered result, or None."""
        return self._latest

    def submit(self, image: object, **overrides: Any) -> str:
        """Offer a new canvas state; returns at once, never waiting for the network.

        Must be called on the event loop that runs the session (any coroutine or callback on it); from another
        thread use :class:`ThreadedRealtimeSession`.

        Args:
            image: The canvas state: encoded bytes, a path, a binary file, a ``PIL.Image.Image`` or a data URL.
            **overrides: Parameters that replace the session's fixed ones for this input only.

        Returns:
            The ``requestTimestamp`` this input carries if it is sent (a decimal string, increasing).

        Raises:
            ValidationError: An override is unknown or outside the spec's limits (the input is not recorded).
            SessionClosedError: The session is closed.
        """
        if self._closed:
            raise SessionClosedError(f"this {self._operation} session is closed; open a new one")
        call = self._params.prepare(image, overrides)
        running = asyncio._get_running_loop()  # None outside a loop (asyncio exports it for this)
        if running is None or running is not self._loop:
            self._start()  # the first submit, or the wrong loop: says so
        seq = next(self._seq)
        item = Input(seq, str(self._ts_base + seq), call, self._clock())
        self._enqueue(item)
        return item.request_timestamp

    def stats(self) -> SessionStats:
        """The session's counters so far (submitted, sent, coalesced, delivered, errors …, latency, cost).

        Returns:
            A :class:`SessionStats` snapshot; it does not change afterwards.
        """
        return self._stats.snapshot(
            pending=1 if self._pending is not None else 0,
            in_flight=len(self._in_flight),
            budget=self._budget,
            budget_exhausted=self._budget_exhausted,
        )

    def events(self) -> AsyncIterator[SessionEvent[R]]:
        """Results and errors in delivery order; the iteration ends once the session is closed and drained.

        Unread events are buffered up to ``max_buffered_events`` (oldest dropped first and counted in
        ``stats().events_overflowed``). Several iterators share one stream (each event goes to one).
        ``async for event in session`` is the same.

        Returns:
            An async iterator of :class:`SessionResult`, :class:`SessionError` and :class:`BudgetExhausted`.

        Raises:
            RuntimeError: The session keeps no events (``max_buffered_events=0``): use ``on_event``.
        """
        if self._buffer_limit == 0:
            raise RuntimeError("this session does not buffer events (max_buffered_events=0): use on_event")
        return self._iterate()

    def __aiter__(self) -> AsyncIterator[SessionEvent[R]]:
        return self.events()

    async def flush(self) -> None:
        """Wait until nothing is pending or in flight: every input answered, refused, replaced, or the session closed.

        Returns when idle (at once if it already is); raises nothing of its own (errors come as events).
        """
        while not self._idle():
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(waiter)
            await waiter

    async def aclose(self) -> None:
        """Stop: the waiting input is dropped, in-flight requests are cancelled and awaited. Idempotent.

        Events already delivered stay readable; ``async for`` ends after them. The client is not closed.
        """
        if self._closed:
            return
        self._closed = True
        if self._pending is not None:
            self._pending = None
            self._stats.unsent += 1
        tasks = list(self._in_flight.values())
        self._stats.cancelled += len(tasks)
        if self._dispatcher is not None:
            tasks.append(self._dispatcher)
        for task in tasks:
            task.cancel()
        try:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._in_flight.clear()
            self._dispatcher = None
            self._events_ready.set()
            self._notify_idle()

    async def __aenter__(self) -> RealtimeSession[R]:
        self._start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"<RealtimeSession {self._operation} {state}: max_in_flight={self._max_in_flight} "
            f"in_flight={len(self._in_flight)} pending={self._pending is not None} "
            f"delivered={self._stats.delivered} cost={self._stats.cost}>"
        )

    # ------------------------------------------------------------------ input side

    def _new_input(self, call: Call, submitted_at: float) -> Input:
        seq = next(self._seq)
        return Input(seq, str(self._ts_base + seq), call, submitted_at)

    def _start(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "RealtimeSession must be used from a running event loop; from plain threads use ThreadedRealtimeSession"
            ) from None
        if self._loop is None:
            self._loop = loop
            self._dispatcher = loop.create_task(self._dispatch(), name=f"leonardo-session-{self._operation}")
        elif loop is not self._loop:
            raise RuntimeError(
                "this RealtimeSession runs on another event loop (or thread); use ThreadedRealtimeSession "
                "to submit from other threads"
            )

    def _enqueue(self, item: Input) -> None:
        """Runs on the session's loop: the new input becomes the pending one, unless something newer is."""
        self._stats.input_submitted(item.seq, item.submitted_at)
        if self._closed or self._budget_exhausted:
            self._stats.unsent += 1
            return
        pending = self._pending
        if item.seq <= self._last_sent_seq or (pending is not None and item.seq < pending.seq):
            self._stats.coalesced += 1  # arrived late from another thread: something newer already won
            return
        if self._skip_identical and _identical(item.call, self._last_sent_call):
            # The canvas is back at (or still at) what was last sent: that result shows it. An older pending
            # input is superseded by this one, so it goes too.
            if pending is not None:
                self._pending = None
                self._stats.coalesced += 1
            self._stats.identical += 1
            if self._newest_delivered == self._last_sent_seq:
                self._stats.cover(item.seq, self._clock())  # already on screen
            else:
                self._identical_of[self._last_sent_seq] = item.seq
            self._notify_idle()
            return
        if pending is not None:
            self._stats.coalesced += 1
        self._pending = item
        self._wake.set()

    # ------------------------------------------------------------------ sending

    async def _dispatch(self) -> None:
        while True:
            item = await self._next_to_send()
            self._send(item)

    async def _wait(self) -> None:
        self._wake.clear()
        await self._wake.wait()

    async def _next_to_send(self) -> Input:
        while True:
            if self._pending is None or len(self._in_flight) >= self._max_in_flight or self._budget_exhausted:
                await self._wait()
                continue
            spent = self._stats.cost + self._stats.possibly_billed_estimate  # attempts that may have been billed too
            verdict = budget_verdict(self._budget, spent, self._stats.max_cost, len(self._in_flight))
            if verdict == "stop":
                self._exhaust_budget()
                continue
            if verdict == "wait":
                await self._wait()
                continue
            delay = max(self._next_send_at, self._paused_until) - self._clock()
            if delay > 0:
                await self._sleep(delay)
                continue
            item, self._pending = self._pending, None
            return item

    def _exhaust_budget(self) -> None:
        if self._budget_exhausted or self._budget is None:
            return
        self._budget_exhausted = True
        if self._pending is not None:
            self._pending = None
            self._stats.unsent += 1
        event = BudgetExhausted(self._stats.cost, self._budget, self._stats.cost_unit, self._stats.max_cost)
        logger.info("%s session: %s", self._operation, event)
        self._emit(event)
        self._notify_idle()

    def _send(self, item: Input) -> None:
        assert self._loop is not None
        now = self._clock()
        self._next_send_at = now + self._min_interval
        self._last_sent_seq = item.seq
        self._last_sent_call = item.call
        self._stats.sent += 1
        task = self._loop.create_task(self._request(item, now), name=f"leonardo-session-request-{item.seq}")
        self._in_flight[item.seq] = task

    async def _request(self, item: Input, sent_at: float) -> None:
        call = item.call
        args = (call.image,) if self._operation != "inpaint" else (call.image, call.mask)
        try:
            result = await self._method(*args, request_timestamp=item.request_timestamp, **call.kwargs)
        except Exception as exc:
            self._in_flight.pop(item.seq, None)
            if not self._closed:
                self._failed(item, exc)
        else:
            self._in_flight.pop(item.seq, None)
            if not self._closed:
                self._succeeded(item, sent_at, self._clock(), result)
        finally:
            self._in_flight.pop(item.seq, None)
            self._wake.set()
            self._notify_idle()

    # ------------------------------------------------------------------ receiving

    def _succeeded(self, item: Input, sent_at: float, received_at: float, result: R) -> None:
        self._stats.response_paid(result.cost, getattr(result, "cost_unit", None))
        self._stats.attempts_of_unknown_outcome(result)
        echoed = result.request_timestamp
        if echoed is not None and echoed != item.request_timestamp:
            error = APIResponseError(
                f"the response's requestTimestamp {echoed!r} does not match the request's {item.request_timestamp!r}",
                response=getattr(result, "http_response", None),
            )
            self._failed(item, error)
            return
        self._stats.latencies.append(received_at - sent_at)
        self._consecutive_429 = 0
        if item.seq < self._newest_delivered:
            self._stats.dropped_stale += 1
        else:
            self._newest_delivered = item.seq
            self._stats.result_delivered(item.seq, received_at, covers=self._identical_of.pop(item.seq, item.seq))
            event = SessionResult(result, item.request_timestamp, item.seq, item.submitted_at, sent_at, received_at)
            self._latest = event
            self._emit(event)
        if self._budget is not None and self._stats.cost + self._stats.possibly_billed_estimate >= self._budget:
            self._exhaust_budget()

    def _failed(self, item: Input, error: Exception) -> None:
        self._stats.errors += 1
        self._stats.attempts_of_unknown_outcome(error)
        self._identical_of.pop(item.seq, None)
        if item.seq == self._last_sent_seq:
            self._last_sent_call = None  # no result shows it: the same input may be sent again
        backoff: float | None = None
        if isinstance(error, RateLimitError):
            self._stats.rate_limited += 1
            self._consecutive_429 += 1
            backoff = rate_limit_pause(error, self._consecutive_429, self._rate_limit_backoff)
            self._paused_until = max(self._paused_until, self._clock() + backoff)
            # The newest input must still get its picture: send it again once the pause ends.
            if self._pending is None and item.seq == self._last_sent_seq and item.seq > self._newest_delivered:
                self._pending = item
                self._stats.requeued += 1
            logger.warning("%s session: rate limited, pausing all requests for %.3g s", self._operation, backoff)
        self._emit(SessionError(error, item.request_timestamp, item.seq, backoff))

    def _emit(self, event: SessionEvent[R]) -> None:
        if self._buffer_limit:
            if len(self._events) == self._buffer_limit:
                self._stats.events_overflowed += 1
            self._events.append(event)
            self._events_ready.set()
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                logger.exception("%s session: the on_event callback raised; the session goes on", self._operation)

    async def _iterate(self) -> AsyncIterator[SessionEvent[R]]:
        while True:
            if self._events:
                yield self._events.popleft()
                continue
            if self._closed:
                return
            self._events_ready.clear()
            await self._events_ready.wait()

    def _idle(self) -> bool:
        return self._closed or (self._pending is None and not self._in_flight)

    def _notify_idle(self) -> None:
        if not self._idle():
            return
        waiters, self._idle_waiters = self._idle_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


def _identical(call: Call, last: Call | None) -> bool:
    """Whether ``call`` would send exactly what ``last`` sent. Only immutable images are compared: ``bytes`` by
    value (same object first) and data URLs; a path names a file that may change, and a buffer, a file or a
    PIL image may change in place."""
    if last is None or not _immutable(call.image) or (call.mask is not None and not _immutable(call.mask)):
        return False
    return call.image == last.image and call.mask == last.mask and call.kwargs == last.kwargs


def _immutable(image: object) -> bool:
    return type(image) is bytes or (type(image) is str and image[:5].lower() == "data:")


# -- the internal API of the thread bridge (``_threaded_session``); nothing else uses it -----------------------------


def bridge_prepare(session: RealtimeSession[R], image: object, overrides: Mapping[str, Any]) -> Call:
    """Check one input against the session's parameters (pure: safe from any thread)."""
    return session._params.prepare(image, overrides)


def bridge_submit(session: RealtimeSession[R], call: Call, loop: asyncio.AbstractEventLoop) -> str:
    """From another thread: number and stamp ``call`` now, and hand it to the session's ``loop``.

    The caller serialises calls (under a lock), so stamps and hand-overs come in the same order.
    """
    item = session._new_input(call, session._clock())
    loop.call_soon_threadsafe(session._enqueue, item)
    return item.request_timestamp


def bridge_count_overflow(session: RealtimeSession[R]) -> None:
    """On the session's loop: one event was dropped from a bridge's full buffer (``stats().events_overflowed``)."""
    session._stats.events_overflowed += 1
