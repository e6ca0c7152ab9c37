"""CPU of the command line's batch against a hand-written asyncio batch doing the same work.

200 copies of the 512 px test JPEG in a temporary folder; the local server in a subprocess with 200 ms added
latency; ``leonardo-realtime generate FILES -o OUT/ -j 8 -q`` against ``benchmarks/handbatch.py`` with the same
concurrency. Both run as their own processes, so each pays its interpreter start-up and imports; CPU is their
user + system time (``getrusage(RUSAGE_CHILDREN)``), alternating, median of the paired ratios.

Bytecode is cached for every module, as after ``pip install`` (which compiles what it installs): the runs use
``PYTHONPYCACHEPREFIX`` in the temporary folder, without ``PYTHONDONTWRITEBYTECODE``, after one untimed one-file
warm-up run of each command. Otherwise a source checkout run with ``PYTHONDONTWRITEBYTECODE=1`` recompiled this
package's ~75 modules in every CLI run (~50 ms of CPU here) while httpx's bytecode came precompiled (the same reason
as in ``importtime.py``).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .floor import PROMPT

FILES = 200
CONCURRENCY = 8


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    cpu0, wall0 = _child_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return _child_cpu() - cpu0, time.perf_counter() - wall0


def _env(api_key: str, *, pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"LEONARDO_API_KEY": api_key, "PYTHONPYCACHEPREFIX": pycache}


def _warm_up(command: list[str], files: list[str], out: Path, env: dict[str, str]) -> None:
    """One run of ``command`` on the first input only (the same imports and code path, a fraction of the time)."""
    one = [arg for arg in command if arg not in files[1:]]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    _run(one, env)


def measure_cli_batch(base_url: str, api_key: str, jpeg: bytes, *, repeats: int = 2) -> dict[str, Any]:
    cli = Path(sys.executable).with_name("leonardo-realtime")
    samples: dict[str, list[tuple[float, float]]] = {"cli": [], "hand": []}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        env = _env(api_key, pycache=str(Path(tmp) / "pycache"))
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        files = []
        for n in range(FILES):
            path = inputs / f"frame{n:03d}.jpg"
            path.write_bytes(jpeg)
            files.append(str(path))
        out = Path(tmp) / "out"
        commands = {
            "cli": [
                str(cli),
                "generate",
                *files,
                "-o",
                f"{out}/",
                "-j",
                str(CONCURRENCY),
                "-q",
                "--prompt",
                PROMPT,
                "--base-url",
                base_url,
            ],
            "hand": [
                sys.executable,
                "-m",
                "benchmarks.handbatch",
                base_url,
                api_key,
                str(out),
                str(CONCURRENCY),
                PROMPT,
                *files,
            ],
        }
        for command in commands.values():  # untimed: writes the bytecode of everything each command loads
            _warm_up(command, files, out, env)
        for r in range(repeats):
            for name in ("cli", "hand") if r % 2 == 0 else ("hand", "cli"):
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                samples[name].append(_run(commands[name], env))
                written = len(list(out.iterdir()))
                if written != FILES:
                    raise RuntimeError(f"{name}: wrote {written} of {FILES} outputs")
    ratios = [c[0] / h[0] for c, h in zip(samples["cli"], samples["hand"], strict=True)]
    return {
        "bytecode": "cached (PYTHONPYCACHEPREFIX, one warm-up run each)",
        "files": FILES,
        "concurrency": CONCURRENCY,
        "cli": {
            "cpu_s": statistics.median(s[0] for s in samples["cli"]),
            "wall_s": statistics.median(s[1] for s in samples["cli"]),
        },
        "hand": {
            "cpu_s": statistics.median(s[0] for s in samples["hand"]),
            "wall_s": statistics.median(s[1] for s in samples["hand"]),
        },
        "ratio": statistics.median(ratios),
    }
