"""Counters and timing statistics of a realtime session (kept apart from the scheduling logic).

Definitions (all times in seconds of the session's clock):

- **latency**: from sending a request to receiving its successful response.
- **staleness** of an input: from its ``submit()`` to the *display* (delivery) of a result for that
  input or for any newer one. Every input is counted, including coalesced ones that were never sent:
  that is what the person at the canvas experiences. Inputs never followed by a delivered result
  (closed first, budget spent, only errors) have no staleness; ``uncovered`` counts them.

Counter invariants (checked by the tests)::

    submitted == sent - requeued + coalesced + unsent + pending + identical
    sent      == delivered + dropped_stale + errors + cancelled + in_flight
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from decimal import Decimal

import attrs

__all__ = ["STATS_WINDOW", "SessionStats", "percentile"]

STATS_WINDOW = 100_000
"""Percentiles are over the most recent this-many samples (a session may run for hours); counts and the
maximum staleness cover the whole session."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0 to 100) with linear interpolation between ranks, or None if empty.

    Same definition as numpy's default (``method="linear"``), so numbers compare with other tools.
    """
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"q={q!r}: a percentile from 0 to 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


@attrs.frozen
class SessionStats:
    """A snapshot of a session's counters and timings (``session.stats()``)."""

    submitted: int
    """Inputs accepted by ``submit()``."""
    sent: int
    """Requests actually sent."""
    coalesced: int
    """Inputs replaced by a newer one before they could be sent (never sent, never paid)."""
    unsent: int
    """Inputs neither sent nor coalesced: pending at close, or refused because the budget was spent."""
    pending: int
    """Inputs waiting to be sent right now (0 or 1)."""
    in_flight: int
    """Requests sent and not answered yet."""
    delivered: int
    """Results delivered (as events / to the callback), always in submission order."""
    dropped_stale: int
    """Successful responses dropped because a result for a newer input had been delivered first."""
    errors: int
    """Requests that failed (after the client's own retries); each one was delivered as an error event."""
    rate_limited: int
    """Of ``errors``, the 429 answers that paused the whole session."""
    cancelled: int
    """Requests still in flight when the session closed (cancelled, never delivered)."""
    requeued: int
    """Inputs put back to be sent again after a 429 pause (they were still the newest)."""
    uncovered: int
    """Inputs not (yet) followed by any delivered result for them or a newer input."""
    latency_p50: float | None
    latency_p95: float | None
    staleness_p50: float | None
    staleness_p95: float | None
    staleness_max: float | None
    cost: Decimal
    """Sum of the ``cost`` of every successful response, delivered or dropped: all of them were paid."""
    cost_unit: str | None
    budget: Decimal | None
    budget_exhausted: bool
    events_overflowed: int
    """Events discarded from the iterator's buffer because nobody read them (oldest first)."""
    identical: int = 0
    """Inputs identical to the last one sent (same bytes or data URL, same parameters), so not sent again."""
    possibly_billed: int = 0
    """HTTP attempts whose outcome was unknown, so they may have been processed and charged at no known cost: calls
    that failed after the request was sent (a read timeout, a dropped connection, a 5xx) and earlier attempts of
    calls retried with ``RetryPolicy(retry_unknown_outcome=True)``. Not in ``cost``; the budget counts each at the
    largest cost seen (``possibly_billed_estimate``)."""
    possibly_billed_estimate: Decimal = Decimal(0)
    """``possibly_billed`` times the largest cost seen: what the budget adds to ``cost`` before sending more."""

    def as_dict(self) -> dict[str, object]:
        return attrs.asdict(self)

    def __str__(self) -> str:
        unit = f" {self.cost_unit}" if self.cost_unit else ""
        budget = ""
        if self.budget is not None:
            budget = f" of {self.budget}{unit}" + (" (exhausted)" if self.budget_exhausted else "")
        return (
            f"submitted {self.submitted}, sent {self.sent}, coalesced {self.coalesced}, "
            f"delivered {self.delivered}, stale {self.dropped_stale}, errors {self.errors}; "
            f"latency p50 {_ms(self.latency_p50)} p95 {_ms(self.latency_p95)}; "
            f"staleness p50 {_ms(self.staleness_p50)} p95 {_ms(self.staleness_p95)} max {_ms(self.staleness_max)}; "
            f"cost {self.cost}{unit}{budget}"
            + (f"; {self.possibly_billed} attempt(s) may have been billed too" if self.possibly_billed else "")
        )


class StatsRecorder:
    """The mutable side: what the session updates as things happen. Not thread-safe (one event loop)."""

    def __init__(self) -> None:
        self.submitted = 0
        self.sent = 0
        self.coalesced = 0
        self.unsent = 0
        self.delivered = 0
        self.dropped_stale = 0
        self.errors = 0
        self.rate_limited = 0
        self.cancelled = 0
        self.requeued = 0
        self.events_overflowed = 0
        self.identical = 0
        self.possibly_billed = 0
        self.cost = Decimal(0)
        self.cost_unit: str | None = None
        self.max_cost: Decimal | None = None
        self.latencies: deque[float] = deque(maxlen=STATS_WINDOW)
        self.staleness: deque[float] = deque(maxlen=STATS_WINDOW)
        self.staleness_max: float | None = None
        self._uncovered: deque[tuple[int, float]] = deque()

    def input_submitted(self, seq: int, at: float) -> None:
        self.submitted += 1
        self._uncovered.append((seq, at))

    def response_paid(self, cost: Decimal | None, unit: str | None) -> None:
        if cost is None:
            return
        self.cost += cost
        if self.max_cost is None or cost > self.max_cost:
            self.max_cost = cost
        if unit is not None and self.cost_unit is None:
            self.cost_unit = unit

    def result_delivered(self, seq: int, at: float, *, covers: int | None = None) -> None:
        """A result for input ``seq`` is on screen at ``at``: it ends the wait of every input up to ``seq`` (or
        up to ``covers``: newer inputs identical to ``seq`` that were not sent)."""
        self.delivered += 1
        self.cover(seq if covers is None else max(seq, covers), at)

    def cover(self, seq: int, at: float) -> None:
        """What is on screen at ``at`` shows input ``seq``: it ends the wait of every input up to ``seq``."""
        while self._uncovered and self._uncovered[0][0] <= seq:
            _, submitted_at = self._uncovered.popleft()
            waited = max(0.0, at - submitted_at)
            self.staleness.append(waited)
            if self.staleness_max is None or waited > self.staleness_max:
                self.staleness_max = waited

    def snapshot(self, *, pending: int, in_flight: int, budget: Decimal | None, budget_exhausted: bool) -> SessionStats:
        return SessionStats(
            submitted=self.submitted,
            sent=self.sent,
            coalesced=self.coalesced,
            unsent=self.unsent,
            pending=pending,
            in_flight=in_flight,
            delivered=self.delivered,
            dropped_stale=self.dropped_stale,
            errors=self.errors,
            rate_limited=self.rate_limited,
            cancelled=self.cancelled,
            requeued=self.requeued,
            uncovered=len(self._uncovered),
            latency_p50=percentile(self.latencies, 50),
            latency_p95=percentile(self.latencies, 95),
            staleness_p50=percentile(self.staleness, 50),
            staleness_p95=percentile(self.staleness, 95),
            staleness_max=self.staleness_max,
            cost=self.cost,
            cost_unit=self.cost_unit,
            budget=budget,
            budget_exhausted=budget_exhausted,
            events_overflowed=self.events_overflowed,
            identical=self.identical,
            possibly_billed=self.possibly_billed,
            possibly_billed_estimate=self.possibly_billed_estimate,
        )

    @property
    def possibly_billed_estimate(self) -> Decimal:
        """What the attempts of unknown outcome may have cost: each at the largest cost seen (0 before any)."""
        return self.possibly_billed * (self.max_cost or Decimal(0))

    def attempts_of_unknown_outcome(self, outcome: object) -> None:
        """Count the possibly billed attempts a call's result or error reports (``possibly_billed_attempts``)."""
        count = getattr(outcome, "possibly_billed_attempts", 0)
        if isinstance(count, int) and count > 0:
            self.possibly_billed += count
