"""leonardo_realtime_client: a typed, validated client for the Leonardo.AI Realtime Canvas API.

Every public name is loaded when first used (PEP 562 ``__getattr__``), so ``import leonardo_realtime_client``
and the command line (``leonardo-realtime --help``) do not pay for the clients, httpx and attrs until they are
asked for; ``from leonardo_realtime_client import RealtimeCanvas`` loads what the client needs then.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._async_client import (
        AsyncRealtimeCanvas,
    )
    from ._client import (
        RealtimeCanvas,
    )
    from ._config import (
        DEFAULT_BASE_URL,
        DEFAULT_MAX_RETRIES,
        DEFAULT_TIMEOUT,
    )
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
    from ._generated.models.cost_unit import (
        CostUnit,
    )
    from ._generated.models.lcm_generation_style import (
        LcmGenerationStyle,
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
    from ._result import (
        RealtimeResult,
    )
    from ._retry import (
        RetryPolicy,
    )
    from ._session import (
        BudgetExhausted,
        RealtimeSession,
        SessionClosedError,
        SessionError,
        SessionEvent,
        SessionResult,
        SessionStats,
    )
    from ._threaded_session import (
        ThreadedRealtimeSession,
    )

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

_WHERE: dict[str, str] = {
    "AsyncRealtimeCanvas": "._async_client",
    "RealtimeCanvas": "._client",
    "DEFAULT_BASE_URL": "._config",
    "DEFAULT_MAX_RETRIES": "._config",
    "DEFAULT_TIMEOUT": "._config",
    "APIConnectionError": "._errors",
    "APIResponseError": "._errors",
    "APIStatusError": "._errors",
    "APITimeoutError": "._errors",
    "AuthenticationError": "._errors",
    "BadRequestError": "._errors",
    "ConfigurationError": "._errors",
    "ImageError": "._errors",
    "InternalServerError": "._errors",
    "LeonardoError": "._errors",
    "NotFoundError": "._errors",
    "Outcome": "._errors",
    "PermissionDeniedError": "._errors",
    "RateLimitError": "._errors",
    "RequestTooLargeError": "._errors",
    "UnprocessableEntityError": "._errors",
    "ValidationError": "._errors",
    "Violation": "._errors",
    "MAX_IMAGE_BYTES": "._images",
    "MAX_IMAGE_PIXELS": "._images",
    "ImageInput": "._images",
    "decode_data_url": "._images",
    "encode_data_url": "._images",
    "image_data_url": "._images",
    "image_size": "._images",
    "mask_data_url": "._images",
    "sniff_format": "._images",
    "to_jpeg_bytes": "._images",
    "RealtimeResult": "._result",
    "RetryPolicy": "._retry",
    "CostUnit": "._generated.models.cost_unit",
    "LcmGenerationStyle": "._generated.models.lcm_generation_style",
    "BudgetExhausted": "._session",
    "RealtimeSession": "._session",
    "SessionClosedError": "._session",
    "SessionError": "._session",
    "SessionEvent": "._session",
    "SessionResult": "._session",
    "SessionStats": "._session",
    "ThreadedRealtimeSession": "._threaded_session",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
