"""Settings every click command shares, the CLI's and the local server's own (which sits below the CLI)."""

from __future__ import annotations

from typing import Any, Final

__all__ = ["CONTEXT_SETTINGS", "UVICORN_LOG_LEVELS"]

CONTEXT_SETTINGS: Final[dict[str, Any]] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
"""``-h`` as well as ``--help``, and help text up to 100 columns."""

UVICORN_LOG_LEVELS: Final = ("critical", "error", "warning", "info", "debug", "trace")
"""What ``--log-level`` accepts where a command runs uvicorn."""
