"""Ctrl-C and SIGTERM while the command line is still starting (importing click, httpx, the client …).

One reason to change: how the process reacts to a signal before the command runs. Imported first by
``_cli/__init__.py`` (standard library only, so it is in place within milliseconds of start-up): when this
process *is* the ``leonardo-realtime`` command (or ``python -m leonardo_realtime_client``), SIGINT and SIGTERM
end it at once with status 130 and one line, no traceback — nothing has been read, sent or written yet.
:func:`release` (called by ``main()`` once everything is imported) hands SIGINT back to Python
(``KeyboardInterrupt``) and makes SIGTERM raise it too, so the command treats both alike from then on;
:func:`finish` (when ``main()`` ends) ignores SIGTERM while the interpreter shuts down.
A library import (tests, an application) is left alone: its handlers are never touched.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
from types import FrameType

__all__ = ["finish", "guard", "is_cli_process", "rearm", "release"]

_COMMAND = "leonardo-realtime"
_MODULE = "leonardo_realtime_client"
_guarded = False


def is_cli_process(argv: list[str] | None = None, orig_argv: list[str] | None = None) -> bool:
    """Whether this process was started as the command: its script is ``leonardo-realtime`` (any suffix, e.g.
    ``.exe``), or the interpreter was given ``-m leonardo_realtime_client``."""
    argv = sys.argv if argv is None else argv
    orig_argv = list(getattr(sys, "orig_argv", [])) if orig_argv is None else orig_argv
    if argv and os.path.basename(argv[0]).startswith(_COMMAND):
        return True
    return any(a == "-m" and b == _MODULE for a, b in itertools.pairwise(orig_argv))


def _abort(signum: int, frame: FrameType | None) -> None:
    name = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C"
    try:
        os.write(2, f"\ninterrupted ({name}) while starting; nothing was sent\n".encode())
    finally:
        os._exit(130)


def guard() -> None:
    """End the process with 130 on SIGINT/SIGTERM until :func:`release`, if it is the command."""
    global _guarded
    if _guarded or not is_cli_process() or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _abort)
    signal.signal(signal.SIGTERM, _abort)
    _guarded = True


def _terminate_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


_released = False


def release() -> None:
    """Start-up is over: Ctrl-C raises ``KeyboardInterrupt`` again, and so does SIGTERM."""
    global _guarded, _released
    if not _guarded:
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    _guarded, _released = False, True


def rearm() -> None:
    """After ``asyncio.run()``: its loop put SIGTERM back to the default (ending the process with 143) when it
    closed; in the command, SIGTERM raises ``KeyboardInterrupt`` again (exit 130)."""
    if _released and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate_as_interrupt)


def finish() -> None:
    """The command's work is done and its outcome printed: a SIGTERM from here on (during interpreter shut-down)
    cannot change what happened, so it is ignored and the process ends with the command's own status.

    Without this, Python's shut-down puts the handler of SIGTERM back to the default, and a SIGTERM arriving in
    that window ended a finished command with 143. An *ignored* signal is the one state shut-down leaves alone.
    SIGKILL still ends a shut-down that hangs.
    """
    if _released and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
