"""Sending on the httpx client this package made: a request goes straight to the transport httpx would pick.

One reason to change: how a prepared request reaches the transport. ``httpx.Client.build_request`` and
``send`` run, for every request, layers for features the client this package makes never turns on: the URL and
header merges, an auth flow, event hooks, redirect handling, the cookie jar's bookkeeping. Side by side against
the local server they cost about a third of a whole 512 px round trip's client CPU (``benchmarks/NOTES.md``),
more than everything this package does on top (validation, the body, the checks of the answer).

So, when the httpx client is this package's own and is still as it was made (no event hooks, no client-level
auth or query parameters, ``follow_redirects`` off: :meth:`Direct.usable`), a request is built here and handed to
``transport.handle_request`` / ``handle_async_request`` directly. What httpx would still have done is done
here too, so what a caller sees is the same (one exception below):

- the client's headers are sent (read from ``http_client.headers`` at each call, so a change made to them is
  honoured), with this package's (``Authorization``, ``Content-Type``, ``Accept``, ``User-Agent``) over them;
- the transport is the one the client's mounts choose for the URL (an environment proxy included);
- the timeout travels in the request's ``timeout`` extension, as httpx puts it there;
- cookies: the client's jar is sent when it holds any, and a ``Set-Cookie`` answer is stored in it;
- a transport error carries the request (``exc.request``); the response carries ``request``, ``elapsed``
  (once read) and httpx's INFO log line ``HTTP Request: POST … "HTTP/1.1 200 OK"``.

One thing is not made: for a 3xx answer (an :class:`APIStatusError`), ``response.next_request``, the request
httpx prepares for a redirect it does not follow, stays ``None``; the ``Location`` header is there as sent.

A client you pass (``http_client=``), or ours once you give it event hooks, auth, query parameters or redirects,
is sent through ``httpx.Client.send`` as usual, with every layer.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import httpx

__all__ = ["Direct"]

_HTTPX_LOG: Final = logging.getLogger("httpx")


class Direct:
    """Builds and sends requests for one httpx client (sync or async) without its per-request layers."""

    __slots__ = ("_host", "_http", "_merged", "_ours", "_seen", "_timeout", "_timeout_dict", "_transports", "_urls")

    def __init__(self, http: httpx.Client | httpx.AsyncClient) -> None:
        self._http = http
        self._urls: dict[str, httpx.URL] = {}
        self._transports: dict[str, httpx.BaseTransport | httpx.AsyncBaseTransport] = {}
        self._seen: list[tuple[bytes, bytes]] | None = None  # the client's headers the merge was made from
        self._ours: Mapping[str, str] | None = None
        self._host = b""  # the Host the merge was made for
        self._merged = httpx.Headers()
        self._timeout: httpx.Timeout | None = None
        self._timeout_dict: dict[str, float | None] = {}

    @property
    def http(self) -> httpx.Client | httpx.AsyncClient:
        """The httpx client this sends for."""
        return self._http

    def usable(self) -> bool:
        """Whether the client is still as this package made it: nothing the skipped layers would apply."""
        http = self._http
        hooks = http.event_hooks
        layered = hooks["request"] or hooks["response"] or http.auth is not None or http.follow_redirects
        return not (layered or http.params)  # query parameters set on the client: merged into the URL by httpx

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        stream: httpx.SyncByteStream | httpx.AsyncByteStream,
        content_length: int,
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        """The request ``build_request`` would make: the client's headers under ``headers``, ``Host`` and
        ``Content-Length``, the client's cookies, the timeout extension."""
        target = self._urls.get(url)
        if target is None:
            target = self._urls[url] = httpx.URL(url)
        http = self._http
        raw = http.headers.raw
        if raw != self._seen or headers is not self._ours or target.netloc != self._host:
            merged = httpx.Headers({"Host": target.netloc.decode("ascii")})
            merged.update(http.headers)
            merged.update(headers)
            self._merged, self._seen, self._ours, self._host = merged, raw, headers, target.netloc
        if timeout is not self._timeout:
            self._timeout, self._timeout_dict = timeout, timeout.as_dict()
        request = httpx.Request(
            method,
            target,
            headers=self._merged,
            stream=stream,
            extensions={"timeout": self._timeout_dict},
        )
        request.headers["Content-Length"] = str(content_length)
        if http.cookies:
            http.cookies.set_cookie_header(request)
        return request

    def _transport(self, request: httpx.Request) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
        key = str(request.url)
        transport = self._transports.get(key)
        if transport is None:
            transport = self._transports[key] = self._http._transport_for_url(request.url)
        return transport

    def send(self, request: httpx.Request) -> httpx.Response:
        """``httpx.Client.send(request, stream=True)`` without its layers: the caller reads and closes it."""
        transport, started = self._start(request)
        assert isinstance(transport, httpx.BaseTransport)
        with _carried_by(request):
            response = transport.handle_request(request)
        response.stream = _Timed(response, started)
        return self._received(request, response)

    async def asend(self, request: httpx.Request) -> httpx.Response:
        """``httpx.AsyncClient.send(request, stream=True)`` without its layers."""
        transport, started = self._start(request)
        assert isinstance(transport, httpx.AsyncBaseTransport)
        with _carried_by(request):
            response = await transport.handle_async_request(request)
        response.stream = _AsyncTimed(response, started)
        return self._received(request, response)

    def _start(self, request: httpx.Request) -> tuple[httpx.BaseTransport | httpx.AsyncBaseTransport, float]:
        """The transport for ``request`` and the time it starts (``RuntimeError`` for a closed client, as httpx)."""
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        return self._transport(request), time.perf_counter()

    def _received(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        response.request = request
        if "set-cookie" in response.headers:
            self._http.cookies.extract_cookies(response)
        if _HTTPX_LOG.isEnabledFor(logging.INFO):
            _HTTPX_LOG.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response


@contextmanager
def _carried_by(request: httpx.Request) -> Iterator[None]:
    """A transport error carries the request it failed on (as httpx's ``request_context`` does)."""
    try:
        yield
    except httpx.RequestError as exc:
        exc.request = request
        raise


class _Timed(httpx.SyncByteStream):
    """The answer's stream, setting ``response.elapsed`` when closed (as httpx's own wrapper does)."""

    def __init__(self, response: httpx.Response, started: float) -> None:
        self._response, self._stream, self._started = response, response.stream, started

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        yield from self._stream

    def close(self) -> None:
        self._response.elapsed = datetime.timedelta(seconds=time.perf_counter() - self._started)
        assert isinstance(self._stream, httpx.SyncByteStream)
        self._stream.close()


class _AsyncTimed(httpx.AsyncByteStream):
    """:class:`_Timed` for an async answer."""

    def __init__(self, response: httpx.Response, started: float) -> None:
        self._response, self._stream, self._started = response, response.stream, started

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        self._response.elapsed = datetime.timedelta(seconds=time.perf_counter() - self._started)
        assert isinstance(self._stream, httpx.AsyncByteStream)
        await self._stream.aclose()
