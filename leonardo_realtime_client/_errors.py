"""Every error this package raises, as one hierarchy. Catch the level you care about::

    LeonardoError                      base of everything raised here
    ├── ConfigurationError             missing API key, key over plain http to a remote host, bad option
    ├── ValidationError (ValueError)   bad input, found before any I/O; lists every violation of the call
    │   └── ImageError                 an image, mask or data URL that cannot be used as given
    ├── APIConnectionError             the request did not get an HTTP response
    │   └── APITimeoutError            … because a timeout expired
    ├── APIResponseError               a response that does not match the documented shape
    │                                  (not JSON, HTML page, missing job, wrong types, bad base64/image)
    └── APIStatusError                 a non-2xx status; .status_code .body .request_id .retry_after
        ├── BadRequestError            400
        ├── AuthenticationError        401
        ├── PermissionDeniedError      403
        ├── NotFoundError              404
        ├── RequestTooLargeError       413
        ├── UnprocessableEntityError   422
        ├── RateLimitError             429
        └── InternalServerError        5xx

No message, ``repr`` or attribute of these errors contains the API key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ImageError",
    "InternalServerError",
    "LeonardoError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "UnprocessableEntityError",
    "ValidationError",
    "Violation",
    "status_error_class",
]

_MAX_SHOWN = 80


def short_repr(value: object, limit: int = _MAX_SHOWN) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how long it was (for data URLs and prompts)."""
    if isinstance(value, str | bytes | bytearray | memoryview) and len(value) > limit:
        # Never repr a 20 MiB payload just to cut it: slice first, then say how long it was.
        head = repr(bytes(value[:limit]) if not isinstance(value, str) else value[:limit])
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{head[: limit - 20]}… ({len(value)} {unit})"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}… ({len(text)} characters)"


@attrs.frozen
class Violation:
    """One broken constraint: the field (as the caller named it), the value given (kept whole) and what is allowed."""

    field: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}={short_repr(self.value)}: {self.allowed}"


class LeonardoError(Exception):
    """Base class of every error raised by leonardo_realtime_client."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as (class, message, attributes), not by calling __init__ again with the message alone, which
        # the subclasses' signatures do not accept: a worker process can send any of these errors back. A value
        # that cannot be pickled (the caller's file object, socket, lambda …) travels as a stand-in with its repr.
        from ._pickling import picklable_state

        return _unpickle, (type(self), *picklable_state(self.args, self.__dict__))


def _unpickle(cls: type[LeonardoError], args: tuple[Any, ...], state: dict[str, Any]) -> LeonardoError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigurationError(LeonardoError):
    """The client is not set up to make this call (no API key, unsafe base URL, bad option)."""


class ValidationError(LeonardoError, ValueError):
    """One or more arguments break the documented constraints. Nothing was sent.

    ``violations`` lists every problem of the call, not only the first.
    """

    def __init__(self, violations: Sequence[Violation], operation: str | None = None) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        self.operation = operation
        where = f" for {operation}" if operation else ""
        lines = "\n".join(f"  - {v}" for v in self.violations)
        count = len(self.violations)
        super().__init__(f"{count} invalid argument{'s' if count != 1 else ''}{where}:\n{lines}")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(v.field for v in self.violations)


class ImageError(ValidationError):
    """An image, mask or data URL that cannot be used: unknown format, lying label, bad base64, too large…"""

    def __init__(self, field: str, value: Any, problem: str) -> None:
        super().__init__([Violation(field, value, problem)])


class APIConnectionError(LeonardoError):
    """The request did not get an HTTP response (DNS, refused, reset, TLS …)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class APIResponseError(LeonardoError):
    """The server answered, but not in the documented shape (not JSON, missing fields, bad image data)."""

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code if response is not None else None


class APIStatusError(LeonardoError):
    """The server answered with a non-success status.

    ``body`` is the parsed JSON body (or the text, or ``None``); ``message`` and ``code`` come from
    either error shape in the wild: the spec's ``{message, path, locations, extensions}`` and
    Leonardo's documented ``{"error": ..., "path": ..., "code": ...}``.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = response.status_code
        self.response = response
        self.body = body
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        self.message = message
        shown_code = f" [code: {code}]" if code and code not in message else ""
        rid = f" (request id {request_id})" if request_id else ""
        super().__init__(f"HTTP {self.status_code}: {message}{shown_code}{rid}")


class BadRequestError(APIStatusError):
    """400: the server rejected the parameters."""


class AuthenticationError(APIStatusError):
    """401: no API key, or an invalid one."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this operation (plan, quota)."""


class NotFoundError(APIStatusError):
    """404: wrong base URL or path."""


class RequestTooLargeError(APIStatusError):
    """413: the request body (usually the image) is too large."""


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but semantically invalid request."""


class RateLimitError(APIStatusError):
    """429: too many requests or concurrent jobs; see ``retry_after``."""


class InternalServerError(APIStatusError):
    """5xx: the server failed; usually worth a retry."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific error class for an HTTP status."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)
