"""The local server as an httpx transport: no socket, no thread, for both ``httpx.Client`` and ``httpx.AsyncClient``."""

from __future__ import annotations

import httpx

from ._config import LOCAL_BASE_PATH, ServerConfig
from ._handler import CanvasHandler, RecordedRequest, Reply

__all__ = ["IN_PROCESS_BASE_URL", "LocalTransport"]

IN_PROCESS_BASE_URL = "http://realtime-canvas.localhost" + LOCAL_BASE_PATH
"""A base URL for clients on a ``LocalTransport`` (any host works; ``*.localhost`` is loopback by RFC 6761)."""


class LocalTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers requests with the local server's handler, in the calling thread or task.

    Behaves like the HTTP server on the wire: same status codes, headers and bodies. Latency is waited out with
    ``ServerConfig.sleep`` (sync) or ``ServerConfig.async_sleep`` (async); a delay longer than the request's
    read timeout waits the timeout and raises ``httpx.ReadTimeout``; a dropped connection raises
    ``httpx.RemoteProtocolError``, as httpx does for a real server that hangs up.

    ``transport.requests`` lists what the server saw, for assertions. The async path renders in a worker thread,
    so concurrent requests overlap as they would against a real server.
    """

    base_url = IN_PROCESS_BASE_URL

    def __init__(self, config: ServerConfig | None = None, *, handler: CanvasHandler | None = None) -> None:
        self.handler = handler if handler is not None else CanvasHandler(config)
        self.config = self.handler.config

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.handler.requests

    def _reply(self, request: httpx.Request, body: bytes) -> tuple[Reply, float, bool]:
        """The reply, how long to wait, and whether the wait ends in a read timeout."""
        reply = self.handler.handle(request.method, request.url.path, request.headers, body)
        read_timeout = request.extensions.get("timeout", {}).get("read")
        if read_timeout is not None and reply.delay > read_timeout:
            return reply, read_timeout, True
        return reply, reply.delay, False

    @staticmethod
    def _response(request: httpx.Request, reply: Reply, timed_out: bool) -> httpx.Response:
        if timed_out:
            raise httpx.ReadTimeout("timed out", request=request)
        if reply.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(reply.status, headers=list(reply.headers), content=reply.body, request=request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply, wait, timed_out = self._reply(request, request.read())
        if wait > 0:
            self.config.sleep(wait)
        return self._response(request, reply, timed_out)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import anyio.to_thread  # httpx depends on anyio; loaded by the async client already

        body = await request.aread()
        # Image work runs in a worker thread (Pillow releases the GIL), so the caller's event loop never blocks.
        reply, wait, timed_out = await anyio.to_thread.run_sync(self._reply, request, body)
        if wait > 0:
            await self.config.async_sleep(wait)
        return self._response(request, reply, timed_out)
