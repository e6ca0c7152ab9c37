"""Inputs, output planning and atomic writes, tested directly."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import pytest

from leonardo_realtime_client._cli._files import Source, check_pillow_for, plan_outputs, resolve_inputs, write_atomic


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
    def ctrl_c(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "out.jpg", b"half a JPEG", overwrite=False)
    assert list(tmp_path.iterdir()) == []


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


def test_non_jpeg_output_names_need_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    check_pillow_for([Path("a.jpg"), None, Path("b.jpeg"), Path("noext")])  # no conversion: fine without Pillow
    monkeypatch.setitem(sys.modules, "PIL.Image", None)  # import fails as if Pillow were not installed
    with pytest.raises(click.UsageError, match=r"writing \.png files needs Pillow"):
        check_pillow_for([Path("a.jpg"), Path("b.png")])
