"""Inputs, output planning and atomic writes, tested directly."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from leonardo_realtime_client._cli._files import (
    Source,
    check_pillow_for,
    drop_own_outputs,
    plan_outputs,
    resolve_inputs,
    write_atomic,
)


def _plan(sources: list[Source], output: str | None, **kw: bool) -> tuple[list[Path | None], list[int]]:
    options = {"overwrite": False, "skip_existing": False, "stdout_is_tty": False} | kw
    return plan_outputs(sources, output, command="refine", name_template="{stem}-{command}.jpg", **options)


def _src(*names: str) -> list[Source]:
    return [Source(n, Path(n)) for n in names]


def test_write_atomic_writes_whole_file_with_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.jpg"
    write_atomic(target, b"abc", overwrite=False)
    assert target.read_bytes() == b"abc"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert list(target.parent.iterdir()) == [target]


def test_write_atomic_never_clobbers_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError, match="use --overwrite"):
        write_atomic(target, b"new", overwrite=False)
    assert target.read_bytes() == b"old"
    write_atomic(target, b"new", overwrite=True)
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_interrupt_mid_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def half_then_ctrl_c(fd: int, data: bytes | memoryview) -> int:
        if len(data) < 8:
            raise KeyboardInterrupt
        return real_write(fd, memoryview(data)[: len(data) // 2])

    monkeypatch.setattr(os, "write", half_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "out.jpg", b"half a JPEG", overwrite=False)
    assert list(tmp_path.iterdir()) == []


def test_partial_writes_are_continued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, memoryview(data)[:3]))
    write_atomic(tmp_path / "out.jpg", b"0123456789", overwrite=False)
    assert (tmp_path / "out.jpg").read_bytes() == b"0123456789"


class _Calls:
    """Counts the ``os`` calls that ``write_atomic`` makes (each still does its work)."""

    NAMES = ("open", "write", "close", "link", "unlink", "replace", "rename", "fsync", "fdatasync", "chmod", "mkdir")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts = dict.fromkeys(self.NAMES, 0)
        for name in self.NAMES:
            if hasattr(os, name):
                monkeypatch.setattr(os, name, self._counted(name, getattr(os, name)))

    def _counted(self, name: str, real: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[name] += 1
            return real(*args, **kwargs)

        return counted

    def nonzero(self) -> dict[str, int]:
        return {name: n for name, n in self.counts.items() if n}


def test_one_open_write_close_link_unlink_per_output_and_no_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The promise (whole or nothing, never clobbered) needs the temporary file and the link, not fsync: issue 13
    # measured the fsync'd write at ~0.4 ms of CPU per output (benchmarks/NOTES.md).
    data = bytes(range(256)) * 300
    calls = _Calls(monkeypatch)
    for i in range(5):
        write_atomic(tmp_path / f"{i}.jpg", data, overwrite=False)
    assert calls.nonzero() == {"open": 5, "write": 5, "close": 5, "link": 5, "unlink": 5}
    calls.counts = dict.fromkeys(calls.NAMES, 0)
    for i in range(3):
        write_atomic(tmp_path / f"{i}.jpg", data, overwrite=True)
    assert calls.nonzero() == {"open": 3, "write": 3, "close": 3, "replace": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i}.jpg" for i in range(5)]


def test_a_missing_folder_is_made_once_not_checked_per_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _Calls(monkeypatch)
    for i in range(4):
        write_atomic(tmp_path / "new" / "deeper" / f"{i}.jpg", b"x", overwrite=False)
    # one failed open finds the folder missing; Path.mkdir(parents=True) makes both levels (one failed try first)
    assert calls.counts["mkdir"] == 3
    assert calls.counts["open"] == 5
    assert sorted(p.name for p in (tmp_path / "new" / "deeper").iterdir()) == [f"{i}.jpg" for i in range(4)]


def test_a_missing_file_in_an_existing_folder_is_not_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(path: str, flags: int, mode: int = 0o777) -> int:
        raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(os, "open", gone)
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "out.jpg", b"x", overwrite=False)
    assert list(tmp_path.iterdir()) == []
    # a folder that vanishes again right after it was made: the error, not a hundred tries
    calls = _Calls(monkeypatch)
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "new" / "out.jpg", b"x", overwrite=False)
    assert (calls.counts["open"], calls.counts["mkdir"]) == (2, 1)


def test_without_hard_links_falls_back_to_check_then_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: str, dst: str) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    write_atomic(tmp_path / "a.jpg", b"1", overwrite=False)
    assert (tmp_path / "a.jpg").read_bytes() == b"1"
    with pytest.raises(FileExistsError):
        write_atomic(tmp_path / "a.jpg", b"2", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg"]


def test_single_output_file_folder_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    assert _plan(_src("a/x.png"), "out.jpg")[0] == [Path("out.jpg")]
    assert _plan(_src("a/x.png"), "existing")[0] == [Path("existing/x-refine.jpg")]
    assert _plan(_src("a/x.png"), "new/")[0] == [Path("new/x-refine.jpg")]
    assert _plan(_src("a/x.png", "b/y.png"), "many")[0] == [Path("many/x-refine.jpg"), Path("many/y-refine.jpg")]
    assert _plan(_src("a/x.png"), None)[0] == [Path("a/x-refine.jpg")]
    assert _plan([Source("<stdin>", None)], None)[0] == [None]
    assert _plan(_src("a/x.png"), "-")[0] == [None]


def test_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.BadParameter, match="looks like one file, but there are 2 inputs"):
        _plan(_src("x.png", "y.png"), "out.jpg")
    (tmp_path / "afile").write_text("")
    with pytest.raises(click.BadParameter, match="must be a folder"):
        _plan(_src("x.png", "y.png"), "afile")
    with pytest.raises(click.UsageError, match="refusing to write an image to the terminal"):
        _plan([Source("<stdin>", None)], None, stdout_is_tty=True)
    with pytest.raises(click.UsageError, match="same output"):
        _plan(_src("a/x.png", "b/x.jpg"), "out/")


def test_existing_outputs_listed_or_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    for i in range(12):
        (tmp_path / "out" / f"f{i}-refine.jpg").write_bytes(b"")
    sources = _src(*(f"f{i}.png" for i in range(13)))
    with pytest.raises(click.UsageError) as info:
        _plan(sources, "out")
    assert "out/f0-refine.jpg" in info.value.message
    assert "… and 2 more" in info.value.message
    _, skip = _plan(sources, "out", skip_existing=True)
    assert skip == list(range(12))
    assert _plan(sources, "out", overwrite=True)[1] == []


def test_resolve_inputs_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.PNG").write_bytes(b"")
    (tmp_path / "d" / "a.jpg").write_bytes(b"")
    (tmp_path / "d" / "skip.txt").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    assert [s.label for s in resolve_inputs(["d"])] == ["d/a.jpg", "d/b.PNG"]
    assert [s.label for s in resolve_inputs(["d/*.jpg", "-"])] == ["d/a.jpg", "<stdin>"]
    with pytest.raises(click.UsageError) as info:
        resolve_inputs(["-", "-", "empty", "nope"])
    message = info.value.message
    assert "'-' (standard input) given more than once" in message
    assert "empty: folder has no images" in message
    assert "nope: no such file" in message


def _count_resolves(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    resolved: list[Path] = []
    real = Path.resolve

    def counted(self: Path, strict: bool = False) -> Path:
        resolved.append(self)
        return real(self, strict=strict)

    monkeypatch.setattr(Path, "resolve", counted)
    return resolved


def test_paths_are_resolved_once_per_folder_not_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 13: resolving every input and every candidate output name (4 commands x each input) cost ~20 ms of the
    # CLI batch's start for 200 files; each folder is resolved once now, and a name only when it is a symlink.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    names = [f"in/f{i:02d}.jpg" for i in range(40)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    resolved = _count_resolves(monkeypatch)
    named = resolve_inputs(names)
    kept, left_out = drop_own_outputs(named, commands=["generate", "refine"], name_templates=["{stem}-{command}.jpg"])
    targets, _ = _plan(kept, "out/")
    assert (len(kept), left_out, len(targets)) == (40, [], 40)
    assert sorted(map(str, resolved)) == ["in", "out"]
    resolved.clear()
    found = resolve_inputs(["in"])  # a folder: its files are "found", so its earlier outputs are looked for
    kept, left_out = drop_own_outputs(found, commands=["generate", "refine"], name_templates=["{stem}-{command}.jpg"])
    assert (len(kept), left_out) == (40, [])
    assert sorted(map(str, resolved)) == ["in", "in"]  # one in resolve_inputs, one in drop_own_outputs


def test_symlinked_names_still_resolve_to_their_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(b"")
    (tmp_path / "link").symlink_to("real")
    (tmp_path / "real" / "alias.jpg").symlink_to("a.jpg")
    # the same file by a symlinked folder and by a symlinked name: sent once
    assert [s.label for s in resolve_inputs(["real/a.jpg", "link/a.jpg", "real/alias.jpg"])] == ["real/a.jpg"]
    # two outputs that are one file through a symlinked folder clash
    with pytest.raises(click.UsageError, match="same output"):
        _plan(_src("real/x.png", "link/x.png"), None, overwrite=True)
    # a found file that is a symlink named like another input's output is left out, as the output itself is
    (tmp_path / "other.jpg").write_bytes(b"")
    (tmp_path / "real" / "a-refine.jpg").symlink_to(tmp_path / "other.jpg")
    kept, left_out = drop_own_outputs(
        resolve_inputs(["real"]), commands=["refine"], name_templates=["{stem}-{command}.jpg"]
    )
    assert [s.label for s in left_out] == ["real/a-refine.jpg"]
    assert [s.label for s in kept] == ["real/a.jpg"]


def test_non_jpeg_output_names_need_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    check_pillow_for([Path("a.jpg"), None, Path("b.jpeg"), Path("noext")])  # no conversion: fine without Pillow
    monkeypatch.setitem(sys.modules, "PIL.Image", None)  # import fails as if Pillow were not installed
    with pytest.raises(click.UsageError, match=r"writing \.png files needs Pillow"):
        check_pillow_for([Path("a.jpg"), Path("b.png")])
