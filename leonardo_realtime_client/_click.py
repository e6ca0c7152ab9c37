"""Settings every click command shares, the CLI's and the local server's own (which sits below the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import click

__all__ = ["CONTEXT_SETTINGS", "UVICORN_LOG_LEVELS", "LogLevelOption", "host_option"]

CONTEXT_SETTINGS: Final[dict[str, Any]] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
"""``-h`` as well as ``--help``, and help text up to 100 columns."""

UVICORN_LOG_LEVELS: Final = ("critical", "error", "warning", "info", "debug", "trace")
"""What ``--log-level`` accepts where a command runs uvicorn."""


class LogLevelOption(click.Option):
    """The ``--log-level`` option of every command that runs uvicorn (serve, canvas, mcp), defined once: one of
    :data:`UVICORN_LOG_LEVELS`, its default shown; each command gives its ``default`` (and may add to the help).
    Use it as ``@click.option("--log-level", cls=LogLevelOption, default=...)`` or ``LogLevelOption(default=...)``."""

    def __init__(self, param_decls: Sequence[str] | None = None, **attrs: Any) -> None:
        attrs.setdefault("help", "uvicorn's log level.")
        super().__init__(
            param_decls or ["--log-level"], type=click.Choice(UVICORN_LOG_LEVELS), show_default=True, **attrs
        )


host_option: Final = click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
"""``@host_option``: the ``--host`` a command that listens binds (serve, canvas), defined once."""
