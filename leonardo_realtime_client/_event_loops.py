"""Event loops: an :class:`AsyncRealtimeCanvas` used from one ``asyncio.run()`` after another.

One reason to change: how the async client's own connections follow the event loop that uses them. httpx
connections belong to the loop that opened them; once ``asyncio.run()`` returns, that loop is closed and every
kept-alive connection with it, so the next ``asyncio.run(client.refine(...))`` used to fail with a bare
``RuntimeError: Event loop is closed`` (and so did ``aclose()``). The rule here:

- The client's own connection pool is tied to the first loop that uses it. When that loop shuts down
  (``asyncio.run()`` finalises async generators before closing it), a guard closes the pool there, cleanly, on
  its own loop: nothing is left half-open.
- A call from a new loop after that gets a fresh pool; ``aclose()`` works from any loop. What the caller set on
  ``client.http_client`` (headers, cookies, event hooks, auth, query parameters, redirects, timeout) is carried
  over to the new one (:func:`carry_over`).
- Two loops *running at once* (threads) cannot share one pool: :class:`LeonardoError` says to make one client
  per loop. An ``http_client``/``transport`` of the caller's is the caller's: used as given, but a closed loop
  under it is reported as a :class:`LeonardoError` that says what to do rather than a bare ``RuntimeError``.

Nothing here imports asyncio: if it is not imported, no asyncio loop can be running (trio runs are left to anyio).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ._errors import LeonardoError

__all__ = ["LoopBinding", "carry_over", "closed_loop_error"]


def _running_loop() -> Any:
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # trio, or no loop
        return None


async def _guard(http: httpx.AsyncClient) -> AsyncIterator[None]:
    """Started on a loop and kept alive; when the loop shuts down, closes ``http`` there."""
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # shutting down: nothing to report to
            await http.aclose()


class LoopBinding:
    """The loop the client's own pool belongs to, and the guard that closes the pool when that loop ends."""

    def __init__(self) -> None:
        self.loop: Any = None
        self._guard: AsyncIterator[None] | None = None

    def needs_new_pool(self) -> bool:
        """Called on the caller's loop before a call: whether the pool belongs to a loop that is gone.

        Raises :class:`LeonardoError` when the pool's loop is still running elsewhere."""
        loop = _running_loop()
        if loop is None or loop is self.loop:
            return False
        old = self.loop
        if old is not None and old.is_running() and not old.is_closed():
            raise LeonardoError(
                "this AsyncRealtimeCanvas is in use on another event loop that is still running (another thread?): "
                "create one AsyncRealtimeCanvas per event loop"
            )
        self.loop, self._guard = loop, None  # the old guard closed the old pool (or will, when its loop ends)
        return old is not None

    async def watch(self, http: httpx.AsyncClient) -> None:
        """On the current loop: make sure a guard will close ``http`` when this loop shuts down."""
        if self._guard is not None or self.loop is None or _running_loop() is not self.loop:
            return
        guard = _guard(http)
        await guard.__anext__()  # started: the loop's asyncgen hooks now finalise it at shutdown
        self._guard = guard


def closed_loop_error(exc: RuntimeError) -> LeonardoError | None:
    """A clear error for httpx's ``RuntimeError: Event loop is closed`` (the caller's own transport or client)."""
    if "Event loop is closed" not in str(exc):
        return None
    return LeonardoError(
        "the http_client or transport you passed was used on an event loop that is now closed (each asyncio.run() "
        "makes a new one): create it inside the same asyncio.run() as the calls, or pass neither and let "
        "AsyncRealtimeCanvas make its own connections, which follow the loop"
    )


def carry_over(old: httpx.AsyncClient, new: httpx.AsyncClient) -> None:
    """Give ``new`` (the pool made for a new loop) what the caller may have set on ``old`` through
    ``client.http_client``: its headers, cookies (a server's sticky cookie included), event hooks, auth, query
    parameters, redirect settings and timeout. Each setter copies; the transports stay ``new``'s own."""
    new.headers = old.headers
    new.cookies = old.cookies
    new.event_hooks = old.event_hooks
    if old.auth is not None:
        new.auth = old.auth
    new.params = old.params
    new.follow_redirects = old.follow_redirects
    new.max_redirects = old.max_redirects
    new.timeout = old.timeout
