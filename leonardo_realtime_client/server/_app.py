"""The local server as an ASGI application (starlette), for uvicorn or any ASGI test client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from ._config import ServerConfig
from ._handler import CanvasHandler

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = ["create_app"]


class _Endpoint:
    """Raw ASGI so that a dropped connection can be faked: headers promised, body never sent."""

    def __init__(self, handler: CanvasHandler) -> None:
        self.handler = handler

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        limit = self.handler.config.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                return None
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        body = await self._body(scope, receive)
        # Pillow releases the GIL: image work in a worker thread keeps the event loop serving other requests.
        reply = await run_in_threadpool(self.handler.handle, scope["method"], scope["path"], headers, body)
        if reply.delay > 0:
            await self.handler.config.async_sleep(reply.delay)
        if reply.drop:
            # Promise one byte, send none, return: uvicorn closes the connection mid-response.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
            return
        raw: list[tuple[bytes, bytes]] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
        raw.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": raw})
        await send({"type": "http.response.body", "body": reply.body})


def create_app(config: ServerConfig | None = None, *, handler: CanvasHandler | None = None) -> Starlette:
    """A starlette app serving the four operations under ``/api/rest/v1`` (every other path gets 404).

    Pass ``handler`` to share one handler (its fault plan and request log) with a ``LocalTransport``.
    """
    handler = handler if handler is not None else CanvasHandler(config)
    app = Starlette(routes=[Route("/{path:path}", _Endpoint(handler), methods=None)])
    state: Any = app.state
    state.handler = handler
    return app
