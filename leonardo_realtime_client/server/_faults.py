"""Seeded, repeatable latency and fault decisions, one per request in arrival order."""

from __future__ import annotations

import random
import threading

import attrs

from ._config import Fault, ServerConfig

__all__ = ["Decision", "FaultPlan"]


@attrs.frozen
class Decision:
    """What happens to request number ``index`` (0-based): a fault (or ``Fault.NONE``) and a delay in seconds."""

    index: int
    fault: Fault
    delay: float


class FaultPlan:
    """Draws exactly two numbers per request from one ``random.Random(seed)`` (fault, jitter).

    The n-th request therefore gets the same decision in every run with the same config, whatever the earlier
    requests were; thread-safe, so concurrent requests each get the next decision.
    """

    def __init__(self, config: ServerConfig) -> None:
        self._latency = config.latency
        self._faults = config.faults
        self._rng = random.Random(config.seed)  # noqa: S311 (simulation, not security)
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        """How many decisions were made so far (= requests that reached a route)."""
        return self._count

    def next(self) -> Decision:
        with self._lock:
            index = self._count
            self._count += 1
            u_fault = self._rng.random()
            u_jitter = self._rng.random()
        faults = self._faults
        fault = faults.script[index] if index < len(faults.script) else faults.draw(u_fault)
        delay = self._latency.fixed + self._latency.jitter * u_jitter
        if fault is Fault.SLOW:
            delay += faults.slow_delay
        return Decision(index, fault, delay)
