"""When to retry a failed request, and how long to wait first.

One reason to change: the retry policy. :class:`RetryPolicy` is a small frozen object whose two decision
methods are pure (no I/O, no clock, no global random state), so they are tested as plain functions; the
clients' loops only ask them. The defaults follow openai-python's:

- **What is retried**: by default only failures that were *not processed* (:class:`Outcome`): HTTP 408, 409,
  429 (and a rate-limit code in any answer), a 503 with ``Retry-After``, and connection failures before the
  request was sent (refused, DNS, TLS, connect and pool timeouts, an incomplete write). Never any other 4xx
  (a 400 will fail again), nor Leonardo's "Invalid response from authorization hook" (a bad key, sent as 500).
- **What may have been billed**: a failure after the request was sent whose answer does not say it was refused
  — a read timeout, a connection dropped mid-answer, a 500, 502, 504, 520, a 503 without ``Retry-After`` — has
  an *unknown* outcome: the server may have made (and charged for) the images. Leonardo has no idempotency key,
  so a retry may be charged again. **Default: not retried** (``retry_unknown_outcome=False``), as RFC 9110
  §9.2.2 asks of clients for a non-idempotent POST; the error says ``outcome=UNKNOWN``. Pass
  ``RetryPolicy(retry_unknown_outcome=True)`` to retry them anyway when an answer matters more than a possible
  second charge (each LCM call costs about a cent); ``possibly_billed_attempts`` on the result or error counts
  them either way.
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

from ._errors import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    Outcome,
    ValidationError,
    Violation,
    status_outcome,
)
from ._numbers import as_number, type_problem
from ._outcome import transport_outcome

__all__ = ["RETRY_STATUSES", "RetryPolicy", "check_retry_policy", "parse_retry_after", "transport_outcome"]

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


def _plain_number(value: object) -> object:
    """A float for any real number type (numpy scalars, ``Decimal``: ``Decimal * float`` failed at the first
    retry); anything else as given, for the validator to refuse."""
    number = as_number(value)
    return float(number) if number is not None else value


def _seconds(policy: object, attribute: attrs.Attribute[float], value: object) -> None:
    if not isinstance(value, float) or not math.isfinite(value) or value < 0:
        allowed = f"a finite number of seconds ≥ 0{type_problem(value)}"
        raise ValidationError([Violation(attribute.name, value, allowed)], operation="RetryPolicy")


def _fraction(policy: object, attribute: attrs.Attribute[float], value: object) -> None:
    if not isinstance(value, float) or not 0 <= value <= 1:
        allowed = f"a fraction from 0 to 1{type_problem(value)}"
        raise ValidationError([Violation(attribute.name, value, allowed)], operation="RetryPolicy")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When the clients retry a failed call and how long they wait first (pass one as ``retry_policy=``).

    - **What is retried**: by default only failures that were not processed: HTTP 408, 409, 429 (and a
      rate-limit code in any answer), a 503 with ``Retry-After``, and connection failures before the request was
      sent. Never any other 4xx. A failure after sending whose outcome is unknown (a read timeout, a 500 …) may
      have been billed: retried only with ``retry_unknown_outcome=True``.
    - **How long to wait** before retry ``n`` (1, 2, …): ``min(max_delay, initial_delay * 2 ** (n - 1))``,
      shortened by up to ``jitter`` (25 %) at random: 0.5 s, 1 s, 2 s … capped at 8 s.
    - **Retry-After** (seconds, an HTTP date or ``retry-after-ms``) is honoured when at most ``max_retry_after``
      (60 s); a longer one raises at once with ``.retry_after`` set.
    - **How many**: ``max_retries`` belongs to the client (default 2) or the call, not to the policy.

    ``sleep`` / ``async_sleep`` are how the clients wait: tests pass recorders, so nothing sleeps for real.
    """

    initial_delay: float = attrs.field(default=0.5, converter=_plain_number, validator=_seconds)
    """Seconds before the first retry (before jitter)."""
    max_delay: float = attrs.field(default=8.0, converter=_plain_number, validator=_seconds)
    """Cap of the exponential backoff."""
    jitter: float = attrs.field(default=0.25, converter=_plain_number, validator=_fraction)
    """Fraction of the backoff that may be removed at random (0 = none)."""
    max_retry_after: float = attrs.field(default=60.0, converter=_plain_number, validator=_seconds)
    """Longest Retry-After honoured; beyond it the error is raised without retrying."""
    retry_statuses: frozenset[int] = attrs.field(default=RETRY_STATUSES, converter=frozenset)
    """Statuses below 500 that are retried."""
    retry_unknown_outcome: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    """Also retry failures whose outcome is unknown (they may have been processed and billed; a retry may be
    billed again). Off by default: Leonardo has no idempotency key, and RFC 9110 asks clients not to repeat a
    non-idempotent POST on their own."""
    rng: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)
    """Returns u in [0, 1) for the jitter; inject a constant for determinism."""
    sleep: Callable[[float], None] = attrs.field(default=_time_sleep, eq=False, repr=False)
    """How the sync client waits."""
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(default=_anyio_sleep, eq=False, repr=False)
    """How the async client waits (anyio: works under asyncio and trio)."""

    def should_retry(self, *, status_code: int | None = None, error: BaseException | None = None) -> bool:
        """Whether to retry: a transient failure (a retryable status, a timeout or connection error) whose outcome
        is ``NOT_PROCESSED``, or any outcome with ``retry_unknown_outcome``.

        ``error`` may be an :class:`APIStatusError` (judged by its ``effective_status`` and ``outcome``), one of
        our connection errors or an httpx exception; ``status_code`` alone is judged without ``Retry-After``.

        Returns:
            True when the call should be tried again (within ``max_retries``).
        """
        if isinstance(error, APIStatusError):
            status, outcome = error.effective_status, error.outcome
        elif status_code is not None:
            status, outcome = status_code, status_outcome(status_code)
        else:
            if not isinstance(error, _RETRY_EXCEPTIONS):
                return False
            return self.retry_unknown_outcome or transport_outcome(error) is Outcome.NOT_PROCESSED
        if not (status >= 500 or status in self.retry_statuses):
            return False
        return self.retry_unknown_outcome or outcome is Outcome.NOT_PROCESSED

    def delay(self, retry_number: int, *, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based); ``None``: the server asks for too long a wait.

        Returns:
            Seconds to wait (``Retry-After`` when the server sent one, up to ``max_retry_after``, else the backoff
            with jitter), or ``None``.
        """
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


def check_retry_policy(policy: object) -> RetryPolicy:
    """``policy`` when it is a :class:`RetryPolicy`, a default one for ``None``; else a :class:`ConfigurationError`."""
    if policy is None:
        return RetryPolicy()
    if not isinstance(policy, RetryPolicy):
        raise ConfigurationError(f"retry_policy must be a RetryPolicy, not {type(policy).__name__}")
    return policy
