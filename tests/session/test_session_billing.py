"""What may have been billed, in a session: attempts of unknown outcome are counted in the
stats and in the budget, each at the largest cost seen."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from leonardo_realtime_client import APITimeoutError, InternalServerError, Outcome

from .fakes import FakeClient, FakeClock, settle
from .test_session import Event, make_session

pytestmark = pytest.mark.anyio


def read_timeout() -> APITimeoutError:
    error = APITimeoutError("read timeout on POST …; it may have been processed and billed", outcome=Outcome.UNKNOWN)
    error.attempts, error.possibly_billed_attempts = 1, 1
    return error


def refused_503() -> InternalServerError:
    response = httpx.Response(503, request=httpx.Request("POST", "https://example.test/api/rest/v1/generations-lcm"))
    error = InternalServerError("busy", response=response, body=None, retry_after=1.0)
    error.attempts = 3  # retried, never processed
    return error


async def test_failures_of_unknown_outcome_are_counted_as_possibly_billed() -> None:
    client, clock = FakeClient(), FakeClock()
    async with make_session(client, clock) as session:
        for image, outcome in ((b"A", read_timeout()), (b"B", refused_503())):
            session.submit(image)
            await settle()
            client.calls[-1].fail(outcome)
            await settle()
        session.submit(b"C")
        await settle()
        client.calls[-1].answer(cost=Decimal("0.01"))
        await settle()
        stats = session.stats()
    assert (stats.errors, stats.delivered, stats.possibly_billed) == (2, 1, 1)
    assert stats.possibly_billed_estimate == Decimal("0.01")
    assert "1 attempt(s) may have been billed too" in str(stats)


async def test_the_budget_counts_possibly_billed_attempts_at_the_largest_cost_seen() -> None:
    client, clock = FakeClient(), FakeClock()
    events: list[Event] = []
    async with make_session(client, clock, events, budget="0.035") as session:
        session.submit(b"A")
        await settle()
        client.calls[-1].answer(cost=Decimal("0.01"))
        await settle()
        session.submit(b"B")
        await settle()
        client.calls[-1].fail(read_timeout())  # may have cost another 0.01
        await settle()
        session.submit(b"C")
        await settle()
        assert len(client.calls) == 3  # 0.01 + 0.01 (possibly) + 0.01 next <= 0.035
        client.calls[-1].answer(cost=Decimal("0.01"))
        await settle()
        session.submit(b"D")  # 0.02 known + 0.01 possibly + 0.01 next > 0.035: not sent
        await settle()
        assert len(client.calls) == 3
        assert session.budget_exhausted
        stats = session.stats()
    assert (stats.cost, stats.possibly_billed, stats.possibly_billed_estimate) == (
        Decimal("0.02"),
        1,
        Decimal("0.01"),
    )
