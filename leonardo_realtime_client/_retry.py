"""When to retry a failed request, and how long to wait first.

One reason to change: the retry policy. :class:`RetryPolicy` is a small frozen object whose two decision
methods are pure (no I/O, no clock, no global random state), so they are tested as plain functions; the
clients' loops only ask them. The defaults follow openai-python's:

- **What is retried**: HTTP 408, 409, 429 and every 5xx (including unknown ones such as 520), timeouts and
  connection failures (refused, reset, dropped by the server). Never any other 4xx: a 400 will fail again.
- **How long to wait** before retry ``n`` (1, 2, …)::

      backoff = min(max_delay, initial_delay * 2 ** (n - 1))
      delay   = backoff * (1 - jitter * u)        u uniform in [0, 1) from ``rng``

  i.e. 0.5 s, 1 s, 2 s … capped at 8 s, each shortened by up to 25 % at random so that many clients
  do not retry in step.
- **Retry-After** (seconds or an HTTP date; also ``retry-after-ms``) is honoured exactly when it is at most
  ``max_retry_after`` (60 s). A longer wait is not slept through: the error is raised at once and carries
  ``.retry_after`` so the caller can decide.
- **How many**: ``max_retries`` is the client's (default 2) or the call's, not part of the policy.

Sleeping is injectable: ``RetryPolicy(sleep=..., async_sleep=...)``. Test suites pass recorders so they
never sleep (``RetryPolicy(sleep=lambda s: None)`` for a test mode).
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping

import attrs
import httpx

from ._errors import APIConnectionError

__all__ = ["RETRY_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRY_STATUSES: frozenset[int] = frozenset({408, 409, 429})
"""Retried besides every status ≥ 500."""

_RETRY_EXCEPTIONS: tuple[type[BaseException], ...] = (
    httpx.TimeoutException,  # connect, read, write, pool
    httpx.NetworkError,  # connect, read, write, close errors
    httpx.RemoteProtocolError,  # the server closed the connection mid-answer
    APIConnectionError,  # ours (wraps the above)
)


def _time_sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up per call, so a test harness that patches time.sleep reaches the default policy


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # only async users pay for it (httpx depends on it anyway)

    await anyio.sleep(seconds)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Backoff shape and what counts as transient. See the module docstring for the formula."""

    initial_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    """Seconds before the first retry (before jitter)."""
    max_delay: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    """Cap of the exponential backoff."""
    jitter: float = attrs.field(default=0.25, validator=[attrs.validators.ge(0), attrs.validators.le(1)])
    """Fraction of the backoff that may be removed at random (0 = none)."""
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    """Longest Retry-After honoured; beyond it the error is raised without retrying."""
    retry_statuses: frozenset[int] = attrs.field(default=RETRY_STATUSES, converter=frozenset)
    """Statuses below 500 that are retried."""
    rng: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)
    """Returns u in [0, 1) for the jitter; inject a constant for determinism."""
    sleep: Callable[[float], None] = attrs.field(default=_time_sleep, eq=False, repr=False)
    """How the sync client waits."""
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(default=_anyio_sleep, eq=False, repr=False)
    """How the async client waits (anyio: works under asyncio and trio)."""

    def should_retry(self, *, status_code: int | None = None, error: BaseException | None = None) -> bool:
        """Whether this outcome is transient: a retryable status or a timeout/connection error."""
        if status_code is not None:
            return status_code >= 500 or status_code in self.retry_statuses
        return isinstance(error, _RETRY_EXCEPTIONS)

    def delay(self, retry_number: int, *, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based); ``None``: the server asks for too long a wait."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        backoff = min(self.max_delay, self.initial_delay * 2.0 ** max(retry_number - 1, 0))
        return backoff * (1.0 - self.jitter * self.rng())


def parse_retry_after(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (delta-seconds or HTTP-date), ``None`` if absent/bad.

    A date in the past gives 0; negative, infinite or unparsable values are ignored (``None``).
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            millis = float(raw_ms)
        except ValueError:
            millis = math.nan
        if math.isfinite(millis) and millis >= 0:
            return millis / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):  # a year beyond C's int: overflow
            return None
        if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
            when = when.replace(tzinfo=datetime.UTC)
        return max(0.0, when.timestamp() - now())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds
