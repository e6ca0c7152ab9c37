"""A realtime session's sending policy: its options, when the budget allows one more request, how long a 429 pauses.

One reason to change: the rules that decide whether and when a session may send, apart from the scheduling
that applies them (``_session``). Pure functions of numbers: no event loop, no clock.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Final, Literal, NamedTuple

from ._errors import RateLimitError, ValidationError, Violation
from ._numbers import as_number, option_int, option_seconds, type_problem

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


class Options(NamedTuple):
    """A session's options, checked, as plain Python numbers."""

    max_in_flight: int
    min_interval: float
    budget: Decimal | None
    max_buffered_events: int
    rate_limit_backoff: float


def check_options(
    max_in_flight: object, min_interval: object, budget: object, buffered: object, backoff: object = 1.0
) -> Options:
    """Check a session's options (raising :class:`ValidationError` naming the option). Every number type a
    caller may have (numpy scalars, ``Decimal``, ``Fraction``) is accepted and made a plain one; a refused
    type is named as the problem."""
    in_flight = option_int(max_in_flight, 1)
    if in_flight is None:
        raise invalid("max_in_flight", max_in_flight, f"an integer ≥ 1{type_problem(max_in_flight)}")
    interval = option_seconds(min_interval, positive=False)
    if interval is None:
        raise invalid("min_interval", min_interval, f"a finite number of seconds ≥ 0{type_problem(min_interval)}")
    events = option_int(buffered, 0)
    if events is None:
        allowed = f"an integer ≥ 0 (0: no buffering, use on_event){type_problem(buffered)}"
        raise invalid("max_buffered_events", buffered, allowed)
    pause = option_seconds(backoff, positive=True)
    if pause is None:
        raise invalid("rate_limit_backoff", backoff, f"a finite number of seconds > 0{type_problem(backoff)}")
    return Options(in_flight, interval, _budget(budget), events, pause)


def _budget(budget: object) -> Decimal | None:
    if budget is None:
        return None
    try:
        if isinstance(budget, str):
            amount = Decimal(budget)
        elif isinstance(budget, Decimal):
            amount = budget
        else:
            number = as_number(budget)  # int, float, numpy scalars, Fraction
            if number is None:
                raise TypeError
            amount = Decimal(number) if isinstance(number, int) else Decimal(str(number))
    except (TypeError, InvalidOperation):
        allowed = (
            f"a Decimal, number or numeric string ≥ 0{type_problem(budget) if not isinstance(budget, str) else ''}"
        )
        raise invalid("budget", budget, allowed) from None
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
