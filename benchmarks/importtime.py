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
import time
from pathlib import Path
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


def _sample(stmt: str, env: dict[str, str], python: str = sys.executable) -> float | None:
    done = subprocess.run(
        [python, "-c", _PROBE.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )
    if done.returncode != 0:
        return None
    return float(done.stdout.strip())


def heavy_modules_loaded(stmt: str = "import leonardo_realtime_client", python: str = sys.executable) -> list[str]:
    code = f"import sys, json; {stmt}; print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def measure_imports(runs: int = 25, python: str = sys.executable) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        env = _env(pycache)
        for stmt in STATEMENTS.values():
            _sample(stmt, env, python)  # warm-up: writes the bytecode
        for _ in range(runs):
            for name, stmt in STATEMENTS.items():
                if name in failed:
                    continue
                value = _sample(stmt, env, python)
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
    clients = samples["clients"]
    if clients and len(clients) == len(base):
        result["clients_extra_over_httpx_ms"] = (
            statistics.median(a - b for a, b in zip(clients, base, strict=True)) * 1e3
        )
    if "leonardo_realtime_client" not in failed:
        result["heavy_loaded"] = heavy_modules_loaded(python=python)
    return result


def _wall(command: list[str], env: dict[str, str]) -> float | None:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, timeout=60, env=env)
    elapsed = time.perf_counter() - start
    return elapsed if done.returncode == 0 else None


def measure_cli_startup(runs: int, bin_dir: Path) -> dict[str, Any]:
    """Wall time of whole processes, paired and alternating: ``leonardo-realtime --help`` and a command's
    ``leonardo-realtime generate --help`` (its options come from the constraints table) against
    ``python -c "import httpx"`` (interpreter start-up included in all), in the venv of `bin_dir`."""
    commands = {
        "cli_help": [str(bin_dir / "leonardo-realtime"), "--help"],
        "cli_generate_help": [str(bin_dir / "leonardo-realtime"), "generate", "--help"],
        "python_import_httpx": [str(bin_dir / "python"), "-c", "import httpx"],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        env = _env(pycache)
        for command in commands.values():
            _wall(command, env)  # warm-up: writes the bytecode
        for _ in range(runs):
            values = {name: _wall(command, env) for name, command in commands.items()}
            if None in values.values():
                return {"failed": {k: v is None for k, v in values.items()}}
            for name, value in values.items():
                assert value is not None
                samples[name].append(value)
    base = samples["python_import_httpx"]
    ratios = [a / b for a, b in zip(samples["cli_help"], base, strict=True)]
    command_ratios = [a / b for a, b in zip(samples["cli_generate_help"], base, strict=True)]
    return {
        "runs": runs,
        "median_ms": {name: statistics.median(v) * 1e3 for name, v in samples.items()},
        "ratio": statistics.median(ratios),
        "ratio_generate_help": statistics.median(command_ratios),
    }
