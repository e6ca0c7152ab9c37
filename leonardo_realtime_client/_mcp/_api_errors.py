"""How a failed API call is told to a model: the error's fields, what to do about it, whether a retry can help.

One reason to change: the advice an MCP tool gives for an error of the API (a status, a connection failure, a
malformed answer). :func:`describe` is pure; the tool call (``_calls``) adds the budget's bookkeeping.
"""

from __future__ import annotations

from typing import Any, Final

from .. import _errors as errors

__all__ = ["describe"]

#: What a model should do about an error answer, by its class (not its status: Leonardo answers a bad key with a
#: 500, which the client raises as ``AuthenticationError``).
_STATUS_HINTS: Final[tuple[tuple[type[errors.APIStatusError], str], ...]] = (
    (
        errors.AuthenticationError,
        "the server's API key was refused: the user must fix the key the server was started with (it is never a "
        "tool argument); retrying will not help",
    ),
    (errors.PermissionDeniedError, "the server's API key may not do this (or the account lacks credits): ask the user"),
    (errors.NotFoundError, "the API has no such endpoint: the server's --base-url is probably wrong; ask the user"),
    (errors.RequestTooLargeError, "the request is too large: pass a smaller image"),
    (errors.BadRequestError, "the API refused the arguments: change them before calling again"),
    (errors.UnprocessableEntityError, "the API refused the arguments: change them before calling again"),
)


def describe(exc: errors.LeonardoError) -> tuple[dict[str, Any], list[str], bool | None]:
    """The structured ``error`` of a tool's answer for ``exc`` (type, whether it was sent, status, code,
    Retry-After, request id, retryable, possibly billed, outcome), the hints for its text, and whether the call
    may have been billed (``None`` when the error does not say)."""
    error: dict[str, Any] = {"type": type(exc).__name__, "sent": True, "message": str(exc)}
    hints: list[str] = []
    if isinstance(exc, errors.APIStatusError):
        error |= {
            "status": exc.status_code,
            "code": exc.code,
            "retry_after": exc.retry_after,
            "request_id": exc.request_id,
        }
        if exc.retry_after is not None:
            hints.append(f"retry after {exc.retry_after:g} s")
        hints.extend(hint for kind, hint in _STATUS_HINTS if isinstance(exc, kind))
    elif isinstance(exc, errors.APIConnectionError):
        error["timeout"] = isinstance(exc, errors.APITimeoutError)
        # Refused, DNS, TLS or a connect timeout on every attempt: nothing reached the API.
        error["sent"] = exc.may_have_been_billed
        hints.append("no answer came back")
    elif isinstance(exc, errors.APIResponseError):
        error["status"] = exc.status_code
    else:
        error["sent"] = False
    error["retryable"] = retryable = _retryable(exc)
    billed = _may_have_been_billed(exc)
    if billed is not None:
        error["possibly_billed"] = billed
        outcome = getattr(exc, "outcome", None)
        if outcome is not None:
            error["outcome"] = str(getattr(outcome, "value", outcome))
        if billed:
            hints.append("it may have been processed and billed; a retry may be billed again")
        elif retryable:
            hints.append("it was not processed, so not billed: a retry is safe")
        else:
            hints.append("it was not processed, so not billed; the same call would fail again")
    return error, hints, billed


def _retryable(exc: errors.LeonardoError) -> bool:
    """Whether the same call may succeed later: rate limits, server errors and failed connections; not a refused
    key, a bad request or a missing endpoint, which fail again however long one waits."""
    if isinstance(exc, errors.AuthenticationError):
        return False
    return isinstance(exc, errors.RateLimitError | errors.InternalServerError | errors.APIConnectionError)


def _may_have_been_billed(exc: errors.LeonardoError) -> bool | None:
    """Whether the failed call may have been charged, when the error says (``may_have_been_billed``), else ``None``."""
    billed = getattr(exc, "may_have_been_billed", None)
    return billed if isinstance(billed, bool) else None
