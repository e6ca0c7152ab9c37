"""The thread bridge: a realtime session on its own event-loop thread, for GUI and notebook code.

One reason to change: how plain threads reach a :class:`RealtimeSession`. ``submit()`` is thread-safe,
events come through a callback (on the session's thread) and a blocking ``get()`` / ``events()``. The bridge
uses the session's public API and the ``bridge_*`` functions ``_session`` provides for it, nothing private.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Generic

from ._numbers import Integer
from ._session import RealtimeSession, bridge_count_overflow, bridge_prepare, bridge_submit
from ._session_events import CanvasClient, EventCallback, R, SessionClosedError, SessionEvent, SessionResult
from ._session_policy import DEFAULT_MAX_BUFFERED_EVENTS, check_options
from ._session_stats import SessionStats

__all__ = ["ThreadedRealtimeSession"]


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
        max_buffered_events: Integer = DEFAULT_MAX_BUFFERED_EVENTS,
        **options: Any,
    ) -> None:
        """Start the session's thread and event loop, and open the session there.

        Args:
            client: The :class:`AsyncRealtimeCanvas` to send with; used only on the session's thread.
            operation: ``"generate"``, ``"refine"``, ``"inpaint"`` or ``"upscale"``.
            on_event: Called with each event, on the session's thread.
            close_client: Close ``client`` (``aclose()``, on the session's thread) when the session closes.
            max_buffered_events: Events kept for ``get()`` / ``events()`` until read (oldest dropped first); 0
                keeps none (then use ``on_event``).
            **options: :class:`RealtimeSession`'s other arguments: the fixed parameters (``prompt``, ``style``,
                …) and ``max_in_flight``, ``min_interval``, ``budget`` …

        Raises:
            ValidationError: A parameter or option is unknown or outside its limits (no thread is started).
            ConfigurationError: ``client`` cannot be awaited (a synchronous :class:`RealtimeCanvas`).
        """
        buffered = check_options(1, 0.0, None, max_buffered_events).max_buffered_events
        self._user_callback = on_event
        self._client = client
        self._close_client = close_client
        self._buffer: _EventBuffer[R] = _EventBuffer(buffered)
        self._buffering = buffered > 0
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
        """True once ``close()`` was called: ``submit()`` then raises."""
        return self._closing

    @property
    def budget_exhausted(self) -> bool:
        """True once the budget stopped sending (a :class:`BudgetExhausted` event said so)."""
        return self._session.budget_exhausted

    @property
    def latest(self) -> SessionResult[R] | None:
        """The newest delivered result, or None."""
        return self._session.latest

    def submit(self, image: object, **overrides: Any) -> str:
        """Offer a new canvas state from any thread; never blocks: checked, stamped and handed to the session.

        Args:
            image: The canvas state: encoded bytes, a path, a binary file, a ``PIL.Image.Image`` or a data URL.
            **overrides: Parameters that replace the session's fixed ones for this input only.

        Returns:
            The ``requestTimestamp`` this input carries if it is sent.

        Raises:
            ValidationError: An override is unknown or outside the spec's limits.
            SessionClosedError: The session is closed.
        """
        call = bridge_prepare(self._session, image, overrides)
        with self._lock:  # stamps and hand-over in the same order
            if self._closing:
                raise SessionClosedError("this session is closed; open a new one")
            return bridge_submit(self._session, call, self._loop)

    def get(self, timeout: float | None = None) -> SessionEvent[R] | None:
        """The next event, waiting for it (from any thread but the session's).

        Args:
            timeout: Seconds to wait at most; ``None`` waits as long as it takes.

        Returns:
            The next :class:`SessionResult`, :class:`SessionError` or :class:`BudgetExhausted`; ``None`` once the
            session is closed and every event was read.

        Raises:
            TimeoutError: No event within ``timeout``.
            RuntimeError: The session keeps no events (``max_buffered_events=0``): use ``on_event``.
        """
        if not self._buffering:
            raise RuntimeError("this session does not buffer events (max_buffered_events=0): use on_event")
        return self._buffer.get(timeout)

    def events(self, timeout: float | None = None) -> Iterator[SessionEvent[R]]:
        """Blocking iterator over the events until the session is closed and drained.

        Args:
            timeout: Seconds each wait may take (``None``: no limit).

        Returns:
            An iterator of events, as :meth:`get` returns them.

        Raises:
            TimeoutError: One wait took longer than ``timeout``.
            RuntimeError: The session keeps no events (``max_buffered_events=0``).
        """
        while (event := self.get(timeout)) is not None:
            yield event

    def stats(self) -> SessionStats:
        """The session's counters so far, read on its thread.

        Returns:
            A :class:`SessionStats` snapshot.
        """
        return self._in_loop(self._session.stats)

    def flush(self, timeout: float | None = None) -> None:
        """Block until nothing is pending or in flight (every input answered, refused or replaced).

        Args:
            timeout: Seconds to wait at most (``None``: no limit).

        Raises:
            TimeoutError: Still busy after ``timeout``.
            RuntimeError: Called on the session's own thread (an ``on_event`` callback), where it would wait forever.
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "flush() called from the session's own thread (an on_event callback?): it would wait forever"
            )
        asyncio.run_coroutine_threadsafe(self._session.flush(), self._loop).result(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Cancel in-flight work, stop the thread (joined) and, with ``close_client``, close the client. Idempotent.

        Args:
            timeout: Seconds to wait for the shutdown at most (``None``: no limit).

        Raises:
            TimeoutError: The shutdown took longer than ``timeout``.
            RuntimeError: Called on the session's own thread (an ``on_event`` callback).
        """
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
            bridge_count_overflow(self._session)
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
