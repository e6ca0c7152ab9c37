"""The ``shrink_inputs`` opt-in: what it saves when the canvas is larger than the picture asked for.

A 1024 px and a 2048 px canvas snapshot (JPEG) are sent with ``generate`` for a 512 px picture, by
``RealtimeCanvas`` as it is (the JPEG goes out byte-identical) and with ``shrink_inputs=True`` (scaled to cover
512 x 512 before encoding), against the local server on 127.0.0.1 at zero added latency, in interleaved rounds.
Per row: the request body's bytes (``Content-Length``), client CPU per call (``process_time``, median over
rounds) and latency p50 (the stand-in decodes what it is sent, as the real API must). What the smaller upload
saves on a real network is not measured here: over loopback an upload costs almost nothing.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from .floor import PROMPT
from .harness import percentile
from .testimages import sample_jpeg

CANVASES = (1024, 2048)
OUTPUT = 512


def measure_shrink(base_url: str, api_key: str, *, rounds: int = 6, per_round: int = 5) -> dict[str, Any]:
    """{canvas px: {"as_is"|"shrunk": {body_bytes, cpu_ms, p50_ms}, "bytes_ratio", "cpu_ratio", "p50_ratio"}}."""
    from leonardo_realtime_client import RealtimeCanvas

    out: dict[str, Any] = {"output_px": OUTPUT}
    for canvas_px in CANVASES:
        jpeg = sample_jpeg(canvas_px)
        clients = {
            "as_is": RealtimeCanvas(api_key=api_key, base_url=base_url, allow_insecure_http=True),
            "shrunk": RealtimeCanvas(api_key=api_key, base_url=base_url, allow_insecure_http=True, shrink_inputs=True),
        }
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        waits: dict[str, list[float]] = {name: [] for name in clients}
        body: dict[str, int] = {}
        try:
            for name, client in clients.items():  # warm-up; the body's size as sent
                result = client.generate(jpeg, prompt=PROMPT, width=OUTPUT, height=OUTPUT)
                assert result.http_response is not None
                body[name] = int(result.http_response.request.headers["content-length"])
            for r in range(rounds):
                for name in list(clients)[r % 2 :] + list(clients)[: r % 2]:
                    client = clients[name]
                    started = time.process_time()
                    for _ in range(per_round):
                        t0 = time.perf_counter()
                        client.generate(jpeg, prompt=PROMPT, width=OUTPUT, height=OUTPUT)
                        waits[name].append(time.perf_counter() - t0)
                    cpu[name].append((time.process_time() - started) / per_round)
        finally:
            for client in clients.values():
                client.close()
        rows = {
            name: {
                "body_bytes": body[name],
                "cpu_ms": statistics.median(cpu[name]) * 1e3,
                "p50_ms": percentile(waits[name], 50) * 1e3,
            }
            for name in clients
        }
        out[str(canvas_px)] = {
            **rows,
            "jpeg_bytes": len(jpeg),
            "bytes_ratio": rows["shrunk"]["body_bytes"] / rows["as_is"]["body_bytes"],
            "cpu_ratio": rows["shrunk"]["cpu_ms"] / rows["as_is"]["cpu_ms"],
            "p50_ratio": rows["shrunk"]["p50_ms"] / rows["as_is"]["p50_ms"],
        }
        print(
            f"  {canvas_px} px canvas for {OUTPUT} px: body {rows['as_is']['body_bytes']:,} → "
            f"{rows['shrunk']['body_bytes']:,} bytes, p50 {rows['as_is']['p50_ms']:.1f} → "
            f"{rows['shrunk']['p50_ms']:.1f} ms",
            flush=True,
        )
    return out
