"""``leonardo-realtime``: the command line (``python -m leonardo_realtime_client`` too).

Modules: ``_commands`` (click commands), ``_params`` (options from the constraints table), ``_files``
(inputs, output paths, atomic writes), ``_batch`` (bounded-concurrency runner), ``_report`` (progress,
summary, JSON), ``_exit`` (exit statuses), ``_env`` (client/server seams for tests).
"""

from __future__ import annotations

from ._commands import cli
from ._exit import ExitCode

__all__ = ["ExitCode", "cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="leonardo-realtime")
