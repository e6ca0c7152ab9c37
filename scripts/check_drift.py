"""Fail when the committed generated client and the vendored spec disagree.

Regenerates into a temporary folder (never in place) and compares it with
``leonardo_realtime_client/_generated`` file by file: changed, missing and extra files all fail,
untracked ones included. Also checks the vendored spec against the sha256 recorded in
``openapi/PROVENANCE.json``. Exits 1 naming every file, and prints the command that fixes it.

Usage: python scripts/check_drift.py [--spec PATH] [--generated DIR] [--provenance PATH]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import sys
import tempfile
from pathlib import Path

from generate import GenerationError, ToolVersionError, check_tools, generate
from spec_tools import GENERATED_DIR, PROVENANCE_PATH, ROOT, SPEC_PATH, sha256_of

IGNORED_DIRS = {"__pycache__"}


def _files(top: Path) -> set[str]:
    if not top.is_dir():
        return set()
    return {
        p.relative_to(top).as_posix()
        for p in top.rglob("*")
        if p.is_file() and not IGNORED_DIRS.intersection(p.relative_to(top).parts)
    }


def compare_trees(expected: Path, actual: Path) -> list[str]:
    """Problems as ``'<kind>: <path>'`` lines, where paths are relative to ``actual``."""
    want, have = _files(expected), _files(actual)
    problems = [f"missing: {name}" for name in sorted(want - have)]
    problems += [f"extra: {name}" for name in sorted(have - want)]
    problems += [
        f"changed: {name}"
        for name in sorted(want & have)
        if not filecmp.cmp(expected / name, actual / name, shallow=False)
    ]
    return problems


def check_spec_hash(spec: Path = SPEC_PATH, provenance: Path = PROVENANCE_PATH) -> list[str]:
    recorded = json.loads(provenance.read_text(encoding="utf-8"))["sha256"]
    actual = sha256_of(spec)
    if actual != recorded:
        return [f"spec hash: {spec.name} is {actual}, {provenance.name} records {recorded}"]
    return []


def check(spec: Path = SPEC_PATH, generated: Path = GENERATED_DIR, provenance: Path = PROVENANCE_PATH) -> list[str]:
    """Every disagreement as one line naming the file; empty when spec, hash and tree agree.

    Raises :class:`generate.GenerationError` when ``spec`` cannot be generated at all.
    """
    problems = check_spec_hash(spec, provenance)
    with tempfile.TemporaryDirectory(prefix="lrc-drift-") as tmp:
        fresh = Path(tmp) / "_generated"
        generate(spec, fresh)
        for line in compare_trees(fresh, generated):
            kind, name = line.split(": ", 1)
            problems.append(f"{kind}: {_shown(generated)}/{name}")
    return problems


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (how a user types it in the Makefile's folder)."""
    absolute = path.absolute()
    return absolute.relative_to(ROOT).as_posix() if absolute.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=SPEC_PATH)
    parser.add_argument("--generated", type=Path, default=GENERATED_DIR)
    parser.add_argument("--provenance", type=Path, default=PROVENANCE_PATH)
    args = parser.parse_args(argv)
    try:
        check_tools()
    except ToolVersionError as exc:
        print(f"drift check cannot run: {exc}", file=sys.stderr)
        return 1
    try:
        problems = check(args.spec, args.generated, args.provenance)
    except GenerationError as exc:
        print(f"drift check FAILED: {args.spec} does not generate: {exc}", file=sys.stderr)
        if args.spec.resolve() == SPEC_PATH.resolve():
            print("fix the spec: `git checkout -- openapi/` restores the committed one", file=sys.stderr)
        else:
            print(f"fix {args.spec}: the generator must accept it before it can be compared", file=sys.stderr)
        return 1
    if not problems:
        print(f"drift check: {args.generated.name} matches {args.spec.name}")
        return 0
    print("drift check FAILED: the generated client and the vendored spec disagree", file=sys.stderr)
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    if any(p.startswith("spec hash") for p in problems):
        # The constraints table records the spec's hash, so regenerating from this spec cannot fix this:
        # only restoring the vendored spec, or adopting the new one (spec, provenance and code together), does.
        if args.spec.resolve() == SPEC_PATH.resolve():
            print(
                f"fix the spec: `git checkout -- {_shown(args.spec)}` restores the committed one (it is never edited "
                "by hand), then run the drift check again; to adopt a new spec, `make update-spec SPEC=<path or URL>` "
                "with the new file outside openapi/",
                file=sys.stderr,
            )
        else:
            print(
                f"{args.spec} is not the vendored spec; to adopt it (spec, provenance and generated code together): "
                f"`make update-spec SPEC={args.spec}`",
                file=sys.stderr,
            )
    else:
        if args.spec == SPEC_PATH and args.generated == GENERATED_DIR:
            fix = "make generate"
        else:
            python = _shown(Path(sys.executable))
            fix = f"{python} scripts/generate.py --spec {_shown(args.spec)} --out {_shown(args.generated)}"
        print(f"fix the generated code: `{fix}` (then commit the result)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
