"""Hints for likely mistakes that only a failed request reveals (printed once, after the batch)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from .._config import DEFAULT_BASE_URL, ENV_BASE_URL
from .._errors import NotFoundError

__all__ = ["API_PATH", "base_url_hint"]

API_PATH = urlsplit(DEFAULT_BASE_URL).path
"""The path every operation lives under (``/api/rest/v1``), from the spec's server URL."""


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
    suggested = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + API_PATH, "", ""))
    instead = f"--base-url {suggested}" if base_url else f"{ENV_BASE_URL}={suggested}"
    return (
        f"hint: the API answered 404 (not found), and the base URL {url} does not end in {API_PATH}, "
        f"where the operations live: try {instead}"
    )
