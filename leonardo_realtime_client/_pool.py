"""The clients' connection pool: httpx transports of ``SHARD_SIZE`` connections each, filled least-busy first.

One reason to change: how connections are pooled and reused.

**Why not one httpx pool with bigger limits.** httpcore 1.0's pool (``_assign_requests_to_connections``, run
whenever a request starts or ends) compares ``max_keepalive_connections`` with the number of *all* its
connections, not the idle ones (encode/httpcore#1000, #1035, unreleased), and scans every connection once per
idle connection to do so. With httpx's defaults (100 connections, 20 kept alive) that closes every connection
as soon as more than 20 are open: at 64 concurrent calls against the local server with 200 ms latency, 492-512
of 512 requests opened a new TCP connection (against the real API, a TLS handshake each). Raising the
keep-alive limit to 64 or 200 keeps the connections but makes the scan quadratic: client CPU went from ~1.3 to
~7 ms per request and requests/s fell to a third. Capping the pool at 32 connections keeps both small but
queues half of 64 concurrent calls (requests/s halved).

**What this does.** Requests go to small pools (``SHARD_SIZE`` connections, all of them kept alive, so the
miscount can never close one and a scan stays ~``SHARD_SIZE``²), to the first pool with room, so light use
stays on one pool and each pool keeps its warm connections busy. A pool is made only when every one is full,
up to ``MAX_SHARDS`` (``SHARD_SIZE * MAX_SHARDS`` = 100 connections, httpx's default total); beyond that a
request waits in the least busy pool, as it would in httpx's. The pools share one TLS context, made once per
process. ``make bench`` measures it (``benchmarks/concurrency.py``): requests/s and connection reuse at 16 and
64 concurrent calls against a hand-written httpx loop.

Only the public transport interface of httpx is used: each pool is an ``httpx.HTTPTransport`` /
``httpx.AsyncHTTPTransport`` with its own ``httpx.Limits``. It is mounted for ``all://`` on the client, so
proxies from the environment (which httpx mounts per scheme, a more specific pattern) still take precedence.
"""

from __future__ import annotations

import contextlib
import functools
import os
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Final

import httpx

from ._config import is_loopback_host
from ._errors import ConfigurationError, short_repr

__all__ = [
    "MAX_SHARDS",
    "SHARD_SIZE",
    "AsyncShardedTransport",
    "ShardedTransport",
    "shared_ssl_context",
    "ssl_context_for",
]

SHARD_SIZE: Final = 10
"""Connections per pool, all kept alive (``max_connections == max_keepalive_connections``)."""
MAX_SHARDS: Final = 10
"""Pools at most: 100 connections in all, httpx's default ``max_connections``."""
KEEPALIVE_EXPIRY: Final = 5.0
"""Seconds an idle connection is kept (httpx's default)."""

_LIMITS: Final = httpx.Limits(
    max_connections=SHARD_SIZE, max_keepalive_connections=SHARD_SIZE, keepalive_expiry=KEEPALIVE_EXPIRY
)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi, ``SSL_CERT_FILE``…): ~15 ms to make, so made once per process and
    shared by every client's transports (httpx made one per transport: two per client with these pools).

    Raises :class:`ConfigurationError` naming ``SSL_CERT_FILE`` when it names no readable file of CA
    certificates (httpx raised a bare ``FileNotFoundError`` or ``ssl.SSLError`` from every constructor)."""
    try:
        return httpx.create_ssl_context()
    except (OSError, ssl.SSLError) as exc:  # a stale SSL_CERT_FILE (a moved venv, a removed conda env) …
        raise _ca_variable_error(exc) from None


@functools.cache
def _certifi_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context(trust_env=False)


def ssl_context_for(base_url: str) -> ssl.SSLContext:
    """The TLS context a client of ``base_url`` uses: :func:`shared_ssl_context`, except that a broken CA
    variable does not stop a client of this machine (a loopback base URL: the local server, plain http), which
    then gets certifi's; elsewhere it raises :class:`ConfigurationError` naming the variable."""
    try:
        return shared_ssl_context()
    except ConfigurationError:
        if is_loopback_host(httpx.URL(base_url).host):
            return _certifi_ssl_context()
        raise


def _ca_variable_error(exc: Exception) -> ConfigurationError:
    name = next((n for n in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(n)), "SSL_CERT_FILE")
    value = os.environ.get(name, "")
    reason = (exc.strerror if isinstance(exc, OSError) and not isinstance(exc, ssl.SSLError) else None) or str(exc)
    return ConfigurationError(
        f"${name}={short_repr(value, 300)} names no readable file of CA certificates ({reason[:120]}): point it at a "
        f"PEM bundle of CA certificates, or unset it (httpx then uses certifi's)"
    )


class _Shards:
    """Which pool takes the next request: the first with room, a new one when all are full, else the least busy.

    The first with room rather than the least busy: a pool that had more requests in flight before holds idle,
    warm connections, which a request sent to a less busy pool would not reuse."""

    def __init__(self, make: Callable[[ssl.SSLContext], object], ssl_context: ssl.SSLContext | None = None) -> None:
        self._make = make
        self._ssl_context = ssl_context
        self.pools: list[object] = []
        self.busy: list[int] = []
        self._lock = threading.Lock()  # the sync client may be shared by threads

    def acquire(self) -> int:
        with self._lock:
            busy = self.busy
            index = next((i for i, count in enumerate(busy) if count < SHARD_SIZE), -1)
            if index < 0 and len(busy) < MAX_SHARDS:
                self.pools.append(self._make(self._ssl_context or shared_ssl_context()))
                busy.append(0)
                index = len(busy) - 1
            elif index < 0:
                index = busy.index(min(busy))
            busy[index] += 1
            return index

    def release(self, index: int) -> None:
        with self._lock:
            self.busy[index] -= 1

    @contextlib.contextmanager
    def released_on_error(self, index: int) -> Iterator[None]:
        """Give ``index``'s place back if sending fails; on success, :meth:`releasing` hands it to the answer."""
        try:
            yield
        except BaseException:
            self.release(index)
            raise

    def releasing(self, index: int, response: httpx.Response) -> httpx.Response:
        """``response`` with a stream that gives ``index``'s place back when it is closed (sync or async)."""
        stream = response.stream
        release = functools.partial(self.release, index)
        if isinstance(stream, httpx.AsyncByteStream):
            wrapped: httpx.SyncByteStream | httpx.AsyncByteStream = _AsyncReleased(stream, release)
        else:
            assert isinstance(stream, httpx.SyncByteStream)
            wrapped = _Released(stream, release)
        return httpx.Response(
            response.status_code, headers=response.headers, stream=wrapped, extensions=response.extensions
        )


class _Released(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        release, self._release = self._release, None
        try:
            self._stream.close()
        finally:
            if release is not None:
                release()


class _AsyncReleased(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        release, self._release = self._release, None
        try:
            await self._stream.aclose()
        finally:
            if release is not None:
                release()


class ShardedTransport(httpx.BaseTransport):
    """The sync clients' transport: ``httpx.HTTPTransport`` pools of ``SHARD_SIZE`` connections, all kept alive,
    each request sent through the first pool with room (a new pool only when all are full, up to ``MAX_SHARDS``).

    Small pools keep connections reused past httpx's keep-alive limit of 20 without its quadratic scan.
    Thread-safe like ``httpx.HTTPTransport``."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._shards = _Shards(lambda ctx: httpx.HTTPTransport(verify=ctx, limits=_LIMITS), ssl_context)

    @property
    def pools(self) -> list[httpx.HTTPTransport]:
        """The pools made so far, first first."""
        return list(self._shards.pools)  # type: ignore[arg-type]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        index = self._shards.acquire()
        pool: httpx.HTTPTransport = self._shards.pools[index]  # type: ignore[assignment]
        with self._shards.released_on_error(index):
            response = pool.handle_request(request)
        return self._shards.releasing(index, response)

    def close(self) -> None:
        for pool in self.pools:
            pool.close()


class AsyncShardedTransport(httpx.AsyncBaseTransport):
    """The async clients' transport: :class:`ShardedTransport`'s pooling over ``httpx.AsyncHTTPTransport`` pools
    (``SHARD_SIZE`` connections each, first pool with room, up to ``MAX_SHARDS``)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._shards = _Shards(lambda ctx: httpx.AsyncHTTPTransport(verify=ctx, limits=_LIMITS), ssl_context)

    @property
    def pools(self) -> list[httpx.AsyncHTTPTransport]:
        """The pools made so far, first first."""
        return list(self._shards.pools)  # type: ignore[arg-type]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = self._shards.acquire()
        pool: httpx.AsyncHTTPTransport = self._shards.pools[index]  # type: ignore[assignment]
        with self._shards.released_on_error(index):
            response = await pool.handle_async_request(request)
        return self._shards.releasing(index, response)

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()
