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
