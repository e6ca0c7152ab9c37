"""Peak resident memory (Linux VmHWM, not tracemalloc) of one round trip with a ~20 MB JPEG.

tracemalloc counts allocations, including reservations that never become resident; this counts pages the
process really touched. Each row runs in a fresh interpreter: warm-up calls with a small image (connection,
lazy imports), then for each sample freed heap pages are returned to the OS (glibc ``malloc_trim``), the peak
is reset (``/proc/self/clear_refs`` = 5 sets VmHWM to the
current RSS), one round trip with the big JPEG is made (the answer is a 512 px image), and the peak minus the
RSS just before is the *extra* resident memory of that call. The JPEG's bytes are loaded before the reset, so
they are not counted. Median of 3 samples per row; in multiples of the request's base64 payload.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any, cast

from .harness import close, open_rows, run_once
from .rows import ROWS, AsyncCall, SyncCall
from .testimages import sample_jpeg

ROW_KEYS = ("floor-sync", "ours-sync", "floor-async", "ours-async")
SAMPLES = 3
CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"
TARGET_BYTES = 20_000_000


@cache
def big_jpeg() -> bytes:
    """A 4096x4096 JPEG of exactly ``TARGET_BYTES`` (just under MAX_IMAGE_BYTES = 20 MiB): noise at quality 95,
    topped up with comment (COM) segments. Made once and kept in .bench-cache."""
    path = CACHE / "big-4096.jpg"
    if path.exists() and path.stat().st_size == TARGET_BYTES:
        return path.read_bytes()
    import io
    import random

    from PIL import Image

    side = 4096
    noise = Image.frombytes("RGB", (side, side), random.Random(4096).randbytes(side * side * 3))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=95)
    jpeg = out.getvalue()
    segments = []
    missing = TARGET_BYTES - len(jpeg)
    while missing > 0:
        body = min(missing - 4, 65533)
        if body < 0:
            raise RuntimeError("the noise JPEG came out too big")
        segments.append(b"\xff\xfe" + (body + 2).to_bytes(2, "big") + b"c" * body)
        missing -= body + 4
    data = jpeg[:2] + b"".join(segments) + jpeg[2:]
    CACHE.mkdir(exist_ok=True)
    path.write_bytes(data)
    return data


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _trim() -> None:
    """Give freed heap pages back to the OS (glibc), so a sample does not reuse the last one's resident pages."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _measure(key: str, base_url: str, api_key: str) -> dict[str, Any]:
    jpeg, small = big_jpeg(), sample_jpeg(512)
    spec = next(s for s in ROWS if s.key == key)
    with asyncio.Runner() as runner:
        calls, results = open_rows([spec], base_url, api_key, 512)
        if key not in calls:
            return {"skipped": results[key].skipped}
        call = calls[key]
        try:
            for _ in range(3):
                run_once(call, runner, small, 512)
            samples = []
            for _ in range(SAMPLES):
                gc.collect()
                _trim()
                before = _status("VmRSS")
                _reset_peak()
                if call.is_async:
                    image = runner.run(cast(AsyncCall, call)(jpeg, 512))
                else:
                    image = cast(SyncCall, call)(jpeg, 512)
                samples.append(_status("VmHWM") - before)
                del image
        finally:
            close(call, runner)
    return {"extra_bytes": statistics.median(samples), "samples": samples}


def measure_rss(base_url: str, api_key: str) -> dict[str, Any]:
    """{jpeg_bytes, base64_payload_bytes, rows: {key: {extra_bytes, extra_x_payload}}}, each row in a child."""
    jpeg = big_jpeg()
    payload = 4 * ((len(jpeg) + 2) // 3)
    rows: dict[str, Any] = {}
    for key in ROW_KEYS:
        command = [sys.executable, "-m", "benchmarks.rss", base_url, api_key, key]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        if done.returncode != 0:
            rows[key] = {"skipped": f"failed: {done.stderr.strip().splitlines()[-1:]}"}
            continue
        row: dict[str, Any] = json.loads(done.stdout)
        if "extra_bytes" in row:
            row["extra_x_payload"] = row["extra_bytes"] / payload
        rows[key] = row
    return {"jpeg_bytes": len(jpeg), "base64_payload_bytes": payload, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description="(internal) peak-RSS child process of `python -m benchmarks`")
    parser.add_argument("base_url")
    parser.add_argument("api_key")
    parser.add_argument("row", choices=ROW_KEYS)
    args = parser.parse_args()
    json.dump(_measure(args.row, args.base_url, args.api_key), sys.stdout)


if __name__ == "__main__":
    main()
