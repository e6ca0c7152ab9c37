"""Check the hand-written layer against a candidate generated tree before ``update-spec`` adopts it.

The package's hand-written modules are copied into a temporary folder with the candidate tree as their
``_generated``, and a fresh interpreter (scripts/contract_probe.py) checks there that every module imports,
that the operations table (``_operations``) resolves against the generated models and the constraints
table, and that one valid call per operation succeeds through the client and the in-process local server.
Nothing in the repository is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from spec_tools import ROOT

PACKAGE = ROOT / "leonardo_realtime_client"
PROBE = Path(__file__).resolve().parent / "contract_probe.py"
TIMEOUT = 180.0


def check(tree: Path, package: Path = PACKAGE, *, timeout: float = TIMEOUT) -> list[str]:
    """Every way the hand-written layer in ``package`` fails with ``tree`` as its generated core (empty: it works)."""
    with tempfile.TemporaryDirectory(prefix="lrc-contract-") as tmp:
        candidate = Path(tmp) / package.name
        shutil.copytree(package, candidate, ignore=shutil.ignore_patterns("__pycache__", "_generated"))
        shutil.copytree(tree, candidate / "_generated", ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": tmp, "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("LEONARDO_API_KEY", None)
        try:
            run = subprocess.run(
                [sys.executable, str(PROBE), str(candidate)],
                env=env,
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return [f"the contract check did not finish within {timeout:.0f} s"]
    try:
        problems = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else None
    except json.JSONDecodeError:
        problems = None
    if run.returncode != 0 or not isinstance(problems, list):
        return [
            f"the contract check itself failed (exit {run.returncode}): {(run.stderr or run.stdout).strip()[-2000:]}"
        ]
    return [str(p) for p in problems]
