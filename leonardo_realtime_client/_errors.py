"""Every error this package raises, as one hierarchy. Catch the level you care about::

    LeonardoError                      base of everything raised here
    ├── ConfigurationError             missing API key, key over plain http to a remote host, bad option
    ├── ValidationError (ValueError)   bad input, found before any I/O; lists every violation of the call
    │   └── ImageError                 an image, mask or data URL that cannot be used as given
    ├── APIConnectionError             the request did not get an HTTP response
    │   └── APITimeoutError            … because a timeout expired
    ├── APIResponseError               a response that does not match the documented shape
    │                                  (not JSON, HTML page, missing job, wrong types, bad base64/image)
    └── APIStatusError                 an error answer; .status_code .body .code .request_id .retry_after
        ├── BadRequestError            400
        ├── AuthenticationError        401, and Leonardo's "Invalid response from authorization hook" (a 500)
        ├── PermissionDeniedError      403
        ├── NotFoundError              404
        ├── RequestTooLargeError       413
        ├── UnprocessableEntityError   422
        ├── RateLimitError             429, and a rate-limit ``code`` in any answer (even a 200)
        └── InternalServerError        5xx

The class follows the status, except where the body's ``code`` says more than the status: the GraphQL-engine
shape ``{"errors": [{"message", "extensions": {"code"}}]}`` that Leonardo's REST layer answers with (also on a
200) is read into the class its code names (:data:`ERROR_CODES`), and ``effective_status`` is the status the
error stands for (429 for ``rate-limit-exceeded``); retries and the outcome follow it.

**What may have been billed.** Leonardo has no idempotency key, so every error says whether the request may have
been processed, and so charged: ``error.outcome`` is an :class:`Outcome` (``NOT_PROCESSED``: connection refused,
DNS/TLS or a timeout before the request was sent, 4xx, 429, a 503 with ``Retry-After``, anything raised before
sending; ``UNKNOWN``: the request was sent and no answer says it was not processed — a read timeout, a connection
dropped mid-answer, other 5xx; ``PROCESSED``: a 2xx whose body could not be used). ``error.attempts`` counts the
attempts made and ``error.possibly_billed_attempts`` those whose outcome was not ``NOT_PROCESSED``.

No message, ``repr`` or traceback of these errors shows the API key, nor do ``message`` and ``request_id``: the
client cuts it out when it hands an error back (``_redaction``). ``body``, ``code`` and ``response`` are the
server's data as it sent them, never altered: a server that echoed the key has it there.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import httpx
else:  # not imported for `leonardo-realtime --help`; the signatures still resolve (typing.get_type_hints)
    from ._lazy import ModuleOnResolve

    httpx = ModuleOnResolve("httpx")

__all__ = [
    "AUTH_HOOK_FAILURE",
    "ERROR_CODES",
    "REQUEST_ID_HEADERS",
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
    "Outcome",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "UnprocessableEntityError",
    "ValidationError",
    "Violation",
    "request_id",
    "status_error_class",
]

_MAX_SHOWN = 80


def short_repr(value: object, limit: int = _MAX_SHOWN) -> str:
    """``repr(value)`` cut to ``limit`` characters, saying how long it was (for data URLs and prompts).

    Binary values (``bytes``, ``bytearray``, ``memoryview``) are never quoted, only measured (``<30 bytes>``):
    they are usually the contents of a file, which may be one the caller did not mean to send (a key file).
    The whole value stays on the error (``Violation.value``).
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value):,} bytes>"
    if isinstance(value, str) and len(value) > limit:
        # Never repr a 20 MiB payload just to cut it: slice first, then say how long it was.
        return f"{repr(value[:limit])[: limit - 20]}… ({len(value)} characters)"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}… ({len(text)} characters)"


@dataclasses.dataclass(frozen=True, slots=True)  # not attrs (~6 ms): `leonardo-realtime --help` imports this
class Violation:
    """One broken constraint: the field (as the caller named it), the value given (kept whole) and what is allowed."""

    field: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}={short_repr(self.value)}: {self.allowed}"


class Outcome(enum.Enum):
    """Whether a failed request may have been processed (and billed) by the server.

    Leonardo has no idempotency key: a request whose outcome is unknown may have produced (and charged for)
    images that never arrived, and a retry may be charged again.
    """

    NOT_PROCESSED = "not_processed"
    """Nothing was processed: never sent (refused, DNS, TLS, connect timeout, validation), or an answer that says
    so (4xx, 429, 503 with ``Retry-After``). Safe to retry, nothing billed."""
    UNKNOWN = "unknown"
    """Sent, and no answer says it was not processed: a read timeout, a connection dropped mid-answer, a 5xx
    (other than a 503 with ``Retry-After``). It may have been processed and billed."""
    PROCESSED = "processed"
    """The server answered 2xx (so it did the work, and billed it) but the answer could not be used."""


class LeonardoError(Exception):
    """Base class of every error raised by leonardo_realtime_client.

    ``outcome`` (an :class:`Outcome`) says whether the failed request may have been processed and billed;
    ``attempts`` counts the HTTP attempts made for the call (0: nothing was sent) and
    ``possibly_billed_attempts`` those whose outcome was not ``NOT_PROCESSED`` (the last one included).
    """

    outcome: Outcome = Outcome.NOT_PROCESSED
    attempts: int = 0
    possibly_billed_attempts: int = 0

    @property
    def may_have_been_billed(self) -> bool:
        """Whether any attempt of the call may have been processed and charged for."""
        return self.outcome is not Outcome.NOT_PROCESSED or self.possibly_billed_attempts > 0

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
    """The request did not get an HTTP response (DNS, refused, reset, TLS …).

    ``outcome`` is ``NOT_PROCESSED`` when the failure came before the request was sent (refused, DNS, TLS,
    connect/pool timeout, an incomplete write) and ``UNKNOWN`` after (a read timeout, a connection dropped
    mid-answer).
    """

    def __init__(
        self, message: str, *, request: httpx.Request | None = None, outcome: Outcome = Outcome.UNKNOWN
    ) -> None:
        super().__init__(message)
        self.request = request
        self.outcome = outcome


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-cf-id", "cf-ray")
"""Tried in order; the first present is the ``request_id`` of an error or a result."""


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id the server sent, if any (see :data:`REQUEST_ID_HEADERS`)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return None


class APIResponseError(LeonardoError):
    """The server answered, but not in the documented shape (not JSON, missing fields, bad image data).

    ``request_id`` is the answer's request id, if it sent one.
    """

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code if response is not None else None
        self.request_id = request_id(response.headers) if response is not None else None
        self.outcome = Outcome.PROCESSED if response is not None and response.is_success else Outcome.UNKNOWN


class APIStatusError(LeonardoError):
    """The server answered with an error: a non-success status, or an error body (even on a 200).

    ``body`` is the parsed JSON body (or the text, or ``None``), as sent; ``message`` and ``code`` come from
    the error shapes in the wild: the spec's ``{message, path, locations, extensions}``, Leonardo's documented
    ``{"error": ..., "path": ..., "code": ...}`` and the GraphQL engine's ``{"errors": [...]}``.
    ``effective_status`` is the status the error stands for (``status_code`` unless the code says otherwise:
    429 for a rate-limit code, 401 for the authorization-hook failure); retries and ``outcome`` follow it.
    """

    canonical_status: ClassVar[int | None] = None

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
        canonical = type(self).canonical_status
        self.effective_status = (
            canonical
            if canonical is not None and status_error_class(self.status_code) is not type(self)
            else self.status_code
        )
        self.outcome = status_outcome(self.effective_status, retry_after)
        shown_code = f" [code: {code}]" if code and code not in message else ""
        rid = f" (request id {request_id})" if request_id else ""
        super().__init__(f"HTTP {self.status_code}: {message}{shown_code}{rid}")


class BadRequestError(APIStatusError):
    """400: the server rejected the parameters."""

    canonical_status = 400


class AuthenticationError(APIStatusError):
    """401: no API key, or an invalid one. Also Leonardo's documented answer to a bad key, HTTP 500
    ``{"error": "Invalid response from authorization hook", "code": "unexpected"}``: it is not retried."""

    canonical_status = 401


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this operation (plan, quota)."""

    canonical_status = 403


class NotFoundError(APIStatusError):
    """404: wrong base URL or path."""

    canonical_status = 404


class RequestTooLargeError(APIStatusError):
    """413: the request body (usually the image) is too large."""

    canonical_status = 413


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but semantically invalid request."""

    canonical_status = 422


class RateLimitError(APIStatusError):
    """429: too many requests or concurrent jobs; see ``retry_after``. Also any answer whose code is a rate-limit
    code (``rate-limit-exceeded``), even on a 200: it is retried like a 429."""

    canonical_status = 429


class InternalServerError(APIStatusError):
    """5xx: the server failed; usually worth a retry."""

    canonical_status = 500


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


ERROR_CODES: Mapping[str, type[APIStatusError]] = MappingProxyType(
    {
        # Hasura's GraphQL-engine codes (Leonardo's REST layer), and the local server's.
        "rate-limit-exceeded": RateLimitError,
        "rate-limited": RateLimitError,
        "too-many-requests": RateLimitError,
        "invalid-jwt": AuthenticationError,
        "invalid-headers": AuthenticationError,
        "jwt-invalid-claims": AuthenticationError,
        "jwt-missing-role-claims": AuthenticationError,
        "access-denied": PermissionDeniedError,
        "permission-denied": PermissionDeniedError,
        "permission-error": PermissionDeniedError,
        "validation-failed": BadRequestError,
        "parse-failed": BadRequestError,
        "bad-request": BadRequestError,
        "invalid-params": BadRequestError,
        "constraint-violation": BadRequestError,
        "not-found": NotFoundError,
        "request-too-large": RequestTooLargeError,
        "unexpected": InternalServerError,
    }
)
"""An error body's ``code`` → its class, used when the status says less (a 200, or a status without a class of
its own); a rate-limit code wins over any status. Codes are matched in any case, ``_`` read as ``-``
(``rate_limit_exceeded``, as OpenAI-style gateways write it)."""

AUTH_HOOK_FAILURE = "invalid response from authorization hook"
"""Leonardo's documented answer to a bad API key (``code: unexpected``, HTTP 500), matched case-insensitively."""


def status_error_class(status_code: int, code: str | None = None, message: str | None = None) -> type[APIStatusError]:
    """The most specific error class for an answer: by ``code`` and ``message`` where they say more, else by status.

    - the authorization-hook failure (:data:`AUTH_HOOK_FAILURE` in ``message``) → :class:`AuthenticationError`;
    - a rate-limit ``code`` → :class:`RateLimitError`, whatever the status;
    - another known ``code`` (:data:`ERROR_CODES`) when the status has no class of its own (a 200, a 418 …);
    - else by status: 400, 401, 403, 404, 413, 422, 429 their own classes, every 5xx
      :class:`InternalServerError`, the rest :class:`APIStatusError`.
    """
    if message is not None and AUTH_HOOK_FAILURE in message.lower():
        return AuthenticationError
    by_code = ERROR_CODES.get(code.strip().lower().replace("_", "-")) if isinstance(code, str) else None
    if by_code is RateLimitError:
        return RateLimitError
    if status_code >= 500:
        return InternalServerError
    by_status = _BY_STATUS.get(status_code)
    if by_status is not None:
        return by_status
    return by_code or APIStatusError


def status_outcome(status_code: int, retry_after: float | None = None) -> Outcome:
    """Whether an error answer with this (effective) status may have been processed: every 3xx and 4xx (429
    included) and a 503 with ``Retry-After`` say it was not; other 5xx (and an error body on a 2xx whose code
    names no class) leave it unknown."""
    if 300 <= status_code < 500 or (status_code == 503 and retry_after is not None):
        return Outcome.NOT_PROCESSED
    return Outcome.UNKNOWN
