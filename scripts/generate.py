"""Regenerate ``leonardo_realtime_client/_generated`` (or another folder) from the vendored spec.

Steps: prune the spec to what the four operations reach; delete the whole output folder
(``--overwrite`` would only delete ``models/`` and ``api/``); run the pinned openapi-python-client with
``--fail-on-warning`` and isolated ruff post-hooks; derive the constraints table; format it with the
same pinned ruff. The output depends only on the spec, the config and the pinned tools.

Usage: python scripts/generate.py [--spec PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import derive_constraints
from spec_tools import GENERATED_DIR, GENERATOR_CONFIG, SPEC_PATH, load_spec, prune, sha256_of

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The post-hooks call `ruff`: make it the pinned one beside this interpreter.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("RUFF_CACHE_DIR", None)
    return env


def generate(spec_path: Path = SPEC_PATH, out: Path = GENERATED_DIR) -> None:
    spec = load_spec(spec_path)
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lrc-gen-") as tmp:
        pruned = Path(tmp) / "spec.json"
        pruned.write_text(json.dumps(prune(spec), indent=2), encoding="utf-8")
        cmd = [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(pruned),
            "--config",
            str(GENERATOR_CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ]
        run = subprocess.run(cmd, env=_env(), capture_output=True, text=True, cwd=tmp)
        if run.returncode != 0 or "Warning" in run.stdout or "Warning" in run.stderr:
            sys.stderr.write(run.stdout + run.stderr)
            raise SystemExit(f"openapi-python-client failed or warned (exit {run.returncode})")
    constraints = out / "constraints.py"
    derive_constraints.write(spec, sha256_of(spec_path), constraints)
    fmt = [str(BIN / "ruff"), "format", "--isolated", "--no-cache", "--line-length", "120", "--quiet", str(constraints)]
    subprocess.run(fmt, env=_env(), check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=SPEC_PATH)
    parser.add_argument("--out", type=Path, default=GENERATED_DIR)
    args = parser.parse_args(argv)
    generate(args.spec, args.out)
    print(f"generated {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
