"""``leonardo-realtime``: the command line (``python -m leonardo_realtime_client`` too).

Modules: ``_commands`` (click commands), ``_params`` (options from the constraints table), ``_files``
(inputs, output paths, atomic writes), ``_batch`` (bounded-concurrency runner), ``_report`` (progress,
summary, JSON), ``_exit`` (exit statuses), ``_env`` (client/server seams for tests).
"""

from __future__ import annotations

from ._startup import finish, guard, release

guard()  # before the imports below: Ctrl-C/SIGTERM while they load ends with 130, no traceback

import contextlib  # noqa: E402
import sys  # noqa: E402
from typing import NoReturn  # noqa: E402

import click  # noqa: E402

from ._commands import cli  # noqa: E402
from ._exit import ExitCode  # noqa: E402

__all__ = ["ExitCode", "cli", "main"]


def main() -> None:
    """Console-script entry point. Ctrl-C or SIGTERM outside a batch (which reports what was done) ends the
    process with 130 and one line, not click's "Aborted!" with 1."""
    release()
    try:
        _run_cli()
    except KeyboardInterrupt:  # a signal while an outcome was being reported: still one line, no traceback
        click.echo("\ninterrupted; nothing more was sent", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    finally:
        finish()  # the outcome is printed: a SIGTERM during shut-down no longer turns it into 143


def _run_cli() -> NoReturn:
    try:
        code = cli.main(prog_name="leonardo-realtime", standalone_mode=False)
    except click.exceptions.Abort:  # click's wrapping of KeyboardInterrupt (and EOF at a prompt)
        click.echo("\ninterrupted; nothing more was sent", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    except KeyboardInterrupt:
        click.echo("\ninterrupted; nothing more was sent", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # `leonardo-realtime … | head`: as click's standalone mode does
        with contextlib.suppress(OSError):
            sys.stdout.close()
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
