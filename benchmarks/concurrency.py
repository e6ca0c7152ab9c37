"""Many async calls at once against the local server with a fixed latency: requests/s and connection reuse.

``concurrency`` tasks share one client and each sends ``per_task`` requests back to back (a closed loop), so
the server always has ``concurrency`` requests in flight. The server sleeps ``latency`` seconds per answer,
as the real API does for ~0.2-1 s, and runs in another process. Rows, measured alternately:

* **httpx loop**: a hand-written ``httpx.AsyncClient()`` with httpx's default pool limits, posting the same
  body made with ``orjson`` and decoding the first image (the floor of ``floor.py``);
* **ours**: ``AsyncRealtimeCanvas.generate`` with its own default pool.

Each row first makes one untimed round of ``concurrency`` calls (its pool opens its connections), then the
timed closed loop. New connections are counted where httpcore opens them (its ``AutoBackend.connect_tcp``,
wrapped for the run), so both rows are counted the same way and neither client is given an event hook (a hook
would put ours back on httpx's full ``send`` path: see ``_direct``). *Reused* = 1 - new connections / requests
of the timed part. Requests/s is requests / wall time of the timed part; client CPU per request is
``process_time`` of the timed part / requests.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
from httpcore._backends.auto import AutoBackend

from .floor import PATH, first_image, request_body
from .rows import _ours_kwargs

TraceCounter = dict[str, int]


@contextmanager
def _counting_connects(counter: TraceCounter) -> Iterator[None]:
    """Count every TCP connection httpcore's async backend opens while inside."""
    real = AutoBackend.connect_tcp

    async def connect_tcp(self: AutoBackend, *args: Any, **kwargs: Any) -> Any:
        counter["connects"] += 1
        return await real(self, *args, **kwargs)

    AutoBackend.connect_tcp = connect_tcp  # type: ignore[method-assign]
    try:
        yield
    finally:
        AutoBackend.connect_tcp = real  # type: ignore[method-assign]


async def _closed_loop(
    call: Callable[[], Awaitable[object]], concurrency: int, per_task: int, counter: TraceCounter
) -> tuple[float, float]:
    """One warm-up round (every task one call: the pool opens its connections), then the timed closed loop;
    (wall seconds, CPU seconds) of the timed part. The counter is reset after the warm-up."""
    await asyncio.gather(*(call() for _ in range(concurrency)))
    counter["connects"] = counter["requests"] = 0

    async def worker() -> None:
        for _ in range(per_task):
            await call()
            counter["requests"] += 1

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, time.process_time() - cpu


async def _httpx_row(base_url: str, api_key: str, jpeg: bytes, size: int, concurrency: int, per_task: int) -> Any:
    counter: TraceCounter = {"connects": 0, "requests": 0}
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60.0) as client:

        async def call() -> None:
            response = await client.post(PATH, content=orjson.dumps(request_body(jpeg, size)))
            response.raise_for_status()
            first_image(response.content)  # the same work as ours: the first image's bytes

        with _counting_connects(counter):
            timing = await _closed_loop(call, concurrency, per_task, counter)
    return timing, counter


async def _ours_row(base_url: str, api_key: str, jpeg: bytes, size: int, concurrency: int, per_task: int) -> Any:
    from leonardo_realtime_client import AsyncRealtimeCanvas

    counter: TraceCounter = {"connects": 0, "requests": 0}
    async with AsyncRealtimeCanvas(api_key=api_key, base_url=base_url, allow_insecure_http=True) as canvas:
        kwargs = _ours_kwargs(size)

        async def call() -> None:
            await canvas.generate(jpeg, **kwargs)

        with _counting_connects(counter):
            timing = await _closed_loop(call, concurrency, per_task, counter)
    return timing, counter


ROWS = {"httpx": _httpx_row, "ours": _ours_row}


def measure_concurrency(
    base_url: str,
    api_key: str,
    jpeg: bytes,
    size: int,
    *,
    concurrencies: tuple[int, ...] = (16, 64),
    per_task: int = 8,
    repeats: int = 2,
    runner: asyncio.Runner,
) -> dict[str, Any]:
    """{concurrency: {row: {requests_per_s, reused, connects, requests, cpu_ms_per_req}}}, medians of `repeats`."""
    out: dict[str, Any] = {}
    for concurrency in concurrencies:
        samples: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in ROWS}
        for r in range(repeats):
            order = list(ROWS) if r % 2 == 0 else list(reversed(ROWS))
            for name in order:
                (wall, cpu), counter = runner.run(ROWS[name](base_url, api_key, jpeg, size, concurrency, per_task))
                samples[name].append((wall, cpu, counter["connects"], counter["requests"]))
        rows: dict[str, Any] = {}
        for name, values in samples.items():
            requests = values[0][3]
            rows[name] = {
                "requests": requests,
                "requests_per_s": statistics.median(requests / v[0] for v in values),
                "cpu_ms_per_req": statistics.median(v[1] / requests for v in values) * 1e3,
                "connects": statistics.median(v[2] for v in values),
                "reused": statistics.median(1 - v[2] / v[3] for v in values),
            }
        rows["ratio"] = rows["ours"]["requests_per_s"] / rows["httpx"]["requests_per_s"]
        out[str(concurrency)] = rows
        print(
            f"  {concurrency} concurrent: ours {rows['ours']['requests_per_s']:.0f} req/s "
            f"({rows['ours']['reused']:.0%} reused), httpx loop {rows['httpx']['requests_per_s']:.0f} req/s "
            f"({rows['httpx']['reused']:.0%} reused)",
            flush=True,
        )
    return out
