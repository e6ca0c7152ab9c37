"""A venv with this package and only its runtime dependencies, for start-up measurements.

The development venv also holds rich, pygments, Pillow, pytest…, and ``import httpx`` there loads httpx's CLI
(click, rich, pygments) because they are installed, so import times measured there say little about a user's
install. ``make bench`` therefore measures start-up in ``.venv-bench-clean``: ``pip install -e .`` of this
checkout (the runtime ``dependencies`` of ``pyproject.toml``, nothing else) into a fresh venv. It is made once
and reused while the dependency list is unchanged (pip's cache makes a rebuild take a few seconds).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / ".venv-bench-clean"


def _fingerprint() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    text = "\n".join([sys.version, *project["dependencies"], *project.get("scripts", {})])
    return hashlib.sha256(text.encode()).hexdigest()


def ensure_clean_venv() -> Path:
    """The clean venv's ``bin`` folder (made or refreshed when the runtime dependencies changed)."""
    stamp = CLEAN / ".runtime-deps"
    bin_dir = CLEAN / "bin"
    if stamp.exists() and stamp.read_text() == _fingerprint() and (bin_dir / "leonardo-realtime").exists():
        return bin_dir
    print(f"making {CLEAN.name} (this package + its runtime dependencies only) …", flush=True)
    shutil.rmtree(CLEAN, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(CLEAN)], check=True)
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", str(ROOT)], check=True)
    stamp.write_text(_fingerprint())
    return bin_dir


def installed(bin_dir: Path) -> list[str]:
    """``name==version`` of every distribution in the clean venv (to show it holds nothing else)."""
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(line for line in done.stdout.splitlines() if line and not line.startswith(("pip==", "setuptools==")))
