"""Debug logging that is safe to paste into a bug report.

One reason to change: what is logged and how it is redacted. Everything goes through the stdlib logger
``leonardo_realtime_client`` (configure it like any other). ``LEONARDO_LOG=debug`` (or ``info``) switches
it on without code: the first client built attaches a stderr handler at that level.

Redaction, always applied (``_redaction`` says what and how):

- the ``Authorization`` header (and any header that smells of a secret) prints as ``[redacted]``, and the
  logger's :class:`~leonardo_realtime_client._redaction.RedactingFilter` cuts the API key out of every line
  (a server echoing it in a body or a header);
- base64 payloads (data URLs, or long base64-looking strings) print as a prefix plus their length, e.g.
  ``'data:image/jpeg;base64,/9j/4AAQSkZJRg…' (81,432 chars)`` instead of 80,000 characters;
- nothing is formatted unless DEBUG is enabled, so the fast path pays one ``isEnabledFor`` check.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Final

from ._redaction import RedactingFilter

__all__ = ["ENV_LOG", "logger", "setup_logging", "shorten", "summarize"]

logger: Final = logging.getLogger("leonardo_realtime_client")
ENV_LOG: Final = "LEONARDO_LOG"
logger.addFilter(RedactingFilter())

_PREFIX = 32  # characters of a payload kept in logs
_LONG = 120  # strings longer than this that look like base64 are shortened
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=_-]+")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
_configured = False


def setup_logging() -> None:
    """Honour ``LEONARDO_LOG`` once per process (no effect when it is unset or the logger already has handlers)."""
    global _configured
    if _configured:
        return
    _configured = True
    level = _LEVELS.get(os.environ.get(ENV_LOG, "").strip().lower())
    if level is None:
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
        logger.addHandler(handler)


def shorten(text: str) -> str:
    """A data URL or long base64 string as ``prefix… (N chars)``; anything else unchanged."""
    if (text.startswith("data:") and len(text) > 2 * _PREFIX) or (len(text) > _LONG and _BASE64_RE.fullmatch(text)):
        return f"{text[:_PREFIX]}… ({len(text):,} chars)"
    return text


def summarize(value: object) -> object:
    """A copy of a JSON-like value with every payload string shortened (for logging request/response bodies)."""
    if isinstance(value, str):
        return shorten(value)
    if isinstance(value, Mapping):
        return {key: summarize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [summarize(item) for item in value]
    return value
