"""Cold import time of ``leonardo_realtime_client`` against ``import httpx``, in fresh interpreters.

Each sample is a new ``python -c`` process that times the import statement itself with ``perf_counter``
(interpreter start-up excluded). The statements alternate so machine-load drift hits both alike; the median
of many runs is reported. A second probe lists which heavy modules the import dragged in.

Bytecode is cached for every module, as after ``pip install`` (which compiles site-packages): the samples run
with ``PYTHONPYCACHEPREFIX`` pointing at a temporary folder and without ``PYTHONDONTWRITEBYTECODE``, after one
warm-up import of each statement. Otherwise a source checkout run with ``PYTHONDONTWRITEBYTECODE=1`` would
recompile this package's sources on every import while httpx's bytecode comes precompiled.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

STATEMENTS: dict[str, str] = {
    "httpx": "import httpx",
    "leonardo_realtime_client": "import leonardo_realtime_client",
    "clients": "from leonardo_realtime_client import RealtimeCanvas, AsyncRealtimeCanvas",
}
HEAVY = ("PIL", "numpy", "starlette", "uvicorn", "anyio._backends._trio", "pydantic", "leonardo_ai_sdk", "click")

_PROBE = "import time as _t; _s = _t.perf_counter(); {stmt}; print(_t.perf_counter() - _s)"


def _env(pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _sample(stmt: str, env: dict[str, str]) -> float | None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )
    if done.returncode != 0:
        return None
    return float(done.stdout.strip())


def heavy_modules_loaded(stmt: str = "import leonardo_realtime_client") -> list[str]:
    code = f"import sys, json; {stmt}; print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def measure_imports(runs: int = 25) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        env = _env(pycache)
        for stmt in STATEMENTS.values():
            _sample(stmt, env)  # warm-up: writes the bytecode
        for _ in range(runs):
            for name, stmt in STATEMENTS.items():
                if name in failed:
                    continue
                value = _sample(stmt, env)
                if value is None:
                    failed[name] = "import failed"
                else:
                    samples[name].append(value)
    result: dict[str, Any] = {"runs": runs, "median_ms": {}, "failed": failed, "bytecode": "cached"}
    for name, values in samples.items():
        if values:
            result["median_ms"][name] = statistics.median(values) * 1e3
            result.setdefault("min_ms", {})[name] = min(values) * 1e3
    ours, base = samples["leonardo_realtime_client"], samples["httpx"]
    if ours and len(ours) == len(base):
        # Paired: each run measures both back to back, so slow drifts in machine load cancel out.
        result["extra_over_httpx_ms"] = statistics.median(a - b for a, b in zip(ours, base, strict=True)) * 1e3
    result["heavy_loaded"] = heavy_modules_loaded() if "leonardo_realtime_client" not in failed else None
    return result
