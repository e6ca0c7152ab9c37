"""RealtimeSession end to end: the real AsyncRealtimeCanvas against the in-process local server.

The server's latency is a gate the test opens (its ``async_sleep``), and the session's clock is a fake:
nothing sleeps for real. Waits are on events, bounded by ``anyio.fail_after`` so a bug fails fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import pytest

from leonardo_realtime_client import (
    AsyncRealtimeCanvas,
    InternalServerError,
    RateLimitError,
    RealtimeResult,
    RetryPolicy,
)
from leonardo_realtime_client._session import (
    BudgetExhausted,
    RealtimeSession,
    SessionError,
    SessionEvent,
    SessionResult,
)
from leonardo_realtime_client.server import Faults, Latency, LocalTransport, ServerConfig

from .fakes import FakeClock

pytestmark = pytest.mark.anyio

PRICE = Decimal("0.0147")  # the local server's default for a 512x512 generation


def tiny_jpeg(shade: int = 30) -> bytes:
    """An 8x8 JPEG; another ``shade`` gives another input (identical inputs are not sent twice)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, shade)).save(out, "JPEG")
    return out.getvalue()


class LatencyGate:
    """The server's latency: each request waits here until the test releases it."""

    def __init__(self) -> None:
        self.waiting: list[asyncio.Future[None]] = []
        self._arrived = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        self._arrived.set()
        await future

    async def arrivals(self, count: int) -> None:
        with anyio.fail_after(10):
            while len(self.waiting) < count:
                self._arrived.clear()
                await self._arrived.wait()

    def release(self, index: int) -> None:
        self.waiting[index].set_result(None)


class Rig:
    def __init__(self, faults: Faults | None = None) -> None:
        self.gate = LatencyGate()
        self.clock = FakeClock()
        self.events: list[SessionEvent[RealtimeResult]] = []
        self.delivered = asyncio.Event()
        config = ServerConfig(latency=Latency(fixed=0.25), async_sleep=self.gate.sleep, faults=faults or Faults())
        self.transport = LocalTransport(config)
        self.client = AsyncRealtimeCanvas(
            api_key="local-test-key",
            base_url=self.transport.base_url,
            transport=self.transport,
            max_retries=0,
            retry_policy=RetryPolicy(async_sleep=self._no_retry_sleep),
        )

    @staticmethod
    async def _no_retry_sleep(seconds: float) -> None:
        raise AssertionError(f"the client tried to wait {seconds} s before a retry; max_retries is 0")

    def on_event(self, event: SessionEvent[RealtimeResult]) -> None:
        self.events.append(event)
        self.delivered.set()

    def session(self, **options: Any) -> RealtimeSession[RealtimeResult]:
        return RealtimeSession(
            self.client,
            "generate",
            prompt="a castle on a hill",
            style="DYNAMIC",
            clock=self.clock,
            sleep=self.clock.sleep,
            on_event=self.on_event,
            **options,
        )

    async def events_count(self, count: int) -> None:
        with anyio.fail_after(10):
            while len(self.events) < count:
                self.delivered.clear()
                await self.delivered.wait()

    def sent_timestamps(self) -> list[str | None]:
        return [r.body.get("requestTimestamp") if isinstance(r.body, dict) else None for r in self.transport.requests]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    rig = Rig()
    async with rig.client:
        yield rig


async def test_coalescing_against_the_local_server(rig: Rig) -> None:
    async with rig.session() as session:
        first = session.submit(tiny_jpeg(0))
        await rig.gate.arrivals(1)
        stamps = [session.submit(tiny_jpeg(shade)) for shade in range(10, 60, 10)]
        rig.gate.release(0)
        await rig.gate.arrivals(2)
        rig.gate.release(1)
        await rig.events_count(2)
        await session.flush()
        stats = session.stats()
    assert rig.sent_timestamps() == [first, stamps[-1]]
    assert (stats.sent, stats.coalesced, stats.delivered, stats.cost) == (2, 4, 2, 2 * PRICE)
    results = [e for e in rig.events if isinstance(e, SessionResult)]
    assert [e.result.request_timestamp for e in results] == [first, stamps[-1]]
    assert results[0].result.image[:2] == b"\xff\xd8"  # a real JPEG from the server


async def test_out_of_order_responses_are_dropped(rig: Rig) -> None:
    async with rig.session(max_in_flight=3) as session:
        for count in (1, 2, 3):
            session.submit(tiny_jpeg(count * 10))
            await rig.gate.arrivals(count)
        rig.gate.release(2)  # the newest answers first
        await rig.events_count(1)
        rig.gate.release(0)
        rig.gate.release(1)
        await session.flush()
        stats = session.stats()
    assert [e.seq for e in rig.events if isinstance(e, SessionResult)] == [3]
    assert (stats.delivered, stats.dropped_stale, stats.cost) == (1, 2, 3 * PRICE)


async def test_a_server_error_is_an_event_and_the_next_input_still_gets_through() -> None:
    rig = Rig(Faults(script=["server_error"]))
    async with rig.client, rig.session() as session:
        session.submit(tiny_jpeg())
        await rig.gate.arrivals(1)
        rig.gate.release(0)
        await rig.events_count(1)
        session.submit(tiny_jpeg())
        await rig.gate.arrivals(2)
        rig.gate.release(1)
        await rig.events_count(2)
        assert session.stats().errors == 1
    error, result = rig.events
    assert isinstance(error, SessionError)
    assert isinstance(error.error, InternalServerError)
    assert isinstance(result, SessionResult)


async def test_a_429_pauses_the_session_for_the_servers_retry_after_then_resends() -> None:
    rig = Rig(Faults(script=["rate_limit"], retry_after=1.5))
    async with rig.client, rig.session() as session:
        stamp = session.submit(tiny_jpeg())
        await rig.gate.arrivals(1)
        rig.gate.release(0)
        await rig.events_count(1)
        error = rig.events[0]
        assert isinstance(error, SessionError)
        assert isinstance(error.error, RateLimitError)
        assert error.backoff == 1.5
        assert len(rig.transport.requests) == 1
        rig.clock.advance(1.5)
        await rig.gate.arrivals(2)
        rig.gate.release(1)
        await rig.events_count(2)
        assert len(rig.transport.requests) == 2
        assert rig.sent_timestamps()[-1] == stamp  # the same input, sent again
        assert isinstance(rig.events[1], SessionResult)


async def test_the_budget_stops_sending(rig: Rig) -> None:
    async with rig.session(budget="0.04") as session:
        for index in range(2):
            session.submit(tiny_jpeg(index * 10))
            await rig.gate.arrivals(index + 1)
            rig.gate.release(index)
            await session.flush()
        session.submit(tiny_jpeg(90))  # 0.0294 spent; one more (0.0441) would exceed 0.04
        await rig.events_count(3)
        assert session.budget_exhausted
    notice = rig.events[-1]
    assert isinstance(notice, BudgetExhausted)
    assert notice.spent == 2 * PRICE
    assert notice.unit == "DOLLARS"
    assert len(rig.transport.requests) == 2


async def test_close_cancels_the_request_at_the_server_and_leaves_no_task(rig: Rig) -> None:
    before = asyncio.all_tasks()
    session = rig.session()
    session.submit(tiny_jpeg())
    await rig.gate.arrivals(1)
    await session.aclose()
    assert asyncio.all_tasks() == before
    assert rig.gate.waiting[0].cancelled()  # the server-side wait was cancelled with the request
    assert session.stats().cancelled == 1
