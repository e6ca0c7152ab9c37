"""Reading an API key for a command: from ``--api-key-file`` (its first line) or ``$LEONARDO_API_KEY``.

One reason to change: where a command may take a key from. Never from a bare option value, and a file name
that might be a key pasted by mistake is never printed back. Shared by the CLI and the local server's own
``python -m leonardo_realtime_client.server`` (which sits below the CLI and must not import it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import click

from ._defaults import ENV_API_KEY

__all__ = ["KEY_FILE_TYPE", "KeyFileOption", "check_key_file", "read_api_key"]


def check_key_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``--api-key-file`` callback: a missing file is reported without its name, since a key pasted where the
    file name belongs would otherwise be printed back (click's own check says "File 'sk-…' does not exist")."""
    if value is not None and not value.is_file():
        raise click.BadParameter("no such file (the value is not shown, in case it is a key given by mistake)")
    return value


KEY_FILE_TYPE: Final = click.Path(dir_okay=False, path_type=Path)


class KeyFileOption(click.Option):
    """The ``--api-key-file FILE`` option, defined once for every command that takes a key: a path (not a
    folder) checked by :func:`check_key_file`; each command gives its own ``help``. Use it as
    ``@click.option("--api-key-file", cls=KeyFileOption, help=...)`` or ``KeyFileOption(help=...)``."""

    def __init__(self, param_decls: Sequence[str] | None = None, **attrs: Any) -> None:
        super().__init__(param_decls or ["--api-key-file"], type=KEY_FILE_TYPE, callback=check_key_file, **attrs)


def read_api_key(
    api_key_file: Path | None, *, required: bool, without_key: str = "try --local, which needs none"
) -> str | None:
    """The key from ``--api-key-file`` (first line) or ``LEONARDO_API_KEY``; never from a bare option value.

    ``without_key`` ends the message when a required key is missing: how this command runs without one.
    """
    if api_key_file is not None:
        try:
            text = api_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(
                f"cannot read {api_key_file}: {exc.__class__.__name__}", param_hint="'--api-key-file'"
            ) from None
        key = text.strip().splitlines()[0].strip() if text.strip() else ""
        if not key:
            raise click.BadParameter(f"{api_key_file} is empty", param_hint="'--api-key-file'")
        return key
    key = os.environ.get(ENV_API_KEY, "").strip()
    if key:
        return key
    if required:
        raise click.UsageError(f"no API key: set {ENV_API_KEY} or pass --api-key-file FILE (or {without_key})")
    return None
