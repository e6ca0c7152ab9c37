"""Exit statuses of ``leonardo-realtime`` and how an error maps to one.

The table is printed by ``leonardo-realtime --help`` and the README; keep the three in step
(a test compares them).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from .._errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    ConfigurationError,
    ValidationError,
)

__all__ = ["ExitCode", "batch_exit_code", "exit_code_for", "exit_codes_help"]


class ExitCode(enum.IntEnum):
    """What the process exit status means."""

    OK = 0
    PARTIAL = 1
    USAGE = 2
    VALIDATION = 3
    API = 4
    CONNECTION = 5
    FILE = 6
    INTERNAL = 70
    INTERRUPTED = 130


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "every item succeeded",
    ExitCode.PARTIAL: "some items failed (or all failed for different reasons); the others were written",
    ExitCode.USAGE: "usage or configuration error: bad option, missing input, output exists, no API key; nothing sent",
    ExitCode.VALIDATION: "a parameter or image breaks the spec's constraints; nothing was sent for it",
    ExitCode.API: "the API answered with an error status or an unexpected response",
    ExitCode.CONNECTION: "no response from the API (refused, DNS, TLS, timeout)",
    ExitCode.FILE: "an input could not be read or an output could not be written",
    ExitCode.INTERNAL: "internal error (a bug: please report it)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C, SIGTERM); finished outputs are kept, the rest is listed",
}


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit status one failed item stands for."""
    if isinstance(error, ValidationError):
        return ExitCode.VALIDATION
    if isinstance(error, APIStatusError | APIResponseError):
        return ExitCode.API
    if isinstance(error, APIConnectionError):
        return ExitCode.CONNECTION
    if isinstance(error, ConfigurationError):
        return ExitCode.USAGE
    if isinstance(error, OSError):
        return ExitCode.FILE
    return ExitCode.INTERNAL


def batch_exit_code(succeeded: int, failures: Iterable[ExitCode]) -> ExitCode:
    """0 when nothing failed; 1 when some failed and some succeeded (or failures differ); else the shared code."""
    codes = set(failures)
    if not codes:
        return ExitCode.OK
    if succeeded or len(codes) > 1:
        return ExitCode.PARTIAL
    return codes.pop()


def exit_codes_help() -> str:
    return "\n".join(f"{int(code):>3}  {text}" for code, text in EXIT_CODE_MEANINGS.items())
