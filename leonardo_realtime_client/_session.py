"""Realtime sessions: "latest input wins" streaming for an interactive canvas.

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
- ``budget`` stops sending once the spent cost (or the next request's estimated cost) reaches it; until a
  first cost is known it allows one request in flight at a time;
- ``aclose()`` cancels in-flight requests and leaves no task behind.

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
import concurrent.futures
import itertools
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

import attrs

from ._errors import APIResponseError, LeonardoError, RateLimitError, ValidationError, Violation
from ._session_stats import SessionStats, StatsRecorder
from ._validation import operation_rule, validate_body

__all__ = [
    "BudgetExhausted",
    "CanvasClient",
    "RealtimeSession",
    "ResultLike",
    "SessionClosedError",
    "SessionError",
    "SessionEvent",
    "SessionResult",
    "SessionStats",
    "ThreadedRealtimeSession",
]

logger = logging.getLogger("leonardo_realtime_client.session")

#: Session operation name → the spec's operationId (whose constraints the parameters are checked against).
OPERATION_IDS: dict[str, str] = {
    "generate": "createLCMGeneration",
    "refine": "performInstantRefine",
    "inpaint": "performInpaintingLCM",
    "upscale": "performAlchemyUpscaleLCM",
}
#: Per-call options passed through to the client untouched (its retry policy and timeout apply).
CALL_OPTIONS = frozenset({"timeout", "max_retries"})
#: Body fields the session fills in itself.
_IMPLICIT_FIELDS = frozenset({"imageDataUrl", "maskDataUrl", "requestTimestamp"})
#: Without Retry-After, a 429 pauses the session for DEFAULT_RATE_LIMIT_BACKOFF * 2**(n-1) seconds
#: (n = consecutive 429s), at most MAX_RATE_LIMIT_BACKOFF.
DEFAULT_RATE_LIMIT_BACKOFF = 1.0
MAX_RATE_LIMIT_BACKOFF = 60.0
DEFAULT_MAX_BUFFERED_EVENTS = 256
_TIMESTAMP_SCALE = 1_000_000


class ResultLike(Protocol):
    """What the session needs from a client's result (``RealtimeResult`` has it)."""

    @property
    def request_timestamp(self) -> str | None: ...

    @property
    def cost(self) -> Decimal | None: ...


R = TypeVar("R", bound=ResultLike)
R_co = TypeVar("R_co", bound=ResultLike, covariant=True)


class CanvasClient(Protocol[R_co]):
    """Any object with the async client's four operations (``AsyncRealtimeCanvas`` is one).

    Each is called as ``await client.<operation>(image, [mask,] request_timestamp=..., **params)``.
    """

    @property
    def generate(self) -> Callable[..., Awaitable[R_co]]: ...

    @property
    def refine(self) -> Callable[..., Awaitable[R_co]]: ...

    @property
    def inpaint(self) -> Callable[..., Awaitable[R_co]]: ...

    @property
    def upscale(self) -> Callable[..., Awaitable[R_co]]: ...


class SessionClosedError(LeonardoError, RuntimeError):
    """``submit()`` on a session that has been closed."""


@attrs.frozen
class SessionResult(Generic[R]):
    """A result, delivered because it is newer than every result delivered before it."""

    result: R
    """The client's result (``RealtimeResult``: ``.image``, ``.images``, ``.cost``, ``.save()`` …)."""
    request_timestamp: str
    seq: int
    """The input's number in the session (1, 2, …); delivered results have strictly increasing ``seq``."""
    submitted_at: float
    sent_at: float
    received_at: float

    @property
    def latency(self) -> float:
        """Seconds from sending the request to its response."""
        return self.received_at - self.sent_at

    @property
    def age(self) -> float:
        """Seconds from ``submit()`` of this input to the delivery of its result."""
        return self.received_at - self.submitted_at


@attrs.frozen
class SessionError:
    """A request failed (after the client's own retries). The session goes on."""

    error: Exception
    request_timestamp: str
    seq: int
    backoff: float | None = None
    """For a 429: the seconds the whole session pauses sending (Retry-After when given)."""


@attrs.frozen
class BudgetExhausted:
    """The budget is reached: nothing more will be sent (requests in flight still deliver)."""

    spent: Decimal
    budget: Decimal
    unit: str | None
    next_cost: Decimal | None
    """The estimated cost of one more request (the largest seen), or None before any cost was known."""

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        more = f"; one more request (~{self.next_cost}{unit}) would exceed it" if self.next_cost else ""
        return f"budget reached: spent {self.spent}{unit} of {self.budget}{unit}{more}; no more requests are sent"


SessionEvent: TypeAlias = SessionResult[R] | SessionError | BudgetExhausted
EventCallback: TypeAlias = Callable[[SessionEvent[R]], object]


@attrs.frozen
class _Call:
    """A validated call: positional images and keyword arguments (without the request timestamp)."""

    image: object
    mask: object | None
    kwargs: Mapping[str, Any]


@attrs.frozen
class _Input:
    seq: int
    request_timestamp: str
    call: _Call
    submitted_at: float


def _snake(json_name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", json_name).lower()


def _invalid(field: str, value: object, allowed: str) -> ValidationError:
    return ValidationError([Violation(field, value, allowed)], operation="RealtimeSession")


def _check_options(max_in_flight: object, min_interval: object, budget: object, buffered: object) -> Decimal | None:
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise _invalid("max_in_flight", max_in_flight, "an integer ≥ 1")
    if (
        isinstance(min_interval, bool)
        or not isinstance(min_interval, int | float)
        or not math.isfinite(min_interval)
        or min_interval < 0
    ):
        raise _invalid("min_interval", min_interval, "a finite number of seconds ≥ 0")
    if isinstance(buffered, bool) or not isinstance(buffered, int) or buffered < 0:
        raise _invalid("max_buffered_events", buffered, "an integer ≥ 0 (0: no buffering, use on_event)")
    if budget is None:
        return None
    try:
        if isinstance(budget, bool) or not isinstance(budget, Decimal | int | float | str):
            raise TypeError
        amount = Decimal(str(budget)) if isinstance(budget, float) else Decimal(budget)
    except (TypeError, InvalidOperation):
        raise _invalid("budget", budget, "a Decimal, int, float or numeric string ≥ 0") from None
    if not amount.is_finite() or amount < 0:
        raise _invalid("budget", budget, "a finite amount ≥ 0")
    return amount


class RealtimeSession(Generic[R]):
    """A latest-wins stream of requests for one canvas. See the module docstring for the behaviour.

    ::

        async with AsyncRealtimeCanvas() as client:
            async with RealtimeSession(client, "generate", prompt="a castle", strength=0.7) as session:
                canvas.on_change(lambda snapshot: session.submit(snapshot))
                async for event in session:
                    match event:
                        case SessionResult(result=result):
                            show(result.image)
                        case SessionError(error=error):
                            log(error)

    ``operation`` is one of generate, refine, inpaint, upscale; ``**params`` are its fixed keyword
    arguments (prompt, style, strength, guidance, steps, width, height, seed, refine_creative,
    refine_strength; for inpaint also ``mask``) plus the per-call ``timeout`` / ``max_retries`` the
    client understands. They are checked against the spec's constraints here, and again (merged with
    the overrides) at each ``submit()``, so a bad value raises at once instead of failing later.

    ``clock`` and ``sleep`` are injectable for tests (no real waiting needed); ``clock`` must be
    monotonic and agree with ``sleep``.
    """

    def __init__(
        self,
        client: CanvasClient[R],
        operation: str,
        *,
        max_in_flight: int = 1,
        min_interval: float = 0.0,
        budget: Decimal | int | float | str | None = None,
        on_event: EventCallback[R] | None = None,
        max_buffered_events: int = DEFAULT_MAX_BUFFERED_EVENTS,
        rate_limit_backoff: float = DEFAULT_RATE_LIMIT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        **params: Any,
    ) -> None:
        name: str | None = operation if isinstance(operation, str) and operation in OPERATION_IDS else None
        if name is None:  # also accept the spec's operationId
            name = next((k for k, v in OPERATION_IDS.items() if v == operation), None)
        if name is None:
            raise _invalid("operation", operation, "one of " + ", ".join(OPERATION_IDS))
        self._operation = name
        self._operation_id = OPERATION_IDS[name]
        self._budget = _check_options(max_in_flight, min_interval, budget, max_buffered_events)
        self._client = client
        self._method: Callable[..., Awaitable[R]] = getattr(client, name)
        self._max_in_flight = max_in_flight
        self._min_interval = float(min_interval)
        self._rate_limit_backoff = float(rate_limit_backoff)
        self._on_event = on_event
        self._clock = clock
        self._sleep = sleep

        fields = operation_rule(self._operation_id)["fields"]
        self._body_names = {_snake(j): j for j in fields if j not in _IMPLICIT_FIELDS}
        self._allowed = sorted(self._body_names) + sorted(CALL_OPTIONS) + (["mask"] if name == "inpaint" else [])
        self._check_params(params, partial=True)
        self._params = dict(params)

        self._ts_base = time.time_ns() // 1_000_000 * _TIMESTAMP_SCALE
        self._seq = itertools.count(1)
        self._stats = StatsRecorder()
        self._pending: _Input | None = None
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
        self._buffer_limit = max_buffered_events
        self._events: deque[SessionEvent[R]] = deque(maxlen=max_buffered_events or None)
        self._idle_waiters: list[asyncio.Future[None]] = []

    # ------------------------------------------------------------------ public surface

    @property
    def operation(self) -> str:
        return self._operation

    @property
    def params(self) -> Mapping[str, Any]:
        """The fixed parameters every request is sent with (a copy)."""
        return dict(self._params)

    @property
    def closed(self) -> bool:
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
        """Offer a new canvas state; returns at once with the request timestamp it will carry if sent.

        ``overrides`` replace fixed parameters for this input only. Must be called on the event loop
        that runs the session (any coroutine or callback on it); from another thread use
        :class:`ThreadedRealtimeSession`. Raises ValidationError for bad parameters and
        SessionClosedError after close; never waits for the network.
        """
        if self._closed:
            raise SessionClosedError(f"this {self._operation} session is closed; open a new one")
        call = self._prepare(image, overrides)
        self._start()
        item = self._new_input(call, self._clock())
        self._enqueue(item)
        return item.request_timestamp

    def stats(self) -> SessionStats:
        return self._stats.snapshot(
            pending=1 if self._pending is not None else 0,
            in_flight=len(self._in_flight),
            budget=self._budget,
            budget_exhausted=self._budget_exhausted,
        )

    def events(self) -> AsyncIterator[SessionEvent[R]]:
        """Results and errors in delivery order; ends once the session is closed and drained.

        Unread events are buffered up to ``max_buffered_events`` (oldest dropped first and counted in
        ``stats().events_overflowed``). Several iterators share one stream (each event goes to one).
        """
        if self._buffer_limit == 0:
            raise RuntimeError("this session does not buffer events (max_buffered_events=0): use on_event")
        return self._iterate()

    def __aiter__(self) -> AsyncIterator[SessionEvent[R]]:
        return self.events()

    async def flush(self) -> None:
        """Wait until nothing is pending or in flight (every input answered, refused or closed)."""
        while not self._idle():
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(waiter)
            await waiter

    async def aclose(self) -> None:
        """Stop: the pending input is dropped, in-flight requests are cancelled and awaited. Idempotent."""
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

    def _check_params(self, params: Mapping[str, Any], *, partial: bool) -> None:
        problems: list[Violation] = []
        if "request_timestamp" in params:
            problems.append(
                Violation("request_timestamp", params["request_timestamp"], "set by the session; do not pass it")
            )
        known = ", ".join(self._allowed)
        problems.extend(
            Violation(key, value, f"unknown parameter for {self._operation}; known: {known}")
            for key, value in params.items()
            if key not in self._body_names and key not in CALL_OPTIONS and key != "mask" and key != "request_timestamp"
        )
        if "mask" in params and self._operation != "inpaint":
            problems.append(Violation("mask", params["mask"], "only the inpaint operation takes a mask"))
        body: dict[str, object] = {"imageDataUrl": "", "requestTimestamp": ""}
        if self._operation == "inpaint":
            body["maskDataUrl"] = ""
        shown: dict[str, str] = {}
        for key, value in params.items():
            json_name = self._body_names.get(key)
            if json_name is not None and value is not None:
                body[json_name] = value
                shown[json_name] = key
        found = validate_body(self._operation_id, body, names=shown, allow_unknown=True)
        if partial:  # fixed parameters: what is there must be valid; prompt may come with each submit
            found = [v for v in found if v.field in params]
        problems.extend(found)
        if not partial and self._operation == "inpaint" and params.get("mask") is None:
            problems.append(Violation("mask", None, "required for inpaint: an image (fixed or per submit)"))
        if problems:
            raise ValidationError(problems, operation=self._operation)

    def _prepare(self, image: object, overrides: Mapping[str, Any]) -> _Call:
        """Merge and check the parameters of one input (pure; safe from any thread)."""
        if image is None:
            raise ValidationError([Violation("image", None, "an image (bytes, path, file, PIL image)")])
        merged = {**self._params, **overrides}
        self._check_params(merged, partial=False)
        mask = merged.pop("mask", None)
        kwargs = {k: v for k, v in merged.items() if v is not None}
        return _Call(image=image, mask=mask, kwargs=kwargs)

    def _new_input(self, call: _Call, submitted_at: float) -> _Input:
        seq = next(self._seq)
        return _Input(seq, str(self._ts_base + seq), call, submitted_at)

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

    def _enqueue(self, item: _Input) -> None:
        """Runs on the session's loop: the new input becomes the pending one, unless something newer is."""
        self._stats.input_submitted(item.seq, item.submitted_at)
        if self._closed or self._budget_exhausted:
            self._stats.unsent += 1
            return
        pending = self._pending
        if item.seq <= self._last_sent_seq or (pending is not None and item.seq < pending.seq):
            self._stats.coalesced += 1  # arrived late from another thread: something newer already won
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

    async def _next_to_send(self) -> _Input:
        while True:
            if self._pending is None or len(self._in_flight) >= self._max_in_flight or self._budget_exhausted:
                await self._wait()
                continue
            verdict = self._budget_verdict()
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

    def _budget_verdict(self) -> str:
        """ "send", "wait" (for in-flight costs to be known) or "stop" (the budget is reached)."""
        if self._budget is None:
            return "send"
        spent = self._stats.cost
        if spent >= self._budget:
            return "stop"
        if self._stats.max_cost is None and self._in_flight:
            return "wait"  # no cost known yet: one request at a time until one is, or max_in_flight overshoots
        estimate = self._stats.max_cost or Decimal(0)
        if spent + estimate * (len(self._in_flight) + 1) > self._budget:
            return "wait" if self._in_flight else "stop"
        return "send"

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

    def _send(self, item: _Input) -> None:
        assert self._loop is not None
        now = self._clock()
        self._next_send_at = now + self._min_interval
        self._last_sent_seq = item.seq
        self._stats.sent += 1
        task = self._loop.create_task(self._request(item, now), name=f"leonardo-session-request-{item.seq}")
        self._in_flight[item.seq] = task

    async def _request(self, item: _Input, sent_at: float) -> None:
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

    def _succeeded(self, item: _Input, sent_at: float, received_at: float, result: R) -> None:
        self._stats.response_paid(result.cost, getattr(result, "cost_unit", None))
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
            self._stats.result_delivered(item.seq, received_at)
            event = SessionResult(result, item.request_timestamp, item.seq, item.submitted_at, sent_at, received_at)
            self._latest = event
            self._emit(event)
        if self._budget is not None and self._stats.cost >= self._budget:
            self._exhaust_budget()

    def _failed(self, item: _Input, error: Exception) -> None:
        self._stats.errors += 1
        backoff: float | None = None
        if isinstance(error, RateLimitError):
            self._stats.rate_limited += 1
            self._consecutive_429 += 1
            if error.retry_after is not None and error.retry_after >= 0:
                backoff = float(error.retry_after)
            else:
                backoff = min(self._rate_limit_backoff * 2 ** (self._consecutive_429 - 1), MAX_RATE_LIMIT_BACKOFF)
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


class _EventBuffer(Generic[R]):
    """A bounded, thread-safe event queue for blocking readers (oldest dropped when full)."""

    def __init__(self, limit: int) -> None:
        self._items: deque[SessionEvent[R]] = deque(maxlen=limit or None)
        self._limit = limit
        self._closed = False
        self._cond = threading.Condition()

    def put(self, event: SessionEvent[R]) -> bool:
        """Add an event; False if the oldest one had to be dropped."""
        with self._cond:
            overflow = len(self._items) == self._limit
            self._items.append(event)
            self._cond.notify_all()
            return not overflow

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def get(self, timeout: float | None) -> SessionEvent[R] | None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._items or self._closed, timeout):
                raise TimeoutError(f"no session event within {timeout} s")
            return self._items.popleft() if self._items else None


class ThreadedRealtimeSession(Generic[R]):
    """A :class:`RealtimeSession` on its own event-loop thread, for GUI and notebook code.

    ::

        with ThreadedRealtimeSession(AsyncRealtimeCanvas(), "generate", prompt="a castle",
                                     close_client=True, on_event=show_on_ui_thread) as session:
            session.submit(snapshot)          # from any thread, never blocks
            event = session.get(timeout=5)    # or: for event in session.events(): ...

    ``on_event`` runs on the session's thread: hand results to your UI thread (``root.after``,
    ``QMetaObject.invokeMethod`` …). Events are also buffered for ``get()`` / ``events()`` (up to
    ``max_buffered_events``, oldest dropped first). The client is only ever used on the session's
    thread; ``close_client=True`` closes it there (``aclose()``) when the session closes. Every other
    keyword argument is :class:`RealtimeSession`'s.
    """

    def __init__(
        self,
        client: CanvasClient[R],
        operation: str,
        *,
        on_event: EventCallback[R] | None = None,
        close_client: bool = False,
        max_buffered_events: int = DEFAULT_MAX_BUFFERED_EVENTS,
        **options: Any,
    ) -> None:
        _check_options(1, 0.0, None, max_buffered_events)
        self._user_callback = on_event
        self._client = client
        self._close_client = close_client
        self._buffer: _EventBuffer[R] = _EventBuffer(max_buffered_events)
        self._buffering = max_buffered_events > 0
        self._session: RealtimeSession[R] = RealtimeSession(
            client, operation, on_event=self._deliver, max_buffered_events=0, **options
        )
        self._lock = threading.Lock()
        self._closing = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name=f"leonardo-session-{operation}", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._session.__aenter__(), self._loop).result()

    @property
    def session(self) -> RealtimeSession[R]:
        """The underlying async session (touch it only on its own loop)."""
        return self._session

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def budget_exhausted(self) -> bool:
        return self._session.budget_exhausted

    @property
    def latest(self) -> SessionResult[R] | None:
        return self._session.latest

    def submit(self, image: object, **overrides: Any) -> str:
        """Thread-safe, never blocks: validate, stamp and hand the input to the session's loop."""
        call = self._session._prepare(image, overrides)
        with self._lock:  # stamps and hand-over in the same order
            if self._closing:
                raise SessionClosedError("this session is closed; open a new one")
            item = self._session._new_input(call, self._session._clock())
            self._loop.call_soon_threadsafe(self._session._enqueue, item)
        return item.request_timestamp

    def get(self, timeout: float | None = None) -> SessionEvent[R] | None:
        """The next event; None once the session is closed and drained; TimeoutError after ``timeout``."""
        if not self._buffering:
            raise RuntimeError("this session does not buffer events (max_buffered_events=0): use on_event")
        return self._buffer.get(timeout)

    def events(self, timeout: float | None = None) -> Iterator[SessionEvent[R]]:
        """Blocking iterator over events until the session is closed (``timeout`` applies to each wait)."""
        while (event := self.get(timeout)) is not None:
            yield event

    def stats(self) -> SessionStats:
        return self._in_loop(self._session.stats)

    def flush(self, timeout: float | None = None) -> None:
        """Block until nothing is pending or in flight."""
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "flush() called from the session's own thread (an on_event callback?): it would wait forever"
            )
        asyncio.run_coroutine_threadsafe(self._session.flush(), self._loop).result(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Cancel in-flight work, stop the thread (joined) and, with ``close_client``, close the client."""
        if threading.current_thread() is self._thread:  # before marking closed: a refused close changes nothing
            raise RuntimeError("close() called from the session's own thread (an on_event callback?)")
        with self._lock:
            if self._closing:
                return
            self._closing = True
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            self._buffer.close()

    def __enter__(self) -> ThreadedRealtimeSession[R]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ThreadedRealtimeSession {self._session.operation} {'closed' if self._closing else 'open'}>"

    def _deliver(self, event: SessionEvent[R]) -> None:
        if self._buffering and not self._buffer.put(event):
            self._session._stats.events_overflowed += 1
        if self._user_callback is not None:
            self._user_callback(event)

    async def _shutdown(self) -> None:
        try:
            await self._session.aclose()
        finally:
            closer = getattr(self._client, "aclose", None) if self._close_client else None
            if closer is not None:
                await closer()

    def _in_loop(self, function: Callable[[], SessionStats]) -> SessionStats:
        if self._loop.is_closed() or not self._thread.is_alive() or threading.current_thread() is self._thread:
            return function()  # on the session's own thread (an on_event callback) waiting for it would deadlock
        future: concurrent.futures.Future[SessionStats] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(function())
            except BaseException as exc:  # pragma: no cover - snapshot() does not raise
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            try:
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            finally:
                self._loop.close()
