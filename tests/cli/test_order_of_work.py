"""CLI order of work: every destination is checked before anything is sent (also with
--dry-run), a signal while starting up ends with 130 and no traceback, and a symlink loop is called one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest

from leonardo_realtime_client._cli import ExitCode, main
from leonardo_realtime_client._cli._startup import is_cli_process

from .conftest import Cli, FakeCanvas, make_inputs

# -- every destination before anything is sent ----------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_output_under_proc_is_refused_before_sending(
    run: Cli, fake: FakeCanvas, workdir: Path, dry_run: bool
) -> None:
    # The example: the request was sent and paid for, then the write failed (exit 6); --dry-run passed.
    (src,) = make_inputs(workdir, 1)
    result = run("generate", src, "-p", "x", "-o", "/proc/nonexistent/out.jpg", *(["--dry-run"] if dry_run else []))
    assert result.exit_code == ExitCode.USAGE
    assert "cannot write the outputs (nothing was sent)" in result.stderr
    assert "/proc" in result.stderr
    assert fake.calls == []


def test_a_file_standing_where_the_output_folder_should_be(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    srcs = make_inputs(workdir / "in", 2)
    (workdir / "taken").write_text("a file, not a folder")
    result = run("refine", *srcs, "-p", "x", "-o", "taken/sub/", "--json")
    assert result.exit_code == ExitCode.USAGE
    assert "taken is not a folder" in result.stderr
    assert json.loads(result.stdout)["exit_code"] == ExitCode.USAGE
    assert fake.calls == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder (see the /proc case)")
def test_a_read_only_folder_is_refused_before_sending(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = run("generate", src, "-p", "x", "-o", locked / "out.jpg", "--dry-run")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == ExitCode.USAGE
    assert fake.calls == []


def test_a_folder_to_create_is_fine_and_nothing_is_left_by_the_check(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    result = run("generate", src, "-p", "x", "-o", "new/deeper/out.jpg", "--dry-run")
    assert result.exit_code == ExitCode.OK
    assert not (workdir / "new").exists()  # a dry run creates nothing
    assert sorted(p.name for p in workdir.iterdir()) == [src.name]
    result = run("generate", src, "-p", "x", "-o", "new/deeper/out.jpg")
    assert result.exit_code == ExitCode.OK
    assert sorted(p.name for p in (workdir / "new" / "deeper").iterdir()) == ["out.jpg"]


# -- a symlink loop is called what it is ----------------------------------------------------------------------------


def test_a_symlink_loop_is_reported_as_one(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (workdir / "a.jpg").symlink_to("b.jpg")
    (workdir / "b.jpg").symlink_to("a.jpg")
    (workdir / "gone.jpg").symlink_to("nowhere.jpg")
    make_inputs(workdir, 1)
    result = run("refine", "a.jpg", "gone.jpg", "nothing.jpg", "-p", "x")
    assert result.exit_code == ExitCode.USAGE
    assert "a.jpg: a symlink loop" in result.stderr
    assert "gone.jpg: a broken symlink (to nowhere.jpg" in result.stderr
    assert "nothing.jpg: no such file" in result.stderr
    assert fake.calls == []


def test_a_mask_in_a_symlink_loop_is_reported_as_one(run: Cli, fake: FakeCanvas, workdir: Path) -> None:
    (src,) = make_inputs(workdir, 1)
    (workdir / "m.png").symlink_to("m.png")
    result = run("inpaint", src, "--mask", "m.png", "-p", "x")
    assert result.exit_code == ExitCode.USAGE
    assert "m.png: a symlink loop" in result.stderr


@pytest.mark.parametrize("extra", [[], ["--overwrite"], ["--dry-run"]])
def test_an_output_through_a_symlink_loop_is_reported_as_one(
    run: Cli, fake: FakeCanvas, workdir: Path, extra: list[str]
) -> None:
    # -o through a looping symlink left Path.resolve's RuntimeError as a traceback (exit 1).
    (src,) = make_inputs(workdir, 1)
    (workdir / "x").symlink_to("y")
    (workdir / "y").symlink_to("x")
    (workdir / "out.jpg").symlink_to("x")
    for output in ("out.jpg", "x/out.jpg"):
        result = run("generate", src, "-p", "x", "-o", output, *extra)
        assert result.exit_code == ExitCode.USAGE, result.stderr
        assert "a symlink loop" in result.stderr
        assert "Traceback" not in result.stderr
    assert fake.calls == []


# -- Ctrl-C or SIGTERM while starting up -----------------------------------------------------------------------------

_STARTUP = """
import builtins, os, signal, sys
sys.argv = [{argv0!r}, "--help"]
real_import = builtins.__import__
def trap(name, *args, **kwargs):
    if name == "click":  # the signal arrives while the command is still importing
        builtins.__import__ = real_import
        os.kill(os.getpid(), signal.{signal})
    return real_import(name, *args, **kwargs)
builtins.__import__ = trap
from leonardo_realtime_client._cli import main
main()
"""


def _start(argv0: str, signal_name: str) -> subprocess.CompletedProcess[str]:
    code = _STARTUP.format(argv0=argv0, signal=signal_name)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_signal_while_importing_ends_with_130_and_no_traceback(signal_name: str) -> None:
    done = _start("leonardo-realtime", signal_name)
    assert done.returncode == ExitCode.INTERRUPTED, done.stderr
    assert "Traceback" not in done.stderr
    assert "interrupted" in done.stderr
    assert done.stdout == ""  # the help was never printed: it ended there


def test_a_library_import_keeps_its_own_signal_handling() -> None:
    done = _start("my-app", "SIGTERM")  # not the command: handlers untouched, SIGTERM ends it as usual
    assert done.returncode == -signal.SIGTERM


@pytest.mark.parametrize(
    ("argv", "orig_argv", "expected"),
    [
        (["/venv/bin/leonardo-realtime", "x"], ["/venv/bin/python", "/venv/bin/leonardo-realtime", "x"], True),
        (["leonardo-realtime.exe"], [], True),
        (["/x/__main__.py"], ["python", "-m", "leonardo_realtime_client", "generate"], True),
        (["pytest"], ["python", "-m", "pytest"], False),
        (["app.py"], ["python", "app.py"], False),
    ],
)
def test_which_processes_are_the_command(argv: list[str], orig_argv: list[str], expected: bool) -> None:
    assert is_cli_process(argv, orig_argv) is expected


def test_ctrl_c_after_start_up_ends_with_130_not_clicks_aborted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leonardo_realtime_client import _cli

    def interrupted(**kwargs: object) -> int:
        raise click.exceptions.Abort

    monkeypatch.setattr(_cli.cli, "main", interrupted)
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == ExitCode.INTERRUPTED
    assert "interrupted" in capsys.readouterr().err


def test_sigterm_stays_an_interrupt_after_the_batchs_event_loop_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from leonardo_realtime_client._cli import _startup

    previous = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(_startup, "_released", True)  # as in the command, after start-up

    async def batch() -> None:  # what execute() does: the loop owns SIGTERM while it runs
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: None)

    try:
        asyncio.run(batch())
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # asyncio's close: 143 from here on
        _startup.rearm()
        with pytest.raises(KeyboardInterrupt):  # a signal sent to oneself is handled as kill() returns
            os.kill(os.getpid(), signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)


_SHUTDOWN = """
import atexit, os, signal, sys
sys.argv = ["leonardo-realtime", *{args!r}]
from leonardo_realtime_client._cli import main
# Runs while the interpreter shuts down, after main() has printed its outcome: a SIGTERM arriving then.
atexit.register(lambda: os.kill(os.getpid(), signal.SIGTERM))
main()
"""


@pytest.mark.parametrize(("args", "status"), [(["--help"], ExitCode.OK), (["generate"], ExitCode.USAGE)])
def test_a_sigterm_during_shut_down_keeps_the_commands_own_status(args: list[str], status: ExitCode) -> None:
    """A command that has finished and printed its outcome ends with its own status, not 143 (Python's shut-down
    resets the handler it had to the default) and not a traceback from an atexit callback."""
    code = _SHUTDOWN.format(args=args)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    assert "KeyboardInterrupt" not in done.stderr
