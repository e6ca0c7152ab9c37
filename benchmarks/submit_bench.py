"""``RealtimeSession.submit()`` cost at 120 Hz: the canvas-side price of offering a frame.

A real ``AsyncRealtimeCanvas`` on the in-process local server (``LocalTransport``, 200 ms latency, so requests
really go out and answers really come back while frames keep coming) gets a new 512 px JPEG every 1/120 s
(each frame differs: a JPEG comment segment carries its number). Each ``submit()`` is timed on its own with
``perf_counter``; the median and p95 over all frames are reported, for distinct frames and for a frame
identical to the last one sent (which ``skip_identical`` does not send again).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from .harness import percentile
from .testimages import sample_jpeg

RATE_HZ = 120.0


def _frame(jpeg: bytes, n: int) -> bytes:
    """`jpeg` with a COM segment holding `n` after the SOI marker: another valid JPEG per frame."""
    text = f"frame {n}".encode("ascii")
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


async def _run(frames: list[bytes], *, identical: bool) -> tuple[list[float], dict[str, Any]]:
    from leonardo_realtime_client import AsyncRealtimeCanvas, RealtimeSession
    from leonardo_realtime_client.server import IN_PROCESS_BASE_URL, Latency, LocalTransport, ServerConfig

    transport = LocalTransport(ServerConfig(latency=Latency(fixed=0.2), history=0))
    timings: list[float] = []
    perf = time.perf_counter
    async with (
        AsyncRealtimeCanvas(api_key="bench", base_url=IN_PROCESS_BASE_URL, transport=transport) as client,
        RealtimeSession(client, "generate", prompt="a castle", strength=0.6, max_buffered_events=0) as session,
    ):
        start = time.monotonic()
        for n, frame in enumerate(frames):
            delay = start + n / RATE_HZ - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            image = frames[0] if identical else frame
            t0 = perf()
            session.submit(image)
            timings.append(perf() - t0)
        await session.flush()
        stats = session.stats()
    return timings, {"sent": stats.sent, "coalesced": stats.coalesced, "identical": getattr(stats, "identical", None)}


def measure_submit(seconds: float = 2.0) -> dict[str, Any]:
    jpeg = sample_jpeg(512)
    frames = [_frame(jpeg, n) for n in range(int(seconds * RATE_HZ))]
    out: dict[str, Any] = {"rate_hz": RATE_HZ, "frames": len(frames)}
    for name, identical in (("distinct", False), ("identical", True)):
        timings, stats = asyncio.run(_run(frames, identical=identical))
        warm = timings[5:]  # the first submits start the session's task and load the generated models
        out[name] = {
            "median_us": statistics.median(warm) * 1e6,
            "p95_us": percentile(warm, 95) * 1e6,
            **stats,
        }
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(measure_submit(), indent=1))
