"""At 64 concurrent async calls, at least 90 % of requests reuse a connection.

httpx's default pool (httpcore 1.0) closes every idle connection once more than 20 are open, so at 64 in
flight nearly every request opened a new connection. The clients now use ``_pool`` (small pools, least busy
first). Nothing sleeps: the local server on 127.0.0.1 holds each answer at an ``asyncio.Barrier`` until all 64
requests of a round have arrived, so exactly 64 are in flight at once, round after round. New connections are
counted where httpcore opens them (``AutoBackend.connect_tcp``, wrapped for the test), so neither client is
given an event hook (one would put ours back on httpx's full ``send`` path instead of ``_direct``'s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from httpcore._backends.auto import AutoBackend

from leonardo_realtime_client import AsyncRealtimeCanvas, LeonardoError, RealtimeCanvas
from leonardo_realtime_client._pool import MAX_SHARDS, SHARD_SIZE, AsyncShardedTransport, ShardedTransport, _Shards
from leonardo_realtime_client.server import Latency, ServerConfig, running_server
from tests.server.conftest import AUTH, data_url, jpeg_bytes, scene

CONCURRENT = 64
ROUNDS = 3  # the first opens the connections; the next two should reuse them


class _RoundGate:
    """The server's ``async_sleep``: every answer waits until `parties` requests are waiting (no clock)."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self._barrier: asyncio.Barrier | None = None

    async def __call__(self, seconds: float) -> None:
        if self._barrier is None:  # made in the server's own event loop
            self._barrier = asyncio.Barrier(self.parties)
        await self._barrier.wait()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    config = ServerConfig(latency=Latency(fixed=0.2), async_sleep=_RoundGate(CONCURRENT), history=0)
    with running_server(config) as url:
        yield url


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.connects = 0
        self.requests = 0
        real = AutoBackend.connect_tcp

        async def connect_tcp(backend: AutoBackend, *args: Any, **kwargs: Any) -> Any:
            self.connects += 1
            return await real(backend, *args, **kwargs)

        monkeypatch.setattr(AutoBackend, "connect_tcp", connect_tcp)

    async def counted(self, call: Awaitable[object]) -> None:
        self.requests += 1
        await call


async def _rounds(send: Callable[[], Awaitable[object]], counter: _Counter) -> list[tuple[int, int]]:
    """(requests, new connections) per round of `CONCURRENT` calls in flight at once."""
    per_round: list[tuple[int, int]] = []
    for _ in range(ROUNDS):
        before = (counter.requests, counter.connects)
        calls = (counter.counted(send()) for _ in range(CONCURRENT))
        await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
        per_round.append((counter.requests - before[0], counter.connects - before[1]))
    return per_round


def _reuse_after_first_round(per_round: list[tuple[int, int]]) -> float:
    requests = sum(r for r, _ in per_round[1:])
    connects = sum(c for _, c in per_round[1:])
    return 1 - connects / requests


def test_64_concurrent_calls_reuse_their_connections(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    image = jpeg_bytes(scene((64, 64)))
    counter = _Counter(monkeypatch)

    async def go() -> list[tuple[int, int]]:
        async with AsyncRealtimeCanvas(api_key="k", base_url=base_url, max_retries=0) as canvas:
            assert canvas._direct_sender() is not None  # the path calls take
            return await _rounds(lambda: canvas.generate(image, prompt="p"), counter)

    per_round = asyncio.run(go())
    assert per_round[0] == (CONCURRENT, CONCURRENT)  # all 64 really were in flight at once
    assert _reuse_after_first_round(per_round) >= 0.9, per_round


def test_the_count_sees_httpx_default_pool_drop_connections(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a plain httpx.AsyncClient (default limits) reopens almost every connection."""
    counter = _Counter(monkeypatch)
    body = {"imageDataUrl": data_url(jpeg_bytes(scene((64, 64)))), "prompt": "p"}

    async def go() -> list[tuple[int, int]]:
        async with httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=60) as client:

            async def send() -> None:
                (await client.post("/generations-lcm", json=body)).raise_for_status()

            return await _rounds(send, counter)

    per_round = asyncio.run(go())
    assert per_round[0] == (CONCURRENT, CONCURRENT)
    assert _reuse_after_first_round(per_round) < 0.5, per_round


def test_the_clients_use_the_pool_unless_given_a_transport() -> None:
    with RealtimeCanvas(api_key="k", base_url="http://127.0.0.1:9") as sync:
        mounted = sync.http_client._mounts  # httpx keeps mounts by URL pattern
        assert any(isinstance(t, ShardedTransport) for t in mounted.values())
    mine = httpx.MockTransport(lambda request: httpx.Response(500))
    with RealtimeCanvas(api_key="k", base_url="http://127.0.0.1:9", transport=mine) as given:
        assert not any(isinstance(t, ShardedTransport) for t in given.http_client._mounts.values())

    async def check() -> None:
        async with AsyncRealtimeCanvas(api_key="k", base_url="http://127.0.0.1:9") as canvas:
            assert any(isinstance(t, AsyncShardedTransport) for t in canvas.http_client._mounts.values())

    asyncio.run(check())


def test_shards_fill_least_busy_first_and_stop_at_the_limit() -> None:
    made: list[object] = []

    def make(ctx: object) -> object:
        made.append(ctx)
        return ctx

    shards = _Shards(make)
    first = [shards.acquire() for _ in range(SHARD_SIZE)]
    assert first == [0] * SHARD_SIZE  # light use stays on one pool
    assert len(made) == 1
    assert shards.acquire() == 1  # the first is full: a second pool
    shards.release(0)
    assert shards.acquire() == 0  # the first pool with room (and so a warm idle connection) comes first
    assert shards.acquire() == 1
    for _ in range(SHARD_SIZE * MAX_SHARDS):
        shards.acquire()
    assert len(made) == MAX_SHARDS  # beyond the limit requests wait in the least busy pool
    assert max(shards.busy) - min(shards.busy) <= 1


def test_the_sync_pool_releases_every_request_from_many_threads(base_url: str) -> None:
    """Threads share one sync client: every finished request gives its slot back (none leak), and a pool
    that is never full does not grow a second one."""
    from concurrent.futures import ThreadPoolExecutor

    image = jpeg_bytes(scene((64, 64)))
    # This module's server answers a round only once 64 requests wait at its barrier: 64 threads at once.
    with RealtimeCanvas(api_key="k", base_url=base_url, max_retries=0) as canvas:
        pool = next(t for t in canvas.http_client._mounts.values() if isinstance(t, ShardedTransport))
        with ThreadPoolExecutor(CONCURRENT) as threads:
            list(threads.map(lambda _: canvas.generate(image, prompt="p"), range(CONCURRENT)))
        assert pool._shards.busy == [0] * len(pool.pools)
        assert len(pool.pools) == -(-CONCURRENT // SHARD_SIZE)


def test_a_failed_request_gives_its_slot_back() -> None:
    """A connection error inside a pool must not leave the slot counted as busy."""
    import socket

    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def go() -> list[int]:
        async with AsyncRealtimeCanvas(api_key="k", base_url=f"http://127.0.0.1:{port}", max_retries=0) as canvas:
            pool = next(t for t in canvas.http_client._mounts.values() if isinstance(t, AsyncShardedTransport))
            for _ in range(3):
                with pytest.raises(LeonardoError):
                    await canvas.generate(jpeg_bytes(scene((64, 64))), prompt="p")
            return pool._shards.busy

    assert asyncio.run(go()) == [0]
