"""A call's time bound: the timeout bounds each *attempt*, not each socket read, and ``total_timeout`` the call.

One reason to change: how long a call may take. httpx's timeouts apply to each phase and each socket read, so
a server that sends one byte a second never trips a 5 s read timeout and can hold a call for as long as it
likes (92 s with ``timeout=5`` and 2 retries, in the issue that brought this in). Here:

- **each attempt** ends within its timeout: the largest of the ``httpx.Timeout`` phases (``timeout=5`` → 5 s;
  the default ``Timeout(60, connect=10)`` → 60 s). Async: the attempt runs under ``anyio.fail_after``. Sync: one
  watchdog thread shuts the attempt's socket down at its deadline (the socket is learnt from httpx's ``trace``
  extension when the connection is opened, and from the response's ``network_stream`` when one is reused).
  The attempt then fails as a read timeout (:class:`APITimeoutError`), retried like one. One gap, sync only:
  on a *reused* kept-alive connection the socket is known once the answer's headers are in, so a server that
  drips the status line and headers themselves on such a connection is cut when they are complete (each read
  still bounded by the read timeout), not at the deadline;
- **the whole call**, retries and backoff included, ends within ``total_timeout`` when one is given: each
  attempt gets at most what is left, and a retry whose backoff would end past it is not made.

So no server can hold a call past ``attempts * timeout + backoff`` (nor past ``total_timeout``).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Final

import httpx

from ._errors import ConfigurationError
from ._numbers import option_seconds, type_problem

__all__ = [
    "AsyncProgress",
    "AttemptDeadline",
    "AttemptGuard",
    "attempt_bound",
    "check_total_timeout",
    "deadline_exceeded",
    "past_bound",
    "remaining",
]

_OPENED: Final = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


def attempt_bound(timeout: httpx.Timeout) -> float | None:
    """Seconds one attempt may take: the largest phase of ``timeout`` (``None``: unbounded, as the caller said)."""
    phases = [value for value in (timeout.connect, timeout.read, timeout.write, timeout.pool) if value is not None]
    return max(phases) if phases else None


def check_total_timeout(value: object, name: str = "total_timeout") -> float | None:
    """``None`` or a positive finite number of seconds, else a :class:`ConfigurationError` naming it."""
    if value is None:
        return None
    seconds = option_seconds(value, positive=True)  # numpy scalars and Decimal too
    if seconds is None:
        raise ConfigurationError(
            f"{name}={value!r}: must be a positive number of seconds, or None for no bound{type_problem(value)}"
        )
    return seconds


def remaining(started: float, total: float | None) -> float | None:
    """Seconds left of a ``total`` bound started at ``started`` (monotonic), ``None`` without one."""
    return None if total is None else total - (time.monotonic() - started)


class AttemptDeadline(httpx.ReadTimeout):
    """An attempt stopped at its bound: a read timeout to httpx and the retry policy, with its own words."""


def deadline_exceeded(request: httpx.Request, seconds: float, what: str, headers_in: bool) -> httpx.ReadTimeout:
    """The error an attempt stopped at its bound fails with: httpx's read timeout, so it is judged like one.

    ``headers_in``: whether the answer's headers had come (then its body was still arriving); else the server
    had not answered yet, or not with complete headers (it said "still arriving" for a server that never sent
    a byte)."""
    state = "the answer was still arriving" if headers_in else "no complete response headers had come by then"
    return AttemptDeadline(f"{what} bound of {seconds:g} s reached ({state})", request=request)


def past_bound(exc: BaseException, deadline: float) -> bool:
    """Whether ``exc`` is httpx's own timeout firing once the attempt's ``deadline`` (monotonic) had passed.

    With ``timeout=0.5`` the socket's read timeout and the attempt's bound are both 0.5 s; on a loaded machine
    either may fire first. A read timeout that fires at or after the deadline is the attempt's bound being
    reached, and says so, whichever won the race (one at a phase shorter than the bound stays a read timeout)."""
    return isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline


_HEADERS_IN: Final = ("http11.receive_response_headers.complete", "http2.receive_response_headers.complete")


class AsyncProgress:
    """Whether an async attempt's answer headers are in, learnt from httpx's ``trace`` extension."""

    def __init__(self, request: httpx.Request) -> None:
        self.headers_in = False
        inner = request.extensions.get("trace")

        async def trace(name: str, info: dict[str, Any]) -> None:
            if name in _HEADERS_IN:
                self.headers_in = True
            if inner is not None:
                await inner(name, info)

        request.extensions["trace"] = trace


class _Watchdog:
    """One daemon thread running callbacks at their deadlines (a heap), without waking it for every attempt.

    The thread sleeps until the earliest deadline in the heap (cancelled or not). Disarming only marks an entry
    cancelled (it is dropped when it comes up, or when cancelled entries are the larger part of a heap of some
    size), and arming wakes the thread only when the new deadline comes before the time it will look anyway:
    with one timeout for every call, a new deadline is later than that, so a call costs no thread switch.
    Waking the thread at every arm cost several context switches per sync call (``benchmarks/NOTES.md``)."""

    _COMPACT_AT: Final = 64

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._sleeps_until: float | None = None  # when the thread next looks at the heap (None: when woken)

    def arm(self, when: float, callback: Callable[[], None]) -> int:
        with self._cond:
            handle = next(self._seq)
            if len(self._cancelled) > self._COMPACT_AT and 2 * len(self._cancelled) > len(self._heap):
                self._heap = [entry for entry in self._heap if entry[1] not in self._cancelled]
                heapq.heapify(self._heap)
                self._cancelled.clear()
            heapq.heappush(self._heap, (when, handle, callback))
            if self._thread is None or self._pid != os.getpid():  # none yet, or a forked child (threads stay behind)
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="leonardo-deadlines", daemon=True)
                self._thread.start()
            if self._sleeps_until is None or when < self._sleeps_until:  # it would look too late
                self._cond.notify()
            return handle

    def disarm(self, handle: int) -> None:
        with self._cond:
            self._cancelled.add(handle)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][1] in self._cancelled:
                    if self._heap:
                        self._cancelled.discard(heapq.heappop(self._heap)[1])
                        continue
                    self._sleeps_until = None
                    self._cond.wait()
                when, _, callback = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._sleeps_until = when
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            with contextlib.suppress(Exception):
                callback()


_WATCHDOG: Final = _Watchdog()


class AttemptGuard:
    """Bounds one sync attempt: at its deadline, shuts down the socket(s) it uses, so a blocked read returns."""

    def __init__(self, request: httpx.Request, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self.headers_in = False
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        inner = request.extensions.get("trace")

        def trace(name: str, info: dict[str, Any]) -> None:
            if name in _OPENED:
                self.watch(info.get("return_value"))
            elif name in _HEADERS_IN:
                self.headers_in = True
            if inner is not None:
                inner(name, info)

        request.extensions["trace"] = trace
        self._deadline = time.monotonic() + seconds
        self._handle = _WATCHDOG.arm(self._deadline, self._fire)

    def reached(self, exc: BaseException) -> bool:
        """Whether the attempt, failing with ``exc``, ended at its bound: the watchdog cut it, or httpx's own
        timeout fired once the deadline had passed (:func:`past_bound`)."""
        return self.fired or past_bound(exc, self._deadline)

    def watch(self, stream: Any) -> None:
        """Add a network stream (httpcore's) whose socket the deadline shuts down."""
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            self._shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: Any) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # a recv() blocked in another thread returns at once

    def done(self) -> None:
        _WATCHDOG.disarm(self._handle)
