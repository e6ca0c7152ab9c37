"""Latency of a small answer from the local server at zero added latency (the TCP_NODELAY check).

A small answer is one that fits in a packet or two: here the server's answer to a wrong API key (Leonardo's
authorization-hook error, which the client raises as ``AuthenticationError``): the client sends a normal 512 px
request, the server reads it and answers ~100-200 bytes of JSON. With Nagle's algorithm on
the server's socket, the body written after the headers waits for the client's delayed ACK (~40 ms on Linux).
Rows: our sync client (``AuthenticationError`` caught) and a plain ``httpx.Client``; p50/p95 over every call.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from .floor import PATH, request_body
from .harness import percentile
from .rows import _ours_kwargs


def measure_small_answers(base_url: str, jpeg: bytes, *, requests: int = 100) -> dict[str, Any]:
    from leonardo_realtime_client import AuthenticationError, RealtimeCanvas

    wrong = "not-the-bench-key"
    out: dict[str, Any] = {"requests": requests}
    timings: dict[str, list[float]] = {"ours": [], "httpx": []}
    body = orjson.dumps(request_body(jpeg, 512))
    with (
        RealtimeCanvas(api_key=wrong, base_url=base_url, allow_insecure_http=True, max_retries=0) as canvas,
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {wrong}"}) as client,
    ):
        kwargs = _ours_kwargs(512)

        def ours() -> None:
            try:
                canvas.generate(jpeg, **kwargs)
            except AuthenticationError:
                return
            raise RuntimeError("expected the local server to refuse the key")

        def plain() -> None:
            response = client.post(PATH, content=body, headers={"Content-Type": "application/json"})
            if response.status_code not in (401, 500) or len(response.content) > 1000:
                raise RuntimeError(f"expected a small error answer, got {response.status_code}")

        calls = {"ours": ours, "httpx": plain}
        for call in calls.values():
            call()  # connection and lazy imports
        for _ in range(requests):
            for name, call in calls.items():
                t0 = time.perf_counter()
                call()
                timings[name].append(time.perf_counter() - t0)
    for name, values in timings.items():
        out[name] = {"p50_ms": percentile(values, 50) * 1e3, "p95_ms": percentile(values, 95) * 1e3}
    return out
