"""Peak extra memory of one round trip, in multiples of the request's base64 payload (tracemalloc).

Measured in a fresh subprocess, so the benchmark's own heap history does not matter. Each row is warmed up
(connection open, lazy imports done, one traced call made), then: full GC, reset the peak, one round trip
holding its result, read the peak. *Extra* = peak - memory traced before the call; the returned image is
part of it. *Retained* = still allocated after the result is dropped, before the cyclic GC runs: copies kept
alive by reference cycles. Median of 5.

tracemalloc counts what is allocated, including reservations that are never written: ``orjson.dumps`` of a
270 KiB string reserves ~4 MiB (worst-case escaping) and keeps that block as the result; ``orjson.loads``
of a 270 KiB document briefly reserves ~3.5 MiB. Untouched pages of such blocks need not become resident,
but they are allocations all the same (and reuse memory the process already holds), so they are counted.
Linux's peak-RSS counter (VmHWM) is no alternative: it is only updated at sampling points and missed
short-lived copies in our checks (two 270 KiB buffers alive together read as one).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any, cast

import pybase64

from .harness import close, open_rows, run_once
from .rows import ROWS, AsyncCall, Call, RowSpec, SyncCall
from .testimages import sample_jpeg

REPEATS = 5


def _round_trip(call: Call, runner: asyncio.Runner, jpeg: bytes, size: int, probe: Callable[[], None]) -> None:
    """One round trip; `probe` runs while the returned image is still held."""
    if call.is_async:

        async def go() -> None:
            image = await cast(AsyncCall, call)(jpeg, size)
            probe()
            del image

        runner.run(go())
    else:
        image = cast(SyncCall, call)(jpeg, size)
        probe()
        del image


def _traced_sample(call: Call, runner: asyncio.Runner, jpeg: bytes, size: int) -> tuple[int, int]:
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    peak: list[int] = []
    _round_trip(call, runner, jpeg, size, lambda: peak.append(tracemalloc.get_traced_memory()[1]))
    retained = tracemalloc.get_traced_memory()[0] - base
    return peak[0] - base, retained


def _measure_in_process(specs: Sequence[RowSpec], base_url: str, api_key: str, size: int) -> dict[str, Any]:
    jpeg = sample_jpeg(size)
    payload = len(pybase64.b64encode(jpeg))
    rows: dict[str, Any] = {}
    with asyncio.Runner() as runner:
        calls, results = open_rows(specs, base_url, api_key, size)
        try:
            for key, call in calls.items():
                try:
                    for _ in range(3):
                        run_once(call, runner, jpeg, size)
                except Exception as exc:
                    rows[key] = {"skipped": f"failed: {type(exc).__name__}: {exc}"[:300]}
                    continue
                tracemalloc.start()
                try:
                    _traced_sample(call, runner, jpeg, size)  # the first traced call pays tracemalloc's set-up
                    samples = [_traced_sample(call, runner, jpeg, size) for _ in range(REPEATS)]
                finally:
                    tracemalloc.stop()
                extra = statistics.median(s[0] for s in samples)
                retained = statistics.median(s[1] for s in samples)
                rows[key] = {
                    "extra_bytes": extra,
                    "extra_x_payload": extra / payload,
                    "retained_bytes": retained,
                    "retained_x_payload": retained / payload,
                }
            for key, result in results.items():
                if result.skipped:
                    rows[key] = {"skipped": result.skipped}
        finally:
            for call in calls.values():
                close(call, runner)
    ordered = {spec.key: rows[spec.key] for spec in specs if spec.key in rows}
    return {"size": size, "jpeg_bytes": len(jpeg), "base64_payload_bytes": payload, "rows": ordered}


def measure_memory(specs: Sequence[RowSpec], *, base_url: str, api_key: str, size: int) -> dict[str, Any]:
    """Run the measurement in a fresh interpreter and return its JSON."""
    command = [sys.executable, "-m", "benchmarks.memory", base_url, api_key, str(size), ",".join(s.key for s in specs)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"memory benchmark failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="(internal) memory child process of `python -m benchmarks`")
    parser.add_argument("base_url")
    parser.add_argument("api_key")
    parser.add_argument("size", type=int)
    parser.add_argument("rows")
    args = parser.parse_args()
    wanted = set(args.rows.split(","))
    specs = [spec for spec in ROWS if spec.key in wanted]
    json.dump(_measure_in_process(specs, args.base_url, args.api_key, args.size), sys.stdout)


if __name__ == "__main__":
    main()
