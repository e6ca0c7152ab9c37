"""Interleaved, same-run measurement of client CPU and latency per round trip.

For one image size every row runs `per_round` requests per round; rounds rotate the row order so each row
takes every position equally often (drift in machine load hits all rows alike). A row's CPU per request is
the median over rounds of ``time.process_time()`` spent in its batch divided by the batch size; the server
runs in another process, so this is client CPU only. Latency p50/p95 are over every timed request.
Async rows run on one long-lived event loop (``asyncio.Runner``), timed inside the coroutine.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .rows import AsyncCall, Call, RowSpec, SyncCall


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class RowResult:
    spec: RowSpec
    size: int
    cpu_per_round: list[float] = field(default_factory=list)
    """Client CPU seconds per request, one value per round."""
    latencies: list[float] = field(default_factory=list)
    """Wall seconds of every timed request."""
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is None and bool(self.cpu_per_round)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_per_round)

    @property
    def cpu_iqr(self) -> tuple[float, float]:
        return percentile(self.cpu_per_round, 25), percentile(self.cpu_per_round, 75)

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.spec.key,
            "label": self.spec.label,
            "group": self.spec.group,
            "async": self.spec.is_async,
            "size": self.size,
            "skipped": self.skipped,
        }
        if self.ok:
            low, high = self.cpu_iqr
            out |= {
                "cpu_ms": self.cpu * 1e3,
                "cpu_ms_iqr": [low * 1e3, high * 1e3],
                "p50_ms": self.p50 * 1e3,
                "p95_ms": self.p95 * 1e3,
                "rounds": len(self.cpu_per_round),
                "requests": len(self.latencies),
            }
        return out


def _sync_batch(call: SyncCall, jpeg: bytes, size: int, n: int) -> tuple[float, list[float]]:
    perf = time.perf_counter
    latencies = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = perf()
        call(jpeg, size)
        latencies.append(perf() - t0)
    return (time.process_time() - cpu0) / n, latencies


async def _async_batch(call: AsyncCall, jpeg: bytes, size: int, n: int) -> tuple[float, list[float]]:
    perf = time.perf_counter
    latencies = []
    cpu0 = time.process_time()
    for _ in range(n):
        t0 = perf()
        await call(jpeg, size)
        latencies.append(perf() - t0)
    return (time.process_time() - cpu0) / n, latencies


def run_once(call: Call, runner: asyncio.Runner, jpeg: bytes, size: int) -> bytes:
    """One untimed round trip (warm-up, checks)."""
    if call.is_async:
        return runner.run(cast(AsyncCall, call)(jpeg, size))
    return cast(SyncCall, call)(jpeg, size)


def close(call: Call, runner: asyncio.Runner) -> None:
    if call.is_async:
        runner.run(cast(AsyncCall, call).aclose())
    else:
        cast(SyncCall, call).close()


def open_rows(
    specs: Sequence[RowSpec], base_url: str, api_key: str, size: int
) -> tuple[dict[str, Call], dict[str, RowResult]]:
    """Instantiate every row; a row whose library is missing (ImportError) is recorded as skipped."""
    calls: dict[str, Call] = {}
    results: dict[str, RowResult] = {}
    for spec in specs:
        results[spec.key] = RowResult(spec, size)
        try:
            calls[spec.key] = spec.factory(base_url, api_key)
        except ModuleNotFoundError as exc:
            results[spec.key].skipped = f"not installed ({exc.name})"
        except ImportError as exc:
            results[spec.key].skipped = f"import failed: {exc}"
    return calls, results


def measure_size(
    specs: Sequence[RowSpec],
    *,
    base_url: str,
    api_key: str,
    jpeg: bytes,
    size: int,
    rounds: int,
    per_round: int,
    warmup: int,
    runner: asyncio.Runner,
    progress: bool = True,
) -> dict[str, RowResult]:
    calls, results = open_rows(specs, base_url, api_key, size)
    try:
        outputs: dict[str, bytes] = {}
        for key, call in list(calls.items()):
            try:
                for _ in range(warmup):
                    outputs[key] = run_once(call, runner, jpeg, size)
            except Exception as exc:  # a broken row must not sink the whole benchmark
                results[key].skipped = f"failed: {type(exc).__name__}: {exc}"[:300]
                close(call, runner)
                del calls[key]
                continue
            if not outputs[key].startswith(b"\xff\xd8"):
                raise RuntimeError(f"{key}: the round trip did not return JPEG bytes")
        if len(set(outputs.values())) > 1:
            raise RuntimeError(f"rows disagree on the output bytes for the same request: {sorted(outputs)}")
        keys = list(calls)
        for r in range(rounds):
            shift = r % len(keys) if keys else 0
            for key in keys[shift:] + keys[:shift]:
                call = calls[key]
                gc.collect()
                if call.is_async:
                    cpu, lat = runner.run(_async_batch(cast(AsyncCall, call), jpeg, size, per_round))
                else:
                    cpu, lat = _sync_batch(cast(SyncCall, call), jpeg, size, per_round)
                results[key].cpu_per_round.append(cpu)
                results[key].latencies.extend(lat)
            if progress:
                print(f"\r  {size}px: round {r + 1}/{rounds}", end="", flush=True)
        if progress:
            print()
    finally:
        for call in calls.values():
            close(call, runner)
    return results
