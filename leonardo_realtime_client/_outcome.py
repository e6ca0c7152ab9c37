"""Whether a request that got no HTTP answer may have been processed (and billed), from the transport error.

One reason to change: which transport failures prove that nothing was sent. Kept apart from ``_retry`` (whose
:class:`RetryPolicy` is an attrs class) so that the clients' modules can import it without loading attrs; the
status side of the same question is :func:`~leonardo_realtime_client._errors.status_outcome`.
"""

from __future__ import annotations

import httpx

from ._errors import APIConnectionError, Outcome

__all__ = ["transport_outcome"]

_NOT_SENT: tuple[type[BaseException], ...] = (
    httpx.ConnectError,  # refused, DNS, TLS handshake
    httpx.ConnectTimeout,
    httpx.PoolTimeout,  # no connection was free: nothing was sent
    httpx.WriteError,  # the body did not get out whole: the server cannot have a complete request
    httpx.WriteTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


def transport_outcome(error: BaseException) -> Outcome:
    """Whether a request that got no HTTP answer may have been processed: ``NOT_PROCESSED`` when it failed before
    the whole request was sent (refused, DNS, TLS, connect/pool timeout, a failed write), else ``UNKNOWN`` (a read
    timeout, a connection dropped mid-answer)."""
    if isinstance(error, APIConnectionError):
        return error.outcome
    if isinstance(error, _NOT_SENT):
        return Outcome.NOT_PROCESSED
    return Outcome.UNKNOWN
