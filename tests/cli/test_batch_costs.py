"""What a batch costs per item, counted (never timed): issue 13 made the CLI batch's own work per output a fixed
handful of system calls, and its up-front checks a cost per folder rather than per file."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from leonardo_realtime_client._cli import ExitCode
from leonardo_realtime_client._cli._report import REDRAW_EVERY, Reporter

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


def test_json_report_is_the_standard_layout_written_by_orjson(
    run: Cli, fake: FakeCanvas, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # json.dumps(indent=2) runs the pure-Python encoder: ~0.1 ms per item of a --json batch report (issue 13)
    make_inputs(workdir / "in", N, prefix="café-")
    calls: list[int] = []
    real_dumps = json.dumps

    def counted(*args: Any, **kwargs: Any) -> str:
        calls.append(1)
        return real_dumps(*args, **kwargs)

    monkeypatch.setattr(json, "dumps", counted)
    result = run("generate", "in", "-p", "x", "-o", "out", "-q", "--json")
    assert result.exit_code == 0, result.stderr
    assert calls == []
    doc = json.loads(result.stdout)
    assert (doc["succeeded"], len(doc["items"])) == (N, N)
    # the standard library's layout, character for character, but for the spelling of floats (5.3e-05 / 0.000053)
    number = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")
    expected = real_dumps(doc, indent=2, ensure_ascii=False) + "\n"
    assert number.sub("N", result.stdout) == number.sub("N", expected)
    assert '"in/café-00.jpg"' in result.stdout  # not escaped


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("99999999999999999999999", 99999999999999999999999),  # past 64 bits: orjson refuses, json writes it
        ("-99999999999999999999999", -99999999999999999999999),
        ("3", 3),
    ],
)
def test_json_report_of_a_value_orjson_refuses(run: Cli, workdir: Path, value: str, shown: int) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("generate", src, "-p", "x", "--steps", value, "--json")
    assert result.exit_code == ExitCode.VALIDATION, result.stderr
    doc = json.loads(result.stdout)
    (violation,) = doc["error"]["violations"]
    assert (violation["field"], violation["value"]) == ("--steps", shown)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _drawings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from click._termui_impl import ProgressBar

    drawn: list[int] = []
    real = ProgressBar.render_progress

    def counted(self: ProgressBar[Any]) -> None:
        drawn.append(self.pos)
        real(self)

    monkeypatch.setattr(ProgressBar, "render_progress", counted)
    return drawn


def _reporter(total: int, clock: _Clock) -> Reporter:
    return Reporter(
        command="generate", total=total, quiet=False, progress=True, err=io.StringIO(), secret=None, clock=clock
    )


def test_progress_is_counted_per_item_and_drawn_at_most_every_tenth_of_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn = _drawings(monkeypatch)
    clock = _Clock()
    reporter = _reporter(N, clock)
    reporter.start("generate (4 at a time)")
    drawn.clear()  # click draws the empty bar on entering
    for i in range(N):  # all within one tenth of a second: the first item and the last are drawn
        reporter.advance(f"img{i:02d}.jpg")
    assert drawn == [1, N]
    text = reporter.err.getvalue()  # type: ignore[attr-defined]
    assert f"{N}/{N}" in text


def test_progress_redraws_as_time_passes_and_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _drawings(monkeypatch)
    clock = _Clock()
    reporter = _reporter(N, clock)
    reporter.start("generate (4 at a time)")
    drawn.clear()
    for i in range(10):
        clock.now += 0.3 * REDRAW_EVERY  # an item every 30 ms: drawn every fourth
        reporter.advance(f"img{i:02d}.jpg")
    assert drawn == [1, 5, 9]
    reporter.stop()  # interrupted here: the bar shows the 10 done, not the 9 last drawn
    assert drawn == [1, 5, 9, 10]
    assert "10/30" in reporter.err.getvalue()  # type: ignore[attr-defined]
