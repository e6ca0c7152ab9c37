"""What one canvas app is told: its backend, its limits, who may connect. Plain data, checked on creation.

Its public names are listed once, in the ``__all__`` of the package that exports them (``canvas/__init__.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import attrs

from .._errors import ConfigurationError
from .._session_events import CanvasClient

DEFAULT_BUDGET = Decimal("1.00")
"""Spend allowed per connection (per open tab), in the API's cost unit (dollars on the stand-in)."""
DEFAULT_MAX_FPS = 8.0
"""Requests per second at most, per connection (the session's ``min_interval`` is its inverse)."""
DEFAULT_THROTTLE_MS = 120
"""How often the page may send a changed drawing (fal-js' realtime demo throttles at ~128 ms)."""
DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024
"""Largest drawing or mask a page may send in one WebSocket message."""
DEFAULT_MAX_CONNECTIONS = 4
"""Tabs open at once: each has its own budget, so this also bounds what the app may spend at a time."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class CanvasBackend(CanvasClient[Any], Protocol):
    """The async client the canvas drives (``AsyncRealtimeCanvas`` is one): a session's :class:`CanvasClient`
    (the four operations) that the canvas closes with ``aclose`` when its tab goes."""

    async def aclose(self) -> None: ...


def _budget(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
            raise TypeError
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (TypeError, InvalidOperation):
        raise ConfigurationError(f"budget={value!r}: a number ≥ 0, or None for no limit") from None
    if not amount.is_finite() or amount < 0:
        raise ConfigurationError(f"budget={value!r}: a finite number ≥ 0, or None for no limit")
    return amount


def _positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name}={value!r}: a finite number > 0")


@attrs.frozen(kw_only=True)
class CanvasConfig:
    """Everything the canvas app is told.

    - ``client_factory``: makes one backend client per WebSocket connection (closed with it). The CLI's default is
      ``AsyncRealtimeCanvas`` on the in-process stand-in (``LocalTransport``), or on the real API with the key
      held in this process. Give it ``max_retries=0``: the session handles a 429 itself (and shows the pause).
    - ``backend``: what the page says it is talking to ("local stand-in", "Leonardo API") — never a key.
    - ``budget``: spend allowed per connection (``None``: no limit); ``max_fps``: requests per second at most;
      ``max_connections``: tabs open at once (one more is refused), so budget x max_connections bounds the spend.
    - ``throttle_ms``: how often the page sends a changed drawing; ``max_frame_bytes``: largest message accepted.
    - ``allowed_hosts``: host names the page may be loaded from (``Host`` and ``Origin`` are checked against them,
      which also stops DNS rebinding); ``("*",)`` allows any, and then ``access_token`` is required.
    - ``access_token``: when set, the WebSocket needs ``?token=`` with it (printed at start by the CLI).
    - ``secret``: the API key, if any, only so that it is cut out of any text sent to the page (defence in depth:
      the client already keeps it out of its errors).
    - ``session_options``: extra ``RealtimeSession`` keyword arguments (tests inject ``clock`` and ``sleep``).
    """

    client_factory: Callable[[], CanvasBackend]
    backend: str = "local stand-in"
    budget: Decimal | None = attrs.field(default=DEFAULT_BUDGET, converter=_budget)
    max_fps: float = DEFAULT_MAX_FPS
    throttle_ms: int = DEFAULT_THROTTLE_MS
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    access_token: str | None = attrs.field(default=None, repr=False)
    secret: str | None = attrs.field(default=None, repr=False)
    session_options: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        if not callable(self.client_factory):
            raise ConfigurationError("client_factory: a callable returning an async client")
        _positive("max_fps", self.max_fps)
        for name in ("throttle_ms", "max_frame_bytes", "max_connections"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name}={value!r}: an integer ≥ 1")
        if not self.allowed_hosts:
            raise ConfigurationError("allowed_hosts: at least one host name (or '*')")
        if "*" in self.allowed_hosts and not self.access_token:
            raise ConfigurationError("allowed_hosts='*' (any interface) needs an access_token")
        if self.access_token is not None and len(self.access_token) < 16:
            raise ConfigurationError("access_token: at least 16 characters (use secrets.token_urlsafe())")
