"""Client configuration: where requests go, with which key, and how long they may take.

One reason to change: the rules for settings. Defaults and their sources, in order of precedence:

- ``api_key``: the argument, else ``LEONARDO_API_KEY``. Read when the first request is made, not at import or
  construction, so a missing key is a :class:`ConfigurationError` at the first call (and a key exported after
  the client was built is still found). The key is kept in an :class:`APIKey`, whose ``repr``/``str`` never show it.
- ``base_url``: the argument, else ``LEONARDO_BASE_URL``, else the spec's server (:data:`DEFAULT_BASE_URL`; a test
  pins it to ``servers[0].url`` of the vendored spec). Checked at construction: the key is never sent over plain
  ``http://`` to a host other than loopback unless ``allow_insecure_http=True``.
- ``timeout``: :data:`DEFAULT_TIMEOUT` (60 s in total per phase, 10 s to connect). ``None`` means "the default",
  never "wait forever"; a number is seconds for every phase. An explicit :class:`httpx.Timeout` is used as given.
- ``max_retries``: :data:`DEFAULT_MAX_RETRIES` (2), i.e. at most three attempts.

The default values, the environment variables' names and :func:`is_loopback_host` are defined in ``_defaults``
(standard library only, for the command line's ``--help``) and re-exported here.
"""

from __future__ import annotations

import os
import re
from typing import Final, TypeAlias

import httpx

from ._defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S,
    ENV_API_KEY,
    ENV_BASE_URL,
    is_loopback_host,
)
from ._errors import ConfigurationError
from ._numbers import Number, option_int, option_seconds, type_problem

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "APIKey",
    "TimeoutTypes",
    "check_max_retries",
    "is_loopback_host",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_timeout",
]

DEFAULT_TIMEOUT: Final = httpx.Timeout(DEFAULT_TIMEOUT_S, connect=DEFAULT_CONNECT_TIMEOUT_S)
"""60 s for each of read, write and pool, 10 s to connect. The LCM endpoints answer in about a second."""

TimeoutTypes: TypeAlias = Number | httpx.Timeout | None
"""What ``timeout=`` accepts: seconds (any real number type: numpy scalars, ``Decimal`` …), an
:class:`httpx.Timeout`, or ``None`` for the default."""

# RFC 6750 b64token, a little wider: printable ASCII without spaces. Anything else cannot be a header value
# and would make httpx raise an error whose message might quote the key.
_KEY_RE = re.compile(r"[\x21-\x7e]+")


class APIKey:
    """An API key that does not show itself: ``repr``, ``str`` and f-strings print ``'***'``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the ``Authorization`` header only."""
        return self._value

    def __repr__(self) -> str:
        return "APIKey('***')"

    def __str__(self) -> str:
        return "***"

    def __reduce__(self) -> str:
        raise TypeError("an APIKey cannot be pickled")


def resolve_api_key(api_key: str | APIKey | None) -> APIKey:
    """The key to send: the argument, else ``$LEONARDO_API_KEY``; a clear error if there is none or it is malformed."""
    if isinstance(api_key, APIKey):
        return api_key
    source = "api_key"
    if api_key is None:
        api_key = os.environ.get(ENV_API_KEY)
        source = f"${ENV_API_KEY}"
        if not api_key:
            raise ConfigurationError(
                f"no API key: pass api_key=... or set the {ENV_API_KEY} environment variable "
                "(create a key at https://app.leonardo.ai/api-access)"
            )
    if not isinstance(api_key, str):
        raise ConfigurationError(f"{source} must be a str, not {type(api_key).__name__}")
    key = api_key.strip()
    if not key:
        raise ConfigurationError(f"{source} is empty")
    if not _KEY_RE.fullmatch(key):
        # Never quote the value: it is (nearly) a secret.
        raise ConfigurationError(f"{source} contains spaces or non-ASCII characters; an API key is printable ASCII")
    return APIKey(key)


def resolve_base_url(base_url: str | httpx.URL | None, *, allow_insecure_http: bool = False) -> str:
    """The argument, else ``$LEONARDO_BASE_URL``, else :data:`DEFAULT_BASE_URL`; checked, no trailing ``/``."""
    source = "base_url"
    if base_url is None:
        base_url = os.environ.get(ENV_BASE_URL) or None
        source = f"${ENV_BASE_URL}" if base_url else "the default base URL"
        if base_url is None:
            base_url = DEFAULT_BASE_URL
    if not isinstance(base_url, str | httpx.URL):
        raise ConfigurationError(f"{source} must be a str or httpx.URL, not {type(base_url).__name__}")
    try:
        url = httpx.URL(str(base_url).strip())
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"{source}={str(base_url)!r} is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"{source}={str(base_url)!r}: must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}"
        )
    if url.query or url.fragment:
        raise ConfigurationError(f"{source}={str(base_url)!r}: must not have a query or fragment")
    if url.userinfo:
        raise ConfigurationError(f"{source}: must not contain a user name or password")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback_host(url.host):
        raise ConfigurationError(
            f"{source}={str(base_url)!r} is plain http to a host that is not loopback: the API key would travel "
            "unencrypted. Use https, or pass allow_insecure_http=True if you really mean it"
        )
    return str(url).rstrip("/")


def resolve_timeout(timeout: TimeoutTypes, default: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Timeout:
    """``None`` → ``default``; seconds → that many for every phase; an :class:`httpx.Timeout` as given."""
    if timeout is None:
        return default
    if isinstance(timeout, httpx.Timeout):
        return timeout
    seconds = option_seconds(timeout, positive=True)  # numpy scalars and Decimal too
    if seconds is None:
        raise ConfigurationError(
            f"timeout={timeout!r}: must be a positive number of seconds, an httpx.Timeout, or None for the default"
            f"{type_problem(timeout)}"
        )
    return httpx.Timeout(seconds)


def check_max_retries(max_retries: object, *, name: str = "max_retries") -> int:
    """A non-negative int (any integer type: numpy integers too), else a :class:`ConfigurationError` naming
    the value."""
    count = option_int(max_retries, 0)
    if count is None:
        raise ConfigurationError(f"{name}={max_retries!r}: must be an integer ≥ 0{type_problem(max_retries)}")
    return count
