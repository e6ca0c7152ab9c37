"""What a batch costs per item, counted (never timed): issue 13 made the CLI batch's own work per output a fixed
handful of system calls, and its up-front checks a cost per folder rather than per file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import Cli, FakeCanvas, make_inputs

N = 30


class _Counted:
    """Counts calls of ``os`` functions and ``Path.resolve`` (each still does its work)."""

    OS = ("open", "write", "link", "unlink", "replace", "rename", "fsync", "fdatasync", "chmod", "mkdir", "sync")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: dict[str, int] = {}
        for name in self.OS:
            if hasattr(os, name):
                monkeypatch.setattr(os, name, self._wrap(name, getattr(os, name)))
        monkeypatch.setattr(Path, "resolve", self._wrap("resolve", Path.resolve))

    def _wrap(self, name: str, real: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[name] = self.counts.get(name, 0) + 1
            return real(*args, **kwargs)

        return counted

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)


@pytest.mark.parametrize("inputs", ["named", "folder"])
def test_per_output_system_calls_and_per_folder_checks(
    run: Cli, fake: FakeCanvas, workdir: Path, monkeypatch: pytest.MonkeyPatch, inputs: str
) -> None:
    paths = make_inputs(workdir / "in", N)
    args = [str(p.relative_to(workdir)) for p in paths] if inputs == "named" else ["in"]
    counted = _Counted(monkeypatch)
    result = run("generate", *args, "-p", "x", "-o", "out", "-j", "4", "-q")
    assert result.exit_code == 0, result.stderr
    assert len(fake.calls) == N
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [f"img{i:02d}-generate.jpg" for i in range(N)]
    # per output: a temporary file opened, written once, linked into place and its name removed; no fsync (one
    # more open: the first finds the output folder missing, which is then made)
    assert (counted["open"], counted["write"], counted["link"], counted["unlink"]) == (N + 1, N, N, N)
    assert counted["fsync"] == counted["fdatasync"] == counted["sync"] == counted["chmod"] == 0
    assert counted["replace"] == counted["rename"] == 0
    # the output folder: probed once up front (a temporary folder made and removed in its parent), made once
    assert counted["mkdir"] == 2
    # paths resolved per folder, not per file: the input folder (once more for a folder's own-output check) and
    # the output folder
    assert counted["resolve"] == (2 if inputs == "named" else 3)


def test_overwrite_replaces_once_per_output(
    run: Cli, fake: FakeCanvas, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_inputs(workdir / "in", N)
    assert run("generate", "in", "-p", "x", "-o", "out", "-q").exit_code == 0
    counted = _Counted(monkeypatch)
    result = run("generate", "in", "-p", "x", "-o", "out", "-q", "--overwrite")
    assert result.exit_code == 0, result.stderr
    # one more open: the up-front probe of the existing output folder (a temporary file made and removed)
    assert (counted["open"], counted["write"], counted["replace"], counted["unlink"]) == (N + 1, N, N, 1)
    assert counted["link"] == counted["fsync"] == counted["mkdir"] == 0
