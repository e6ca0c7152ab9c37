"""Peak extra memory of one round trip, in multiples of the request's base64 payload.

Measured in a fresh subprocess (so the benchmark's own heap history does not matter) two ways:

* **RSS high-water mark** — the memory the process really holds. Linux's peak RSS (VmHWM) is reset via
  ``/proc/self/clear_refs`` just before one round trip and read just after; glibc's mmap threshold is pinned
  at 64 KiB (``MALLOC_MMAP_THRESHOLD_``) so every payload-sized buffer gets fresh pages and gives them back
  on free, instead of silently reusing freed heap (which would hide copies). Median of 5.
* **tracemalloc** — Python-visible allocations. It over-counts buffers that are reserved large and never
  touched: ``orjson.dumps`` of a 270 KiB string reserves ~4 MiB (it sizes for worst-case escaping) of which
  only 270 KiB ever becomes resident, so rows that ``orjson.dumps`` the base64 string look ~15x worse here
  than they are. Median of 3.

Both hold the returned image at the peak. *Retained* (tracemalloc) = still allocated after the result is
dropped, before the cyclic GC runs: copies kept alive by reference cycles.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import pybase64

from .harness import close, open_rows, run_once
from .rows import ROWS, AsyncCall, Call, RowSpec, SyncCall
from .testimages import sample_jpeg

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_bytes(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def rss_supported() -> bool:
    return _STATUS.exists() and _CLEAR_REFS.exists()


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


def _rss_sample(call: Call, runner: asyncio.Runner, jpeg: bytes, size: int) -> int:
    gc.collect()
    _CLEAR_REFS.write_text("5")  # reset VmHWM to the current RSS
    base = _status_bytes("VmRSS")
    peak: list[int] = []
    _round_trip(call, runner, jpeg, size, lambda: peak.append(_status_bytes("VmHWM")))
    return max(peak[0], _status_bytes("VmHWM")) - base


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
                row: dict[str, Any] = {}
                if rss_supported():
                    rss = statistics.median(_rss_sample(call, runner, jpeg, size) for _ in range(5))
                    row |= {"rss_bytes": rss, "rss_x_payload": rss / payload}
                tracemalloc.start()
                try:
                    _traced_sample(call, runner, jpeg, size)  # the first traced call pays tracemalloc's set-up
                    samples = [_traced_sample(call, runner, jpeg, size) for _ in range(3)]
                finally:
                    tracemalloc.stop()
                extra = statistics.median(s[0] for s in samples)
                retained = statistics.median(s[1] for s in samples)
                row |= {
                    "traced_bytes": extra,
                    "traced_x_payload": extra / payload,
                    "retained_bytes": retained,
                    "retained_x_payload": retained / payload,
                }
                rows[key] = row
            for key, result in results.items():
                if result.skipped:
                    rows[key] = {"skipped": result.skipped}
        finally:
            for call in calls.values():
                close(call, runner)
    ordered = {spec.key: rows[spec.key] for spec in specs if spec.key in rows}
    return {"size": size, "jpeg_bytes": len(jpeg), "base64_payload_bytes": payload, "rows": ordered}


def measure_memory(specs: Sequence[RowSpec], *, base_url: str, api_key: str, size: int) -> dict[str, Any]:
    """Run the measurement in a fresh interpreter with glibc's mmap threshold pinned; return its JSON."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    command = [sys.executable, "-m", "benchmarks.memory", base_url, api_key, str(size), ",".join(s.key for s in specs)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=600)
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
