"""One AsyncRealtimeCanvas used from successive asyncio.run() calls works on each, and aclose()
closes cleanly from any loop. Against a real 127.0.0.1 server: in-process transports have no loop-bound sockets.
Warnings are errors here, so a connection left open on a dead loop (a ResourceWarning) fails the test."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator

import httpx
import pytest

from leonardo_realtime_client import AsyncRealtimeCanvas, ConfigurationError, LeonardoError
from leonardo_realtime_client._event_loops import closed_loop_error
from leonardo_realtime_client.server import running_server

from .conftest import API_KEY, make_jpeg

IMAGE = make_jpeg((16, 16))


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with running_server() as url:
        yield url


def _client(url: str) -> AsyncRealtimeCanvas:
    return AsyncRealtimeCanvas(api_key=API_KEY, base_url=url, max_retries=0)


def test_three_successive_asyncio_runs_and_aclose(server_url: str) -> None:
    # The example: every second call failed with "RuntimeError: Event loop is closed", and so did aclose().
    client = _client(server_url)
    for _ in range(3):
        result = asyncio.run(client.refine(IMAGE, prompt="a lighthouse"))
        assert result.image.startswith(b"\xff\xd8")
    asyncio.run(client.aclose())
    gc.collect()  # a socket left open on a closed loop would warn now


def test_the_first_loops_connections_are_closed_when_it_ends(server_url: str) -> None:
    client = _client(server_url)
    asyncio.run(client.generate(IMAGE, prompt="x"))
    first = client.http_client
    assert first.is_closed  # closed on its own loop as asyncio.run() shut it down
    asyncio.run(client.generate(IMAGE, prompt="x"))
    assert client.http_client is not first
    asyncio.run(client.aclose())
    assert client.http_client.is_closed


def test_aclose_from_any_loop_and_calls_after_it(server_url: str) -> None:
    never_used = _client(server_url)
    asyncio.run(never_used.aclose())
    asyncio.run(never_used.aclose())  # idempotent
    used = _client(server_url)
    asyncio.run(used.refine(IMAGE, prompt="x"))
    asyncio.run(used.aclose())
    with pytest.raises(ConfigurationError, match="is closed"):
        asyncio.run(used.refine(IMAGE, prompt="x"))


def test_many_calls_inside_one_run_then_another_run(server_url: str) -> None:
    client = _client(server_url)

    async def burst() -> int:
        results = await asyncio.gather(*(client.refine(IMAGE, prompt=f"p{i}") for i in range(4)))
        return len(results)

    assert asyncio.run(burst()) == 4
    assert asyncio.run(burst()) == 4

    async def close_inside() -> None:
        async with client:
            await client.refine(IMAGE, prompt="x")

    asyncio.run(close_inside())
    assert client.http_client.is_closed


def test_two_loops_running_at_once_get_a_clear_error(server_url: str) -> None:
    client = _client(server_url)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(client.refine(IMAGE, prompt="x"), loop).result(timeout=60)
        with pytest.raises(LeonardoError, match="create one AsyncRealtimeCanvas per event loop"):
            asyncio.run(client.refine(IMAGE, prompt="x"))
        asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=60)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=60)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def test_a_closed_loop_under_a_callers_own_transport_is_explained() -> None:
    clear = closed_loop_error(RuntimeError("Event loop is closed"))
    assert clear is not None
    assert "create it inside the same asyncio.run()" in str(clear)
    assert closed_loop_error(RuntimeError("something else")) is None


def test_what_was_set_on_the_http_client_carries_over_to_the_next_loops_pool(server_url: str) -> None:
    """The pool is made anew for each loop (above); what the caller set on ``client.http_client`` goes with it:
    headers, cookies (a load balancer's sticky cookie), event hooks, query parameters, redirects. They were dropped
    at the second ``asyncio.run()``, and with the hooks gone the calls took the direct way past them."""
    seen: list[tuple[str | None, str | None, str | None]] = []

    async def record(request: httpx.Request) -> None:
        seen.append((request.headers.get("x-tag"), request.headers.get("cookie"), request.url.params.get("tag")))

    client = _client(server_url)

    async def first() -> None:
        http = client.http_client
        http.headers["X-Tag"] = "canvas-7"
        http.cookies.set("sticky", "node-2")
        http.params = httpx.QueryParams({"tag": "run"})
        http.event_hooks["request"].append(record)
        http.follow_redirects = True
        await client.generate(IMAGE, prompt="x")

    asyncio.run(first())
    old = client.http_client
    asyncio.run(client.generate(IMAGE, prompt="x"))
    assert client.http_client is not old, "a new pool for the new loop"
    assert seen == [("canvas-7", "sticky=node-2", "run")] * 2
    assert client.http_client.event_hooks["request"] == [record]
    assert client.http_client.follow_redirects is True
    asyncio.run(client.aclose())
