"""``mypy --strict`` over some files, as ``make typecheck`` runs it: the project's configuration and cache."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mypy_strict(*files: Path) -> tuple[str, int]:
    """mypy's report on ``files`` (each error on one line, no summary) and its exit status (0: no error)."""
    from mypy import api  # only the tests that type-check pay for importing mypy

    stdout, stderr, status = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            *map(str, files),
        ]
    )
    return stdout + stderr, status
