"""Regenerate ``leonardo_realtime_client/_generated`` (or another folder) from the vendored spec.

Steps: check that the installed openapi-python-client and ruff are the versions pinned in pyproject.toml
(another version generates other code, and "fixing" drift with it would commit that); derive the
constraints table (an unreadable limit fails here, before the generator runs); prune the spec to what
the four operations reach; run the pinned openapi-python-client with ``--fail-on-warning`` and isolated
ruff post-hooks into a fresh temporary folder (``--overwrite`` would only delete ``models/`` and
``api/``); check that the table's fields are the generated body models' fields and its parameters the
generated functions' arguments; write the table and format it with the same pinned ruff; then replace
the whole output folder. On any failure the output folder is left untouched. The output depends only
on the spec, the config and the pinned tools.

Usage: python scripts/generate.py [--spec PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import derive_constraints
from spec_tools import (
    GENERATED_DIR,
    GENERATOR_CONFIG,
    GENERATOR_TEMPLATES,
    ROOT,
    SPEC_PATH,
    Spec,
    load_spec,
    prune,
    sha256_of,
    to_json_bytes,
)

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # The post-hooks call `ruff`: make it the pinned one beside this interpreter.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("RUFF_CACHE_DIR", None)
    return env


class GenerationError(RuntimeError):
    """Generation failed or warned; ``output`` holds what the generator printed."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.output = output

    def __str__(self) -> str:
        return f"{self.message}\n{self.output.strip()}" if self.output.strip() else self.message


class ToolVersionError(GenerationError):
    """The installed generator or ruff is not the version pyproject.toml pins; nothing was generated."""


PINNED_TOOLS = ("openapi-python-client", "ruff")


def pinned_versions(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """``{"openapi-python-client": "0.29.1", "ruff": "..."}`` as pinned (``name==version``) in the dev extra."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for requirement in data["project"]["optional-dependencies"]["dev"]:
        if m := re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;]+)\s*", requirement):
            pins[m.group(1).lower()] = m.group(2)
    missing = [name for name in PINNED_TOOLS if name not in pins]
    if missing:
        raise ToolVersionError(f"{pyproject}: the dev extra pins no exact version of {', '.join(missing)}")
    return {name: pins[name] for name in PINNED_TOOLS}


def installed_version(name: str) -> str | None:
    """The version of ``name`` installed beside this interpreter, or ``None``."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_tools() -> None:
    """Raise :class:`ToolVersionError` naming each tool whose installed version is not the pinned one.

    The message ends with the command that installs the pinned versions into this interpreter's environment.
    """
    pins = pinned_versions()
    wrong = []
    for name, pinned in pins.items():
        have = installed_version(name)
        if have != pinned:
            wrong.append(f"{name} {have or '(not installed)'} is installed, pyproject.toml pins {pinned}")
    if wrong:
        python = Path(sys.executable)
        shown = python.relative_to(ROOT).as_posix() if python.is_relative_to(ROOT) else str(python)
        install = " ".join(f"'{name}=={version}'" for name, version in pins.items())
        raise ToolVersionError(
            "the pinned tools are not installed: "
            + "; ".join(wrong)
            + f". Install them with `{shown} -m pip install {install}` and run again "
            "(code generated with other versions differs from the committed tree)"
        )


def _run_generator(spec: Spec, out: Path, *, prune_spec: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="lrc-gen-") as tmp:
        pruned = Path(tmp) / "spec.json"
        pruned.write_bytes(to_json_bytes(prune(spec) if prune_spec else spec))
        cmd = [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(pruned),
            "--config",
            str(GENERATOR_CONFIG),
            "--custom-template-path",  # str_enum (a docstring per enum), package_init and models_init (lazy loading)
            str(GENERATOR_TEMPLATES),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ]
        run = subprocess.run(cmd, env=_env(), capture_output=True, text=True, cwd=tmp)
    output = run.stdout + run.stderr
    if run.returncode != 0 or "warning" in output.lower():
        raise GenerationError(f"openapi-python-client failed or warned (exit {run.returncode})", output)
    return output


def generate(spec_path: Path = SPEC_PATH, out: Path = GENERATED_DIR, *, prune_spec: bool = True) -> str:
    """Regenerate ``out`` from ``spec_path``; returns what the generator printed.

    The tree is built in a temporary folder and only then replaces ``out``: on any failure
    (:class:`GenerationError`) ``out`` is left exactly as it was. ``prune_spec=False`` feeds the
    generator the whole spec (only to show what pruning prevents). :class:`ToolVersionError` first when the
    installed generator or ruff is not the pinned version.
    """
    check_tools()
    try:
        spec = load_spec(spec_path)
    except (ValueError, OSError) as exc:  # a JSON or YAML syntax error included
        raise GenerationError(f"{spec_path}: cannot read the spec: {exc}") from exc
    try:  # before the generator runs: a limit that cannot be read fails fast
        table = derive_constraints.derive(spec)
    except ValueError as exc:
        raise GenerationError(f"constraints table: {exc}") from exc
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="lrc-out-") as tmp:
        staged = Path(tmp) / out.name
        output = _run_generator(spec, staged, prune_spec=prune_spec)
        constraints = staged / "constraints.py"
        try:
            derive_constraints.check_against_tree(table, staged)
        except ValueError as exc:
            raise GenerationError(f"constraints table: {exc}") from exc
        constraints.write_text(derive_constraints.render(table, sha256_of(spec_path)), encoding="utf-8")
        fmt = [
            str(BIN / "ruff"),
            "format",
            "--isolated",
            "--no-cache",
            "--line-length",
            "120",
            "--quiet",
            str(constraints),
        ]
        run = subprocess.run(fmt, env=_env(), capture_output=True, text=True)
        if run.returncode != 0:
            raise GenerationError("ruff could not format the constraints table", run.stdout + run.stderr)
        if out.exists():
            shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, out)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=SPEC_PATH)
    parser.add_argument("--out", type=Path, default=GENERATED_DIR)
    args = parser.parse_args(argv)
    try:
        generate(args.spec, args.out)
    except GenerationError as exc:
        print(f"generation FAILED, {args.out} left unchanged: {exc}", file=sys.stderr)
        return 1
    print(f"generated {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
