"""Build the wheel, install it into a fresh virtual environment, and check that it works there.

1. ``python -m build --wheel`` into a temporary folder (isolated build: hatchling comes from PyPI or
   the pip cache).
2. The wheel holds every module of the package on disk (``_generated/constraints.py`` included),
   ``py.typed``, the canvas page (``canvas/static/*.html|js|css``), and nothing else (no tests, scripts,
   spec or bytecode); its metadata says Python >= 3.11.
3. A fresh venv (no pip of its own; this interpreter's pip installs into it) gets the wheel and its
   runtime dependencies only -- no Pillow, starlette or uvicorn, so the check also proves those stay
   lazy. There: ``import leonardo_realtime_client`` works, ``py.typed`` ships, the constraints table
   loads and validates, the ``leonardo-realtime`` console script runs, and ``leonardo-realtime canvas``
   without its extra names the extra to install.

Usage: python scripts/wheel_check.py [--keep DIR]   (exit 1 with the reason on failure)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from email.parser import HeaderParser
from pathlib import Path

from spec_tools import ROOT

PACKAGE = "leonardo_realtime_client"
REQUIRED_MEMBERS = (
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/py.typed",
    f"{PACKAGE}/_generated/__init__.py",
    f"{PACKAGE}/_generated/client.py",
    f"{PACKAGE}/_generated/constraints.py",
    # The browser canvas's page: static files shipped as package data.
    f"{PACKAGE}/canvas/static/index.html",
    f"{PACKAGE}/canvas/static/canvas.js",
    f"{PACKAGE}/canvas/static/canvas.css",
)
PACKAGE_SUFFIXES = frozenset({".py", ".typed", ".html", ".css", ".js"})
OPTIONAL_HEAVY = ("PIL", "starlette", "uvicorn", "numpy")

# Runs inside the fresh venv.
SMOKE = f"""
import importlib.resources, importlib.util, sys
import {PACKAGE} as pkg
assert pkg.__file__.startswith(sys.prefix), f"imported {{pkg.__file__}}, not the installed wheel"
from {PACKAGE}._generated.constraints import OPERATIONS, SPEC_SHA256
from {PACKAGE}._validation import validate_body
assert importlib.resources.files("{PACKAGE}").joinpath("py.typed").is_file(), "py.typed is not installed"
assert set(OPERATIONS) == {{"createLCMGeneration", "performInstantRefine", "performInpaintingLCM",
                           "performAlchemyUpscaleLCM"}}, sorted(OPERATIONS)
violations = validate_body("createLCMGeneration", {{"imageDataUrl": "data:image/jpeg;base64,AA==", "prompt": "p",
                                                   "guidance": 99}})
assert [v.field for v in violations] == ["guidance"], violations
heavy = [m for m in {OPTIONAL_HEAVY!r} if m in sys.modules]
assert not heavy, f"import {PACKAGE} imported optional heavy modules: {{heavy}}"
present = [m for m in {OPTIONAL_HEAVY!r} if importlib.util.find_spec(m) is not None]
assert not present, f"optional dependencies were installed with the base wheel: {{present}}"
print(f"{PACKAGE} {{pkg.__version__}} from {{pkg.__file__}}; spec {{SPEC_SHA256[:12]}}")
"""


class WheelCheckError(Exception):
    pass


def _run(cmd: Sequence[str], what: str, cwd: Path = ROOT) -> str:
    run = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd)
    if run.returncode != 0:
        raise WheelCheckError(f"{what} failed (exit {run.returncode}): {' '.join(cmd)}\n{run.stdout}{run.stderr}")
    return run.stdout


def source_members() -> set[str]:
    """The package's files on disk as wheel member names (what hatchling should ship)."""
    top = ROOT / PACKAGE
    return {
        p.relative_to(ROOT).as_posix()
        for p in top.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in PACKAGE_SUFFIXES
    }


def check_wheel_contents(wheel: Path) -> list[str]:
    """Problems with the wheel's file list and metadata; empty when fine."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        metadata = zf.read(meta_name).decode() if meta_name else ""
    problems = [f"missing from the wheel: {m}" for m in REQUIRED_MEMBERS if m not in names]
    package_files = {n for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    problems += [f"not packaged: {m}" for m in sorted(source_members() - package_files)]
    problems += [f"does not belong in the wheel: {n}" for n in sorted(package_files) if not n.startswith(f"{PACKAGE}/")]
    problems += [f"bytecode in the wheel: {n}" for n in sorted(names) if n.endswith(".pyc")]
    requires = HeaderParser().parsestr(metadata).get("Requires-Python")
    if requires != ">=3.11":
        problems.append(f"Requires-Python is {requires!r}, expected '>=3.11'")
    return problems


def wheel_check(work: Path) -> list[str]:
    """Run every step in ``work``; returns lines describing what was checked (raises on failure)."""
    report: list[str] = []
    t0 = time.perf_counter()
    dist = work / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], "building the wheel")
    (wheel,) = dist.glob("*.whl")
    t1 = time.perf_counter()
    report.append(f"built {wheel.name} ({wheel.stat().st_size} bytes) in {t1 - t0:.1f} s")
    problems = check_wheel_contents(wheel)
    if problems:
        raise WheelCheckError("the wheel's contents are wrong:\n  " + "\n  ".join(problems))
    report.append(f"contents: {len(source_members())} package files, py.typed and _generated/constraints.py present")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], "creating the venv")
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    _run([*pip, "install", "--quiet", "--no-compile", str(wheel)], "installing the wheel")
    t2 = time.perf_counter()
    report.append(f"installed into a fresh venv with its runtime dependencies in {t2 - t1:.1f} s")
    # Run from the work folder, so the source tree cannot shadow the installed package.
    report.append(_run([str(python), "-c", SMOKE], "importing the installed package", cwd=work).strip())
    _run([str(venv / "bin" / "leonardo-realtime"), "--help"], "running the console script", cwd=work)
    # Without the 'canvas' extra the command stops at once and says what to install (and never starts a server).
    canvas = subprocess.run(
        [str(venv / "bin" / "leonardo-realtime"), "canvas", "--no-browser"], capture_output=True, text=True, cwd=work
    )
    if canvas.returncode != 2 or "leonardo-realtime-client[canvas]" not in canvas.stderr:
        raise WheelCheckError(f"canvas without its extra: exit {canvas.returncode}\n{canvas.stdout}{canvas.stderr}")
    report.append("leonardo-realtime canvas without the extra names the 'canvas' extra (exit 2)")
    report.append(f"console script leonardo-realtime runs; total {time.perf_counter() - t0:.1f} s")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            lines = wheel_check(args.keep)
        else:
            with tempfile.TemporaryDirectory(prefix="lrc-wheel-") as tmp:
                lines = wheel_check(Path(tmp))
    except WheelCheckError as exc:
        print(f"wheel check FAILED: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(f"wheel check: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
