"""leonardo_realtime_client: a typed, validated client for the Leonardo.AI Realtime Canvas API."""

from typing import TYPE_CHECKING

from ._async_client import AsyncRealtimeCanvas
from ._client import RealtimeCanvas
from ._config import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._errors import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ImageError,
    InternalServerError,
    LeonardoError,
    NotFoundError,
    Outcome,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
    ValidationError,
    Violation,
)
from ._images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    ImageInput,
    decode_data_url,
    encode_data_url,
    image_data_url,
    image_size,
    mask_data_url,
    sniff_format,
    to_jpeg_bytes,
)
from ._result import RealtimeResult
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._generated.models.cost_unit import CostUnit
    from ._generated.models.lcm_generation_style import LcmGenerationStyle
    from ._session import (
        BudgetExhausted,
        RealtimeSession,
        SessionClosedError,
        SessionError,
        SessionEvent,
        SessionResult,
        SessionStats,
    )
    from ._threaded_session import ThreadedRealtimeSession

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncRealtimeCanvas",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExhausted",
    "ConfigurationError",
    "CostUnit",
    "ImageError",
    "ImageInput",
    "InternalServerError",
    "LcmGenerationStyle",
    "LeonardoError",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "RateLimitError",
    "RealtimeCanvas",
    "RealtimeResult",
    "RealtimeSession",
    "RequestTooLargeError",
    "RetryPolicy",
    "SessionClosedError",
    "SessionError",
    "SessionEvent",
    "SessionResult",
    "SessionStats",
    "ThreadedRealtimeSession",
    "UnprocessableEntityError",
    "ValidationError",
    "Violation",
    "__version__",
    "decode_data_url",
    "encode_data_url",
    "image_data_url",
    "image_size",
    "mask_data_url",
    "sniff_format",
    "to_jpeg_bytes",
]


_SESSION_NAMES = frozenset(
    {
        "BudgetExhausted",
        "RealtimeSession",
        "SessionClosedError",
        "SessionError",
        "SessionEvent",
        "SessionResult",
        "SessionStats",
        "ThreadedRealtimeSession",
    }
)


def __getattr__(name: str) -> object:
    # The realtime session needs asyncio (~25 ms to import): loaded when first asked for.
    if name == "ThreadedRealtimeSession":
        from ._threaded_session import ThreadedRealtimeSession

        return ThreadedRealtimeSession
    if name in _SESSION_NAMES:
        from . import _session

        return getattr(_session, name)
    # The generated enums load with the generated models (~15 ms), on first use rather than at import.
    if name == "CostUnit":
        from ._generated.models.cost_unit import CostUnit

        return CostUnit
    if name == "LcmGenerationStyle":
        from ._generated.models.lcm_generation_style import LcmGenerationStyle

        return LcmGenerationStyle
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
