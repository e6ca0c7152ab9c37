"""RealtimeSession scheduling, driven by a fake client and a fake clock: nothing sleeps for real.

Over 500 lines because it is one scenario per scheduling rule of one class, sharing its fakes; split by rule
when a rule grows its own fixtures.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import httpx
import pytest

from leonardo_realtime_client import APIConnectionError, APIResponseError, RateLimitError
from leonardo_realtime_client._session import (
    BudgetExhausted,
    RealtimeSession,
    SessionClosedError,
    SessionError,
    SessionEvent,
    SessionResult,
    SessionStats,
)

from .fakes import FakeClient, FakeClock, FakeResult, settle

pytestmark = pytest.mark.anyio

Event = SessionEvent[FakeResult]


def check_invariants(stats: SessionStats) -> None:
    assert stats.submitted == (
        stats.sent - stats.requeued + stats.coalesced + stats.unsent + stats.pending + stats.identical
    )
    assert stats.sent == stats.delivered + stats.dropped_stale + stats.errors + stats.cancelled + stats.in_flight


def rate_limited(retry_after: float | None) -> RateLimitError:
    response = httpx.Response(429, request=httpx.Request("POST", "https://example.test/api/rest/v1/generations-lcm"))
    return RateLimitError("too many requests", response=response, body=None, retry_after=retry_after)


def make_session(
    client: FakeClient, clock: FakeClock, events: list[Event] | None = None, **options: object
) -> RealtimeSession[FakeResult]:
    sink = events if events is not None else []
    return RealtimeSession(
        client,
        str(options.pop("operation", "generate")),
        prompt="a castle",
        clock=clock,
        sleep=clock.sleep,
        on_event=sink.append,
        **options,  # type: ignore[arg-type]
    )


async def test_inputs_submitted_in_one_go_send_only_the_last() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock) as session:
        for image in (b"A", b"B", b"C"):
            session.submit(image)
        await settle()
        assert [c.image for c in client.calls] == [b"C"]
        assert session.stats().coalesced == 2


async def test_latest_input_wins_and_replaced_inputs_are_never_sent() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events) as session:
        first = session.submit(b"A")
        await settle()
        for image in (b"B", b"C", b"D"):  # while A is in flight
            session.submit(image)
        await settle()
        assert [c.image for c in client.calls] == [b"A"]
        client.calls[0].answer()
        await settle()
        assert [c.image for c in client.calls] == [b"A", b"D"]
        client.calls[1].answer()
        await settle()

        stats = session.stats()
        assert (stats.submitted, stats.sent, stats.coalesced, stats.delivered) == (4, 2, 2, 2)
        assert [e.result.request_timestamp for e in events if isinstance(e, SessionResult)] == [
            first,
            client.calls[1].timestamp,
        ]
        assert client.calls[0].kwargs == {"prompt": "a castle", "request_timestamp": first}
        check_invariants(stats)


async def test_request_timestamps_are_increasing_decimal_strings_that_encode_the_input_number() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock) as session:
        stamps = [session.submit(b"x") for _ in range(5)]
    numbers = [int(s) for s in stamps]
    assert all(s.isdigit() for s in stamps)
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5
    assert [divmod(n, 1_000_000)[1] for n in numbers] == [1, 2, 3, 4, 5]


async def test_at_most_max_in_flight_requests_run_and_the_rest_coalesce() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock, max_in_flight=2) as session:
        for image in (b"A", b"B", b"C", b"D"):
            session.submit(image)
            await settle()
        assert [c.image for c in client.open_calls] == [b"A", b"B"]
        client.calls[1].answer()
        await settle()
        assert [c.image for c in client.open_calls] == [b"A", b"D"]
        assert session.stats().coalesced == 1
        check_invariants(session.stats())


async def test_responses_older_than_the_newest_delivered_result_are_dropped() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, max_in_flight=3) as session:
        for image in (b"A", b"B", b"C"):
            session.submit(image)
            await settle()
        a, b, c = client.calls
        b.answer()
        await settle()
        c.answer()
        a.answer()  # arrives last: older than C, already shown
        await settle()
        stats = session.stats()
        delivered = [e.seq for e in events if isinstance(e, SessionResult)]
        assert delivered == [2, 3]
        assert (stats.delivered, stats.dropped_stale) == (2, 1)
        assert stats.cost == Decimal("0.03")  # the dropped one was paid for too
        assert session.latest is not None
        assert session.latest.seq == 3
        check_invariants(stats)


async def test_a_response_echoing_another_request_timestamp_is_an_error_not_a_result() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer(echo="999")
        await settle()
        assert len(events) == 1
        assert isinstance(events[0], SessionError)
        assert isinstance(events[0].error, APIResponseError)
        assert "'999'" in str(events[0].error)
        assert session.stats().delivered == 0
        assert session.stats().errors == 1


async def test_a_response_without_a_timestamp_is_accepted() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer(echo=None)
        await settle()
        assert [type(e) for e in events] == [SessionResult]


async def test_an_error_is_an_event_and_the_session_goes_on() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].fail(APIConnectionError("connection reset"))
        await settle()
        session.submit(b"B")
        await settle()
        client.calls[1].answer()
        await settle()
        assert [type(e) for e in events] == [SessionError, SessionResult]
        error = events[0]
        assert isinstance(error, SessionError)
        assert error.backoff is None
        assert error.seq == 1
        stats = session.stats()
        assert (stats.errors, stats.delivered, stats.rate_limited) == (1, 1, 0)
        check_invariants(stats)


async def test_max_retries_and_timeout_are_passed_through_to_the_client() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock, max_retries=0, timeout=3.0, style="ANIME") as session:
        session.submit(b"A", prompt="a ship", strength=0.4)
        await settle()
        kwargs = client.calls[0].kwargs
        assert kwargs["max_retries"] == 0
        assert kwargs["timeout"] == 3.0
        assert (kwargs["prompt"], kwargs["strength"], kwargs["style"]) == ("a ship", 0.4, "ANIME")
        assert session.params["prompt"] == "a castle"  # overrides are per input


async def test_a_429_pauses_the_whole_session_for_retry_after() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, max_in_flight=2) as session:
        session.submit(b"A")
        await settle()
        session.submit(b"B")
        await settle()
        client.calls[0].fail(rate_limited(retry_after=2.0))
        await settle()
        session.submit(b"C")  # replaces nothing in flight: B still runs
        await settle()
        assert [c.image for c in client.calls] == [b"A", b"B"]  # a free slot, but paused
        assert session.paused_until == pytest.approx(clock.now + 2.0)
        clock.advance(1.9)
        await settle()
        assert len(client.calls) == 2
        clock.advance(0.1)
        await settle()
        assert [c.image for c in client.calls] == [b"A", b"B", b"C"]
        assert session.paused_until is None
        error = events[0]
        assert isinstance(error, SessionError)
        assert error.backoff == 2.0
        assert isinstance(error.error, RateLimitError)
        assert session.stats().rate_limited == 1
        check_invariants(session.stats())


async def test_after_a_429_the_newest_input_is_sent_again_when_the_pause_ends() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events) as session:
        stamp = session.submit(b"A")
        await settle()
        client.calls[0].fail(rate_limited(retry_after=None))  # no Retry-After: 1 s, then 2 s, …
        await settle()
        assert len(client.calls) == 1
        clock.advance(1.0)
        await settle()
        assert [c.timestamp for c in client.calls] == [stamp, stamp]
        client.calls[1].fail(rate_limited(retry_after=None))
        await settle()
        clock.advance(1.0)
        await settle()
        assert len(client.calls) == 2  # the second pause is 2 s
        clock.advance(1.0)
        await settle()
        client.calls[2].answer()
        await settle()
        assert [e.backoff for e in events if isinstance(e, SessionError)] == [1.0, 2.0]
        stats = session.stats()
        assert (stats.sent, stats.requeued, stats.delivered, stats.errors) == (3, 2, 1, 2)
        check_invariants(stats)


async def test_the_minimum_interval_throttles_sending() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock, min_interval=0.5) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer()
        await settle()
        clock.advance(0.2)
        session.submit(b"B")
        await settle()
        assert len(client.calls) == 1
        assert clock.sleeps[-1] == pytest.approx(0.3)
        clock.advance(0.3)
        await settle()
        assert [c.image for c in client.calls] == [b"A", b"B"]


async def test_the_budget_stops_sending_before_it_would_be_exceeded_and_says_so() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, budget="0.025") as session:
        for image in (b"first", b"second"):
            session.submit(image)
            await settle()
            client.calls[-1].answer(cost=Decimal("0.01"))
            await settle()
        assert not session.budget_exhausted
        session.submit(b"third")  # 0.02 spent + ~0.01 would pass 0.025
        await settle()
        assert len(client.calls) == 2
        assert session.budget_exhausted
        notice = events[-1]
        assert isinstance(notice, BudgetExhausted)
        assert (notice.spent, notice.budget, notice.next_cost) == (Decimal("0.02"), Decimal("0.025"), Decimal("0.01"))
        assert "budget reached" in str(notice)
        assert "DOLLARS" in str(notice)
        session.submit(b"fourth")
        await settle()
        stats = session.stats()
        assert len(client.calls) == 2
        assert (stats.unsent, stats.cost, stats.budget_exhausted) == (2, Decimal("0.02"), True)
        check_invariants(stats)


async def test_the_budget_waits_for_in_flight_costs_before_deciding() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, budget=Decimal("0.035"), max_in_flight=2) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer(cost=Decimal("0.01"))
        await settle()
        session.submit(b"B")
        await settle()
        session.submit(b"C")  # 0.01 + 2 * 0.01 ≤ 0.035: may run alongside B
        await settle()
        assert len(client.open_calls) == 2
        session.submit(b"D")  # slots full anyway
        client.calls[1].answer(cost=Decimal("0.01"))
        await settle()
        # 0.02 spent, C in flight (~0.01): one more would make 0.04 > 0.035, so D waits for C's cost
        assert len(client.calls) == 3
        assert not session.budget_exhausted
        client.calls[2].answer(cost=Decimal("0.01"))
        await settle()
        assert session.budget_exhausted
        assert len(client.calls) == 3
        assert isinstance(events[-1], BudgetExhausted)


async def test_with_a_budget_no_second_request_starts_before_a_cost_is_known() -> None:
    # Before any response the cost of a request is unknown: with max_in_flight=4 and a budget for one
    # request, firing four at once would pay four times the budget.
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, budget="0.01", max_in_flight=4) as session:
        for image in (b"A", b"B", b"C"):
            session.submit(image)
            await settle()
        assert len(client.calls) == 1
        client.calls[0].answer(cost=Decimal("0.01"))
        await settle()
        assert len(client.calls) == 1
        assert session.budget_exhausted
        stats = session.stats()
        assert stats.cost == Decimal("0.01")
        check_invariants(stats)


async def test_a_response_that_spends_the_budget_says_so_at_once() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, budget=0.01) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer(cost=Decimal("0.01"))
        await settle()
        assert [type(e) for e in events] == [SessionResult, BudgetExhausted]
        assert session.stats().budget == Decimal("0.01")


async def test_close_cancels_in_flight_work_and_leaves_no_task_behind() -> None:
    client, clock = FakeClient(), FakeClock()
    before = asyncio.all_tasks()
    session = make_session(client, clock, min_interval=0.5)
    session.submit(b"A")
    await settle()
    session.submit(b"B")  # pending
    await settle()
    assert len(asyncio.all_tasks() - before) == 2  # the dispatcher and A's request
    await session.aclose()
    assert asyncio.all_tasks() == before
    assert client.calls[0].cancelled
    stats = session.stats()
    assert (stats.cancelled, stats.unsent, stats.in_flight, stats.pending) == (1, 1, 0, 0)
    check_invariants(stats)
    with pytest.raises(SessionClosedError, match="closed"):
        session.submit(b"C")
    await session.aclose()  # idempotent


async def test_close_while_paused_by_the_throttle_leaves_no_task_behind() -> None:
    client, clock = FakeClient(), FakeClock()
    before = asyncio.all_tasks()
    async with make_session(client, clock, min_interval=10.0) as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer()
        await settle()
        session.submit(b"B")
        await settle()
        assert clock.sleeps  # the dispatcher is waiting on the clock
    assert asyncio.all_tasks() == before
    assert session.stats().unsent == 1


async def test_the_async_iterator_yields_events_in_order_and_ends_at_close() -> None:
    client, clock = FakeClient(), FakeClock()
    session: RealtimeSession[FakeResult] = RealtimeSession(client, "refine", prompt="p", clock=clock, sleep=clock.sleep)
    seen: list[Event] = []

    async def consume() -> None:
        async for event in session:
            seen.append(event)

    async with session:
        consumer = asyncio.get_running_loop().create_task(consume())
        session.submit(b"A")
        await settle()
        client.calls[0].fail(APIConnectionError("down"))
        session.submit(b"B")
        await settle()
        client.calls[1].answer()
        await settle()
        assert [type(e) for e in seen] == [SessionError, SessionResult]
        assert client.calls[1].operation == "refine"
    await consumer  # ends by itself once the session is closed
    assert len(seen) == 2


async def test_unread_events_are_bounded_and_the_overflow_is_counted() -> None:
    client, clock = FakeClient(), FakeClock()
    async with RealtimeSession(
        client, "generate", prompt="p", clock=clock, sleep=clock.sleep, max_buffered_events=2
    ) as session:
        for image in (b"A", b"B", b"C"):
            session.submit(image)
            await settle()
            client.calls[-1].answer()
            await settle()
        assert session.stats().events_overflowed == 1
        seqs = []
        async for event in session.events():
            assert isinstance(event, SessionResult)
            seqs.append(event.seq)
            if len(seqs) == 2:
                break
        assert seqs == [2, 3]


async def test_without_a_buffer_the_iterator_refuses_clearly() -> None:
    async with RealtimeSession(FakeClient(), "generate", prompt="p", max_buffered_events=0) as session:
        with pytest.raises(RuntimeError, match="on_event"):
            session.events()


async def test_a_failing_callback_is_logged_and_the_session_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    client, clock = FakeClient(), FakeClock()

    def explode(event: Event) -> None:
        raise ValueError("ui gone")

    async with RealtimeSession(client, "generate", prompt="p", clock=clock, sleep=clock.sleep, on_event=explode) as s:
        with caplog.at_level(logging.ERROR, logger="leonardo_realtime_client.session"):
            s.submit(b"A")
            await settle()
            client.calls[0].answer()
            await settle()
        s.submit(b"B")
        await settle()
        assert len(client.calls) == 2
        assert "on_event callback raised" in caplog.text
        assert s.stats().delivered == 1


async def test_flush_waits_until_every_input_is_answered() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock) as session:
        session.submit(b"A")
        await settle()
        session.submit(b"B")
        flushed = asyncio.get_running_loop().create_task(session.flush())
        await settle()
        assert not flushed.done()
        client.calls[0].answer()
        await settle()
        assert not flushed.done()  # B was still pending, now in flight
        client.calls[1].answer()
        await settle()
        assert flushed.done()
        await flushed


async def test_staleness_counts_every_input_until_a_result_for_it_or_a_newer_one_is_shown() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock) as session:
        session.submit(b"A")  # t=0
        await settle()
        clock.advance(0.1)
        session.submit(b"B")  # t=0.1, pending
        clock.advance(0.1)
        session.submit(b"C")  # t=0.2, replaces B
        clock.advance(0.05)
        client.calls[0].answer()  # A shown at 0.25: A waited 0.25
        await settle()
        assert session.stats().uncovered == 2
        clock.advance(0.25)
        client.calls[1].answer()  # C shown at 0.5: B waited 0.4, C 0.3
        await settle()
        stats = session.stats()
        assert stats.uncovered == 0
        assert stats.staleness_max == pytest.approx(0.4)
        assert stats.staleness_p50 == pytest.approx(0.3)
        assert stats.latency_p50 == pytest.approx(0.25)
        assert stats.latency_p95 == pytest.approx(0.25)
        assert "staleness p50 300 ms" in str(stats)


async def test_inpaint_sends_the_mask_positionally_and_it_may_change_per_input() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock, operation="inpaint", mask=b"M1") as session:
        session.submit(b"A")
        await settle()
        client.calls[0].answer()
        session.submit(b"B", mask=b"M2")
        await settle()
        assert [c.args for c in client.calls] == [(b"A", b"M1"), (b"B", b"M2")]
        assert "mask" not in client.calls[1].kwargs


async def test_submit_outside_the_sessions_loop_is_refused_clearly() -> None:
    session: RealtimeSession[FakeResult] = RealtimeSession(FakeClient(), "generate", prompt="p")
    errors: list[BaseException] = []

    def from_thread() -> None:
        try:
            session.submit(b"x")
        except RuntimeError as exc:
            errors.append(exc)

    await asyncio.to_thread(from_thread)
    assert len(errors) == 1
    assert "ThreadedRealtimeSession" in str(errors[0])
    await session.aclose()
