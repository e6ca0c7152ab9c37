"""A session given a client it cannot await is refused at construction, before anything is sent,
with a message naming the async client (the sync client used to send every input, then fail on await)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from unittest import mock

import httpx
import pytest

from leonardo_realtime_client import ConfigurationError, RealtimeCanvas
from leonardo_realtime_client._session import RealtimeSession
from leonardo_realtime_client._threaded_session import ThreadedRealtimeSession

from .fakes import FakeClient


def _recording_sync_client(seen: list[httpx.Request]) -> RealtimeCanvas:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    return RealtimeCanvas(api_key="k", transport=httpx.MockTransport(handler), max_retries=0)


def test_threaded_session_refuses_the_sync_client_before_sending() -> None:
    seen: list[httpx.Request] = []
    threads = threading.active_count()
    with _recording_sync_client(seen) as client, pytest.raises(ConfigurationError) as caught:
        ThreadedRealtimeSession(client, "refine", prompt="a castle")  # type: ignore[arg-type]
    message = str(caught.value)
    assert "use AsyncRealtimeCanvas(...) instead of RealtimeCanvas(...)" in message
    assert "nothing was sent" in message
    assert seen == []
    assert threading.active_count() == threads  # no event-loop thread left behind


def test_realtime_session_refuses_the_sync_client() -> None:
    seen: list[httpx.Request] = []

    async def main() -> None:
        with _recording_sync_client(seen) as client, pytest.raises(ConfigurationError, match="AsyncRealtimeCanvas"):
            RealtimeSession(client, "generate", prompt="x")  # type: ignore[arg-type]

    asyncio.run(main())
    assert seen == []


class _SyncDuck:
    def refine(self, image: Any, **kwargs: Any) -> object:
        return object()


class _AsyncCallable:
    async def __call__(self, image: Any, **kwargs: Any) -> object:
        return object()


class _Neither:
    pass


@pytest.mark.parametrize(
    ("client", "shown"),
    [
        (_SyncDuck(), "its refine() must be an async def, as AsyncRealtimeCanvas's is"),
        (mock.MagicMock(), "MagicMock.refine() is not a coroutine function"),
        (_Neither(), "needs an async client with a refine() method, such as AsyncRealtimeCanvas(...); got _Neither"),
    ],
)
def test_other_clients_that_cannot_be_awaited_are_refused(client: Any, shown: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ThreadedRealtimeSession(client, "refine", prompt="x")
    assert shown in str(caught.value)


@pytest.mark.parametrize("make", [FakeClient, mock.AsyncMock, lambda: mock.Mock(refine=_AsyncCallable())])
def test_async_clients_of_any_shape_are_accepted(make: Any) -> None:
    session = ThreadedRealtimeSession(make(), "refine", prompt="x")
    session.close()
    assert session.closed


# Later trial of issue 10: two more wrong clients that were accepted and then failed once per input.
@pytest.mark.parametrize("cls_name", ["AsyncRealtimeCanvas", "RealtimeCanvas"])
def test_the_client_class_instead_of_a_client_is_refused(cls_name: str) -> None:
    # AsyncRealtimeCanvas (no parentheses) passed the coroutine check; every input then failed, unsent, with
    # "TypeError: AsyncRealtimeCanvas.refine() missing 1 required positional argument: 'image'".
    import leonardo_realtime_client

    cls = getattr(leonardo_realtime_client, cls_name)
    with pytest.raises(ConfigurationError) as caught:
        ThreadedRealtimeSession(cls, "refine", prompt="x")
    assert str(caught.value) == (
        f"a realtime session needs a client object, not the class: pass {cls_name}(...), not {cls_name}"
    )


def test_a_closed_async_client_is_refused_but_one_whose_loop_ended_is_not() -> None:
    import io

    from PIL import Image

    from leonardo_realtime_client import AsyncRealtimeCanvas
    from leonardo_realtime_client.server import running_server

    closed = AsyncRealtimeCanvas(api_key="k", base_url="http://127.0.0.1:9/v1")
    asyncio.run(closed.aclose())
    with pytest.raises(ConfigurationError, match=r"this AsyncRealtimeCanvas is closed \(aclose\(\) or 'async with'"):
        ThreadedRealtimeSession(closed, "refine", prompt="x")

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 120, 150)).save(buffer, "JPEG")
    with running_server() as url:

        async def used(leave: bool) -> AsyncRealtimeCanvas:
            client = AsyncRealtimeCanvas(api_key="k", base_url=url, max_retries=0)
            if leave:
                async with client:
                    await client.refine(buffer.getvalue(), prompt="x")
            else:
                await client.refine(buffer.getvalue(), prompt="x")  # its pool closes with this loop
            return client

        with pytest.raises(ConfigurationError, match="is closed"):  # 'async with' closed it
            ThreadedRealtimeSession(asyncio.run(used(leave=True)), "refine", prompt="x")
        client = asyncio.run(used(leave=False))
        assert client.http_client.is_closed  # closed with its loop, yet the client is usable: accepted
        with ThreadedRealtimeSession(client, "refine", prompt="x", close_client=True) as session:
            session.submit(buffer.getvalue())
            event = next(iter(session.events(timeout=30)))
        assert type(event).__name__ == "SessionResult"
