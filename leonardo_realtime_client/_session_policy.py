"""A realtime session's sending policy: its options, when the budget allows one more request, how long a 429 pauses.

One reason to change: the rules that decide whether and when a session may send, apart from the scheduling
that applies them (``_session``). Pure functions of numbers: no event loop, no clock.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from ._errors import RateLimitError, ValidationError, Violation

__all__ = [
    "DEFAULT_MAX_BUFFERED_EVENTS",
    "DEFAULT_RATE_LIMIT_BACKOFF",
    "MAX_RATE_LIMIT_BACKOFF",
    "Verdict",
    "budget_verdict",
    "check_options",
    "invalid",
    "rate_limit_pause",
]

DEFAULT_RATE_LIMIT_BACKOFF: Final = 1.0
"""Without Retry-After, a 429 pauses the session for this * 2**(n-1) seconds (n = consecutive 429s) …"""
MAX_RATE_LIMIT_BACKOFF: Final = 60.0
"""… at most this many seconds."""
DEFAULT_MAX_BUFFERED_EVENTS: Final = 256

Verdict = Literal["send", "wait", "stop"]


def invalid(field: str, value: object, allowed: str) -> ValidationError:
    """One refused session option, as the :class:`ValidationError` a session raises."""
    return ValidationError([Violation(field, value, allowed)], operation="RealtimeSession")


def check_options(max_in_flight: object, min_interval: object, budget: object, buffered: object) -> Decimal | None:
    """Check a session's options (raising :class:`ValidationError` naming the option); the budget as a Decimal."""
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise invalid("max_in_flight", max_in_flight, "an integer ≥ 1")
    if (
        isinstance(min_interval, bool)
        or not isinstance(min_interval, int | float)
        or not math.isfinite(min_interval)
        or min_interval < 0
    ):
        raise invalid("min_interval", min_interval, "a finite number of seconds ≥ 0")
    if isinstance(buffered, bool) or not isinstance(buffered, int) or buffered < 0:
        raise invalid("max_buffered_events", buffered, "an integer ≥ 0 (0: no buffering, use on_event)")
    if budget is None:
        return None
    try:
        if isinstance(budget, bool) or not isinstance(budget, Decimal | int | float | str):
            raise TypeError
        amount = Decimal(str(budget)) if isinstance(budget, float) else Decimal(budget)
    except (TypeError, InvalidOperation):
        raise invalid("budget", budget, "a Decimal, int, float or numeric string ≥ 0") from None
    if not amount.is_finite() or amount < 0:
        raise invalid("budget", budget, "a finite amount ≥ 0")
    return amount


def budget_verdict(budget: Decimal | None, spent: Decimal, max_cost: Decimal | None, in_flight: int) -> Verdict:
    """ "send", "wait" (for in-flight costs to be known) or "stop" (the budget is reached).

    ``max_cost`` is the largest cost seen so far (the estimate for one more request), ``in_flight`` the number
    of requests whose cost is not known yet.
    """
    if budget is None:
        return "send"
    if spent >= budget:
        return "stop"
    if max_cost is None and in_flight:
        return "wait"  # no cost known yet: one request at a time until one is, or max_in_flight overshoots
    estimate = max_cost or Decimal(0)
    if spent + estimate * (in_flight + 1) > budget:
        return "wait" if in_flight else "stop"
    return "send"


def rate_limit_pause(error: RateLimitError, consecutive: int, base: float) -> float:
    """Seconds a 429 pauses the whole session: its Retry-After, else ``base * 2**(consecutive-1)`` capped."""
    if error.retry_after is not None and error.retry_after >= 0:
        return float(error.retry_after)
    return min(base * 2.0 ** (consecutive - 1), MAX_RATE_LIMIT_BACKOFF)
