"""Hints for likely mistakes that only a failed request reveals (printed once, after the batch)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from .._defaults import DEFAULT_BASE_URL, ENV_BASE_URL
from .._errors import NotFoundError
from .._generated.constraints import OPERATIONS

__all__ = ["API_PATH", "base_url_hint"]

API_PATH = urlsplit(DEFAULT_BASE_URL).path
"""The path every operation lives under (``/api/rest/v1``), from the spec's server URL."""

_OPERATION_SEGMENTS = frozenset(rule["path"].strip("/") for rule in OPERATIONS.values())
_API_SEGMENTS = frozenset(segment for segment in API_PATH.split("/") if segment)
_VERSION_SEGMENT = re.compile(r"v\d+")


def _suggested_path(path: str) -> str:
    """``path`` with its tail of API-path pieces and endpoints replaced by ``/api/rest/v1``.

    ``/api`` and ``/api/rest`` (the path cut short), ``/v1`` or ``/api/rest/v2`` (another version) and
    ``/api/rest/v1/generations-lcm`` (an endpoint pasted whole) all become ``/api/rest/v1``; a proxy's own
    prefix (``/leonardo``) is kept in front of it.
    """
    segments = [segment for segment in path.split("/") if segment]
    while segments and (
        segments[-1] in _OPERATION_SEGMENTS or segments[-1] in _API_SEGMENTS or _VERSION_SEGMENT.fullmatch(segments[-1])
    ):
        segments.pop()
    return "".join(f"/{segment}" for segment in segments) + API_PATH


def base_url_hint(base_url: str | None, errors: Iterable[BaseException | None]) -> str | None:
    """A hint when a request got 404 and the base URL does not end in ``/api/rest/v1``; else None.

    ``base_url`` is what ``--base-url`` gave (``None``: ``$LEONARDO_BASE_URL``, else the default, which is right).
    """
    if not any(isinstance(error, NotFoundError) for error in errors):
        return None
    url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    parts = urlsplit(url.strip())
    if parts.path.rstrip("/").endswith(API_PATH):
        return None
    suggested = urlunsplit((parts.scheme, parts.netloc, _suggested_path(parts.path), "", ""))
    instead = f"--base-url {suggested}" if base_url else f"{ENV_BASE_URL}={suggested}"
    return (
        f"hint: the API answered 404 (not found), and the base URL {url} does not end in {API_PATH}, "
        f"where the operations live: try {instead}"
    )
