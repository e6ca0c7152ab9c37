"""What a realtime session hands back: its events, and the client and result shapes it works with.

One reason to change: the shape of what a session delivers. The scheduling that produces these events is in
``_session``; the thread bridge in ``_threaded_session``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Generic, Protocol, TypeAlias, TypeVar

import attrs

from ._errors import LeonardoError
from ._result import ResultLike

__all__ = [
    "BudgetExhausted",
    "CanvasClient",
    "EventCallback",
    "ResultLike",
    "SessionClosedError",
    "SessionError",
    "SessionEvent",
    "SessionResult",
]

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
"""What a session delivers (``async for event in session``, ``on_event=``): a result, an error or the budget's end."""
EventCallback: TypeAlias = Callable[[SessionEvent[R]], object]
