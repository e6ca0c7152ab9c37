"""How the local server behaves: auth, latency, faults, limits, prices. Plain data, validated on creation."""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs

from .._errors import ConfigurationError
from .._images import MAX_IMAGE_BYTES

__all__ = [
    "DEFAULT_COSTS",
    "DEFAULT_MAX_BODY_BYTES",
    "LOCAL_BASE_PATH",
    "UPSCALE_FACTOR",
    "WRONG_KEY_ANSWERS",
    "Fault",
    "Faults",
    "Latency",
    "ServerConfig",
]

LOCAL_BASE_PATH = "/api/rest/v1"
"""The spec's base path (its server URL is ``https://cloud.leonardo.ai/api/rest/v1``)."""

WRONG_KEY_ANSWERS = ("hook", "401")
"""The values of ``ServerConfig.wrong_key``."""

UPSCALE_FACTOR = 2
"""Each side of an upscale output is this many times the requested size (see ``ServerConfig.upscale_factor``)."""

DEFAULT_MAX_BODY_BYTES = 2 * 4 * math.ceil(MAX_IMAGE_BYTES / 3) + 64 * 1024
"""Request bodies above this get 413: room for an image and a mask at the client's 20 MiB cap, as base64
(~53.4 MiB). Leonardo documents no limit; lower it (``ServerConfig(max_body_bytes=...)``) to exercise 413."""

# Dollars for one 512x512 output; scaled by output area. Illustrative: Leonardo publishes no per-call price list
# for these endpoints, and the spec's examples all show 0.0147.
DEFAULT_COSTS: Mapping[str, Decimal] = MappingProxyType(
    {
        "createLCMGeneration": Decimal("0.0147"),
        "performInstantRefine": Decimal("0.0147"),
        "performInpaintingLCM": Decimal("0.0147"),
        "performAlchemyUpscaleLCM": Decimal("0.0294"),
    }
)


class Fault(enum.Enum):
    """What the server does to one request instead of (or on top of) answering it normally."""

    NONE = "none"
    """Answer normally."""
    RATE_LIMIT = "rate_limit"
    """429 with ``Retry-After``."""
    SERVER_ERROR = "server_error"
    """500."""
    UNAVAILABLE = "unavailable"
    """503 with ``Retry-After``."""
    DROP = "drop"
    """Close the connection without a complete response (httpx raises ``RemoteProtocolError``)."""
    SLOW = "slow"
    """Answer normally, but only after ``Faults.slow_delay`` extra seconds (to trip client timeouts)."""


def _fail(field: str, value: object, allowed: str) -> ConfigurationError:
    return ConfigurationError(f"{field}={value!r}: {allowed}")


def _check_seconds(field: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise _fail(field, value, "seconds as a finite number ≥ 0")


def _check_rate(field: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _fail(field, value, "a probability from 0 to 1")


@attrs.frozen(kw_only=True)
class Latency:
    """Added to every response: ``fixed`` seconds plus a seeded uniform draw from ``[0, jitter)`` seconds."""

    fixed: float = 0.0
    jitter: float = 0.0

    def __attrs_post_init__(self) -> None:
        _check_seconds("Latency.fixed", self.fixed)
        _check_seconds("Latency.jitter", self.jitter)


def _to_faults(script: object) -> tuple[Fault, ...]:
    if isinstance(script, str | Fault):
        script = (script,)
    if not isinstance(script, list | tuple):
        raise _fail("Faults.script", script, "a sequence of Fault values or their names")
    out: list[Fault] = []
    for item in script:
        try:
            out.append(item if isinstance(item, Fault) else Fault(item))
        except ValueError:
            raise _fail("Faults.script", item, "one of " + ", ".join(f.value for f in Fault)) from None
    return tuple(out)


@attrs.frozen(kw_only=True)
class Faults:
    """Faults on demand, repeatable for a given ``ServerConfig.seed``.

    ``script`` is played first, one entry per request, in arrival order (``["rate_limit", "none"]``: the first
    request gets 429, the second succeeds). After it, each request draws once: with probability ``rate_limit``
    it gets 429, ``server_error`` 500, ``unavailable`` 503, ``drop`` a dropped connection, ``slow`` an extra
    ``slow_delay`` seconds; otherwise it is answered normally. The rates must add up to at most 1.
    """

    rate_limit: float = 0.0
    server_error: float = 0.0
    unavailable: float = 0.0
    drop: float = 0.0
    slow: float = 0.0
    retry_after: float = 1.0
    """Seconds sent in ``Retry-After`` with 429 and 503."""
    slow_delay: float = 30.0
    """Extra seconds of a slow response (longer than most client timeouts on purpose)."""
    script: tuple[Fault, ...] = attrs.field(default=(), converter=_to_faults)

    def __attrs_post_init__(self) -> None:
        for name in ("rate_limit", "server_error", "unavailable", "drop", "slow"):
            _check_rate(f"Faults.{name}", getattr(self, name))
        if self.total_rate > 1 + 1e-9:
            raise _fail("Faults", self.total_rate, "the fault rates must add up to at most 1")
        _check_seconds("Faults.retry_after", self.retry_after)
        _check_seconds("Faults.slow_delay", self.slow_delay)

    @property
    def total_rate(self) -> float:
        return self.rate_limit + self.server_error + self.unavailable + self.drop + self.slow

    def draw(self, u: float) -> Fault:
        """The fault for a uniform draw ``u`` in [0, 1)."""
        for fault, rate in (
            (Fault.RATE_LIMIT, self.rate_limit),
            (Fault.SERVER_ERROR, self.server_error),
            (Fault.UNAVAILABLE, self.unavailable),
            (Fault.DROP, self.drop),
            (Fault.SLOW, self.slow),
        ):
            if u < rate:
                return fault
            u -= rate
        return Fault.NONE


def _frozen_mapping(mapping: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    return MappingProxyType(dict(mapping))


def _default_sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _default_async_sleep(seconds: float) -> None:
    import anyio  # httpx depends on it; imported when a delay is really due

    await anyio.sleep(seconds)


@attrs.frozen(kw_only=True)
class ServerConfig:
    """Everything the local server can be told. All fields are optional; the default is a fast, faultless server.

    - ``require_token``: accept only ``Authorization: Bearer <require_token>``; ``None`` accepts any non-empty token.
    - ``wrong_key``: how a token other than ``require_token`` is answered: ``"hook"`` (default) as Leonardo documents
      it, HTTP 500 ``{"error": "Invalid response from authorization hook", "path": "$", "code": "unexpected"}``, so
      offline tests meet production's answer (the client raises ``AuthenticationError`` for it, without retries);
      ``"401"``: a plain 401 ``invalid-jwt``.
    - ``latency`` / ``faults`` / ``seed``: see ``Latency`` and ``Faults``; one seed makes every draw repeatable.
    - ``sleep`` / ``async_sleep``: how delays are waited out (tests inject fakes, so nothing sleeps for real).
    - ``max_body_bytes``: bigger request bodies get 413.
    - ``upscale_factor``: each side of an upscale output is this many times the requested size.
    - ``costs``: dollars per operation for a 512x512 output, scaled by output area, reported as ``cost``.
    - ``jpeg_quality``: quality of the JPEGs returned.
    - ``history``: how many recent requests ``LocalServer.requests`` keeps (0 keeps none).
    """

    require_token: str | None = attrs.field(default=None, repr=False)
    wrong_key: str = "hook"
    latency: Latency = Latency()
    faults: Faults = Faults()
    seed: int = 0
    sleep: Callable[[float], None] = attrs.field(default=_default_sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(default=_default_async_sleep, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    upscale_factor: int = UPSCALE_FACTOR
    costs: Mapping[str, Decimal] = attrs.field(default=DEFAULT_COSTS, converter=_frozen_mapping)
    jpeg_quality: int = 90
    history: int = 256

    def __attrs_post_init__(self) -> None:
        if self.require_token is not None and (not isinstance(self.require_token, str) or not self.require_token):
            raise ConfigurationError("require_token: a non-empty string, or None to accept any token")
        if self.wrong_key not in WRONG_KEY_ANSWERS:
            raise _fail("wrong_key", self.wrong_key, "one of " + ", ".join(map(repr, WRONG_KEY_ANSWERS)))
        if not isinstance(self.latency, Latency):
            raise _fail("latency", self.latency, "a Latency(fixed=..., jitter=...)")
        if not isinstance(self.faults, Faults):
            raise _fail("faults", self.faults, "a Faults(...)")
        for name, lo, hi in (
            ("seed", None, None),
            ("max_body_bytes", 1024, None),
            ("upscale_factor", 1, 4),
            ("jpeg_quality", 1, 95),
            ("history", 0, None),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise _fail(name, value, "an integer")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                allowed = f"an integer from {lo} to {hi}" if hi is not None else f"an integer ≥ {lo}"
                raise _fail(name, value, allowed)
        for op, amount in self.costs.items():
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
                raise _fail(f"costs[{op!r}]", amount, "a Decimal ≥ 0 (dollars)")
