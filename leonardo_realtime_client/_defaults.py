"""The settings' default values, their environment variables, and the loopback test: standard library only.

One reason to change: a default. ``_config`` (which needs httpx for the timeout object and the URL checks)
re-exports every name here; the command line's ``--help``, the local server's command and the key-file reader
import them from here so that they do not load httpx just to print a default.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT_S",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT_S",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "is_loopback_host",
]

DEFAULT_BASE_URL: Final = "https://cloud.leonardo.ai/api/rest/v1"
"""The server the spec declares (``servers[0].url``)."""

ENV_API_KEY: Final = "LEONARDO_API_KEY"
ENV_BASE_URL: Final = "LEONARDO_BASE_URL"

DEFAULT_TIMEOUT_S: Final = 60.0
"""Seconds for each of read, write and pool (``DEFAULT_TIMEOUT`` of ``_config`` is the :class:`httpx.Timeout`)."""

DEFAULT_CONNECT_TIMEOUT_S: Final = 10.0
"""Seconds to connect."""

DEFAULT_MAX_RETRIES: Final = 2
"""Retries after the first attempt of a call (so up to 3 attempts) when no ``max_retries=`` is given."""


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8 and ::1, also written IPv4-mapped (``::ffff:127.0.0.1``,
    which Python 3.11's ``is_loopback`` misses); no DNS lookup."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress  # here, not at import: the command line's --help does not need it (a client has it from httpx)

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return address.is_loopback or (mapped is not None and mapped.is_loopback)
